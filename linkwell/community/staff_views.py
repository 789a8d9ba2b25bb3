"""Staff pages for community capacity and co-design: community groups and their sustainability,
practice training with its before/after referral report, feedback and ideas, the service-user
board, and curating the public "you said, we did" page. Staff of the service only."""

from __future__ import annotations

import csv
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from linkwell.accounts.models import Role
from linkwell.common.errors import ApplicationError
from linkwell.common.needs import NEED_LABELS
from linkwell.common.paging import MAX_PAGE
from linkwell.referrals.models import ReferralSource
from linkwell.referrals.views import STAFF_ROLES, roles_required

from . import groups, selectors, services
from .forms import (
    AttendanceForm,
    BoardMeetingForm,
    FacilitatorForm,
    FeedbackFilterForm,
    GroupForm,
    ProgrammeForm,
    ReportPeriodForm,
    SessionForm,
    YouSaidForm,
)

# The before/after report holds aggregates only, so the service's commissioners may read it too.
REPORT_ROLES = (*STAFF_ROLES, Role.COMMISSIONER)
FEEDBACK_PER_PAGE = 50


def _refusal(form: Any, exc: ValidationError | ApplicationError) -> None:
    """Show a service's refusal on the form, beside its fields or above it."""
    if isinstance(exc, ValidationError):
        form.add_service_error(exc, {})
    else:
        form.add_error(None, exc.message)


