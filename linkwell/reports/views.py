"""Report pages and downloads. Supervisors, administrators and commissioners only (403 for
everyone else); commissioners see suppressed counts and no identifiers."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from linkwell.accounts.models import Organisation, Role, User
from linkwell.common.errors import ApplicationError, Forbidden

from . import exports, selectors, services
from .charts import bar_chart_svg
from .selectors import AGE_BANDS, ETHNIC_GROUPS, SOURCE_LABELS

FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reports/forbidden.html", {"message": message}, status=403)


def _filter_context(request: HttpRequest) -> dict[str, Any]:
    from linkwell.people.models import Sex

    return {
        "teams": selectors.teams_for_filter(user=request.user),
        "services": selectors.services_for_filter(user=request.user),
        "sources": SOURCE_LABELS.items(),
        "ethnic_groups": ETHNIC_GROUPS.items(),
        "age_bands": [b[0] for b in AGE_BANDS],
        "sexes": Sex.choices,
        "deciles": range(1, 11),
        "values": request.GET,
    }


@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    try:
        selectors.report_scope(request.user)
    except Forbidden as exc:
        return _forbidden(request, exc.message)
    return render(request, "reports/index.html", {"reports": selectors.REPORTS})


@login_required
def report_view(request: HttpRequest, slug: str) -> HttpResponse:
    build = selectors.REPORTS.get(slug)
    if build is None:
        raise Http404("No such report.")
    try:
        selectors.report_scope(request.user)
    except Forbidden as exc:
        return _forbidden(request, exc.message)
    context = _filter_context(request)
    try:
        filters = selectors.parse_filters(request.GET)
    except ValidationError as exc:
        context |= {"errors": exc.message_dict, "slug": slug}
        return render(request, "reports/report.html", context, status=400)
    report = build(user=request.user, filters=filters)
    fmt = request.GET.get("format", "")
    if fmt:
        if fmt not in FORMATS:
            raise Http404("Unknown format.")
        body: str | bytes
        if fmt == "csv":
            body = exports.report_csv(report)
        elif fmt == "xlsx":
            body = exports.report_xlsx(report)
        else:
            body = exports.report_pdf(report)
        response = HttpResponse(body, content_type=FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="linkwell-{slug}.{fmt}"'
        return response
    sections = [
        {
            "section": s,
            "chart": mark_safe(bar_chart_svg(s.chart_title, s.chart)) if s.chart else "",  # noqa: S308  # built from escaped text
        }
        for s in report.sections
    ]
    query = request.GET.copy()
    query.pop("format", None)
    context |= {"report": report, "sections": sections, "slug": slug, "query": query.urlencode()}
    return render(request, "reports/report.html", context)


@login_required
def extract_download(request: HttpRequest) -> HttpResponse:
    try:
        selectors.report_scope(request.user)
        filters = selectors.parse_filters(request.GET)
    except Forbidden as exc:
        return _forbidden(request, exc.message)
    except ValidationError as exc:
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()),
            status=400,
            content_type="text/plain",
        )
    rows = selectors.commissioner_extract(user=request.user, filters=filters)
    body = exports.rows_csv(selectors.EXTRACT_HEADERS, selectors.iter_extract_values(rows))
    response = HttpResponse(body, content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="linkwell-extract.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def baseline_import(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if user.role not in (Role.SUPERVISOR, Role.ADMIN):
        return _forbidden(request, "Only supervisors and administrators can import a baseline.")
    org_id = (
        user.team.organisation_id
        if user.role == Role.SUPERVISOR and user.team
        else user.organisation_id
    )
    organisation = Organisation.objects.filter(pk=org_id).first() if org_id else None
    if organisation is None:
        return _forbidden(request, "Your account is not part of a service.")
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("baseline")
        if upload is None:
            errors = ["Choose a CSV file to upload."]
        else:
            try:
                text = upload.read(services.MAX_BASELINE_BYTES + 1).decode("utf-8")
                n = services.population_baseline_import(
                    user=user,
                    organisation=organisation,
                    csv_text=text,
                    source=request.POST.get("source", "")[:200],
                )
            except UnicodeDecodeError:
                errors = ["The file must be a CSV saved as UTF-8."]
            except ValidationError as exc:
                errors = exc.messages
            except ApplicationError as exc:
                errors = [exc.message]
            else:
                messages.success(request, f"Imported {n} rows of population figures.")
                return redirect("reports:report", slug="equity")
    return render(
        request,
        "reports/baseline.html",
        {"organisation": organisation, "errors": errors},
        status=400 if errors else 200,
    )