@roles_required(*STAFF_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    organisation = request.user.organisation  # type: ignore[union-attr]
    return render(request, "community/staff/index.html", {"org": organisation})


# ---------------------------------------------------------------------------------------------
# Community groups


@roles_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def group_list(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None, prefix="group")
    if request.method == "POST" and form.is_valid():
        try:
            group = groups.group_save(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            messages.success(request, f"{group.name} added and listed in the directory.")
            return redirect("community_staff:group", group_uuid=group.uuid)
        except (ValidationError, ApplicationError) as exc:
            _refusal(form, exc)
    return render(
        request,
        "community/staff/groups.html",
        {
            "rows": groups.group_sustainability_for_user(user=request.user),
            "form": form,
            "failed": form if form.errors else None,
        },
        status=400 if form.errors else 200,
    )


def _group_write(request: HttpRequest, group: Any, action: str, data: dict[str, Any]) -> str:
    actor: Any = request.user
    if action == "edit":
        groups.group_save(actor=actor, group=group, **data)
        return "Group details saved; the directory listing is updated."
    if action == "facilitator":
        groups.facilitator_add(
            actor=actor, group=group, name=data["name"], trained=data["trained"] == "yes"
        )
        return f"{data['name']} added as a facilitator."
    groups.attendance_record(
        actor=actor, group=group, met_on=data["met_on"], attended=data["attended"]
    )
    return "Attendance recorded."


@roles_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def group_detail(request: HttpRequest, group_uuid: UUID, action: str = "") -> HttpResponse:
    group = groups.group_get_for_user(user=request.user, group_uuid=group_uuid)
    if action not in ("", "edit", "facilitator", "attendance") or (
        (request.method == "POST") != bool(action)
    ):
        raise Http404("No such form.")
    initial = {
        "name": group.name,
        "kind": group.kind,
        "description": group.description,
        "meeting_place": group.meeting_place,
        "meeting_times": group.meeting_times,
        "funding": group.funding,
    }
    data = request.POST if action else None
    forms_: dict[str, Any] = {
        "edit": GroupForm(data if action == "edit" else None, prefix="edit", initial=initial),
        "facilitator": FacilitatorForm(
            data if action == "facilitator" else None, prefix="facilitator"
        ),
        "attendance": AttendanceForm(data if action == "attendance" else None, prefix="attendance"),
    }
    failed = None
    if action:
        form = forms_[action]
        if form.is_valid():
            try:
                messages.success(request, _group_write(request, group, action, form.cleaned_data))
                return redirect("community_staff:group", group_uuid=group.uuid)
            except (ValidationError, ApplicationError) as exc:
                _refusal(form, exc)
        failed = form
    group, facilitators, attendance = groups.group_detail_for_user(
        user=request.user, group_uuid=group_uuid
    )
    return render(
        request,
        "community/staff/group.html",
        {
            "group": group,
            "facilitators": facilitators,
            "attendance": attendance[:12],
            "sustainability": next(
                (
                    row
                    for row in groups.group_sustainability_for_user(user=request.user)
                    if row.group.pk == group.pk
                ),
                None,
            ),
            "feedback": selectors.feedback_summary_for_service(
                user=request.user, service_id=group.directory_service_id
            ),
            "forms": forms_,
            "failed": failed,
        },
        status=400 if failed else 200,
    )


@roles_required(*STAFF_ROLES)
@require_POST
def facilitator_trained(request: HttpRequest, facilitator_uuid: UUID) -> HttpResponse:
    facilitator = groups.facilitator_get_for_user(
        user=request.user, facilitator_uuid=facilitator_uuid
    )
    trained = request.POST.get("trained") == "yes"
    groups.facilitator_set_trained(actor=request.user, facilitator=facilitator, trained=trained)  # type: ignore[arg-type]
    messages.success(
        request,
        f"{facilitator.name} marked as {'trained' if trained else 'not yet trained'}.",
    )
    return redirect("community_staff:group", group_uuid=facilitator.group.uuid)


# ---------------------------------------------------------------------------------------------
# Practice training


def _training_forms(request: HttpRequest, action: str) -> dict[str, Any]:
    programmes = [
        (str(p.uuid), p.title) for p in selectors.training_programmes_for_user(user=request.user)
    ]
    practices = [(str(o.uuid), o.name) for o in selectors.practice_choices(user=request.user)]
    data = request.POST if request.method == "POST" else None
    return {
        "programme": ProgrammeForm(data if action == "programme" else None, prefix="programme"),
        "session": SessionForm(
            data if action == "session" else None,
            prefix="session",
            programmes=programmes,
            practices=practices,
        ),
    }


def _training_write(request: HttpRequest, action: str, data: dict[str, Any]) -> str:
    actor: Any = request.user
    if action == "programme":
        services.training_programme_create(
            actor=actor, title=data["title"], description=data["description"]
        )
        return f"Programme '{data['title']}' added."
    programme = (
        selectors.training_programmes_for_user(user=actor).filter(uuid=data["programme"]).first()
    )
    practice = selectors.practice_choices(user=actor).filter(uuid=data["practice"]).first()
    if programme is None or practice is None:
        raise ValidationError({"programme": ["Choose a programme and a practice."]})
    services.training_session_record(
        actor=actor,
        programme=programme,
        practice=practice,
        delivered_on=data["delivered_on"],
        trainers=data["trainers"],
        attendance=data["attendance"],
        feedback_score=data["feedback_score"],
        feedback_notes=data["feedback_notes"],
    )
    return f"Session with {practice.name} recorded."


@roles_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def training(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in ("programme", "session"):
        raise Http404("No such form.")
    forms_ = _training_forms(request, action)
    failed = None
    if action:
        form = forms_[action]
        if form.is_valid():
            try:
                messages.success(request, _training_write(request, action, form.cleaned_data))
                return redirect("community_staff:training")
            except (ValidationError, ApplicationError) as exc:
                _refusal(form, exc)
        failed = form
    return render(
        request,
        "community/staff/training.html",
        {
            "programmes": selectors.training_programmes_for_user(user=request.user),
            "sessions": selectors.training_sessions_for_user(user=request.user)[:100],
            "practices": selectors.trained_practices_for_user(user=request.user),
            "forms": forms_,
            "failed": failed,
        },
        status=400 if failed else 200,
    )


def _report_rows(report: Any) -> dict[str, list[tuple[str, int, int]]]:
    """Before and after side by side: (label, before, after) for sources and for needs."""

    def pair(before: dict[str, int], after: dict[str, int], labels: dict[str, str]) -> list[Any]:
        keys = sorted(set(before) | set(after), key=lambda k: (-after.get(k, 0), k))
        return [(labels.get(k, k), before.get(k, 0), after.get(k, 0)) for k in keys]

    sources = dict(ReferralSource.choices)
    return {
        "sources": pair(report.before.sources, report.after.sources, sources),
        "needs": pair(report.before.needs, report.after.needs, NEED_LABELS),
    }


def _practice_report(request: HttpRequest, practice_uuid: UUID) -> tuple[Any, Any, Any]:
    period = ReportPeriodForm(request.GET if "days" in request.GET else None)
    days = 90
    if period.is_bound:
        if not period.is_valid():
            return None, period, None
        days = period.cleaned_data["days"]
    practice = selectors.practice_get(practice_uuid=practice_uuid)
    report = selectors.training_before_after_report(user=request.user, practice=practice, days=days)
    return report, period, practice


@roles_required(*REPORT_ROLES)
def practice_report(request: HttpRequest, practice_uuid: UUID) -> HttpResponse:
    report, period, practice = _practice_report(request, practice_uuid)
    if report is None:
        practice = selectors.practice_get(practice_uuid=practice_uuid)
        report = selectors.training_before_after_report(user=request.user, practice=practice)
    return render(
        request,
        "community/staff/practice_report.html",
        {
            "report": report,
            "rows": _report_rows(report),
            "period": period if period.is_bound else ReportPeriodForm(initial={"days": 90}),
            "error": period.errors.get("days", [""])[0] if period.is_bound else "",
        },
        status=400 if period.is_bound and period.errors else 200,
    )


@roles_required(*REPORT_ROLES)
def practice_report_csv(request: HttpRequest, practice_uuid: UUID) -> HttpResponse:
    report, period, practice = _practice_report(request, practice_uuid)
    if report is None:
        return HttpResponse(
            "Choose from 7 to 365 days.", status=400, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"training-report-{practice.uuid}-{report.days}-days.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(["practice", practice.name])
    writer.writerow(["first training", report.trained_on.isoformat()])
    writer.writerow(
        [
            "section",
            "item",
            f"before ({report.before.start.isoformat()} to {report.before.end.isoformat()})",
            f"after ({report.after.start.isoformat()} to {report.after.end.isoformat()})",
        ]
    )
    writer.writerow(["referrals", "total", report.before.total, report.after.total])
    rows = _report_rows(report)
    for label, before, after in rows["sources"]:
        writer.writerow(["source", label, before, after])
    for label, before, after in rows["needs"]:
        writer.writerow(["need", label, before, after])
    return response


# ---------------------------------------------------------------------------------------------
# Feedback, ideas and the public "you said, we did" page


@roles_required(*STAFF_ROLES)
def feedback_list(request: HttpRequest) -> HttpResponse:
    about_choices = selectors.feedback_about_choices(user=request.user)
    filters = FeedbackFilterForm(request.GET or None, about=about_choices)
    about = kind = identity = ""
    if filters.is_bound and not filters.is_valid():
        return render(
            request,
            "community/staff/feedback.html",
            {"filters": filters, "rows": [], "total": 0, "error": True},
            status=400,
        )
    if filters.is_bound:
        about = filters.cleaned_data["about"]
        kind = filters.cleaned_data["kind"]
        identity = filters.cleaned_data["identity"]
    page = request.GET.get("page", "1")
    page_number = min(int(page), MAX_PAGE) if page.isdigit() and int(page) > 0 else 1
    rows, total = selectors.feedback_rows_for_user(
        user=request.user,
        about_service_uuid=about or None,
        kind=kind,
        identity=identity,
        page=page_number,
        per_page=FEEDBACK_PER_PAGE,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "community/staff/feedback.html",
        {
            "filters": filters,
            "rows": rows,
            "total": total,
            "page": page_number,
            "has_next": page_number * FEEDBACK_PER_PAGE < total,
            "query": query.urlencode(),
        },
    )


@roles_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def you_said(request: HttpRequest) -> HttpResponse:
    form = YouSaidForm(request.POST or None, prefix="entry")
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.you_said_we_did_create(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            messages.success(
                request, "Published." if entry.published else "Saved as a draft: not public yet."
            )
            return redirect("community_staff:you_said")
        except (ValidationError, ApplicationError) as exc:
            _refusal(form, exc)
    return render(
        request,
        "community/staff/you_said.html",
        {
            "entries": selectors.you_said_we_did_for_user(user=request.user),
            "form": form,
            "failed": form if form.errors else None,
            "org": request.user.organisation,  # type: ignore[union-attr]
        },
        status=400 if form.errors else 200,
    )


@roles_required(*STAFF_ROLES)
@require_POST
def you_said_publish(request: HttpRequest, entry_uuid: UUID) -> HttpResponse:
    entry = selectors.you_said_we_did_get_for_user(user=request.user, entry_uuid=entry_uuid)
    publish = request.POST.get("publish") == "yes"
    services.you_said_we_did_publish(actor=request.user, entry=entry, publish=publish)  # type: ignore[arg-type]
    messages.success(request, "Published." if publish else "Taken off the public page.")
    return redirect("community_staff:you_said")


# ---------------------------------------------------------------------------------------------
# The service-user board


@roles_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def board(request: HttpRequest) -> HttpResponse:
    form = BoardMeetingForm(request.POST or None, prefix="meeting")
    if request.method == "POST" and form.is_valid():
        try:
            groups.board_meeting_record(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            messages.success(request, "Meeting recorded.")
            return redirect("community_staff:board")
        except (ValidationError, ApplicationError) as exc:
            _refusal(form, exc)
    return render(
        request,
        "community/staff/board.html",
        {
            "meetings": groups.board_meetings_for_user(user=request.user),
            "form": form,
            "failed": form if form.errors else None,
        },
        status=400 if form.errors else 200,
    )


@roles_required(*STAFF_ROLES)
@require_POST
def board_action_done(request: HttpRequest, action_uuid: UUID) -> HttpResponse:
    action = groups.board_action_get_for_user(user=request.user, action_uuid=action_uuid)
    try:
        groups.board_action_done(actor=request.user, action=action)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("community_staff:board")
    messages.success(request, f"Done: {action.action}")
    return redirect("community_staff:board")
