"""The public directory pages: search with filters and a page per service. No sign-in."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from linkwell.common.errors import NotFound
from linkwell.common.needs import NEED_LABELS

from .forms import DirectorySearchForm
from .models import Access, DeliveryMode
from .presenters import KM_PER_MILE, how_far, opening_line
from .search import geocoder, haversine_km
from .selectors import Origin, ServiceFilters, service_page_public, service_search

PER_PAGE = 20
# "Any distance" on the public page still means near enough to get to.
PUBLIC_RADIUS_MILES = 15


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET or None)
    context: dict[str, object] = {"form": form, "searched": bool(request.GET)}
    filters = ServiceFilters()
    origin = None
    query = ""
    sort = "relevance"
    page_number = 1
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        query = data["q"]
        day = data["day"]
        miles = float(data["distance"] or PUBLIC_RADIUS_MILES)
        filters = ServiceFilters(
            needs=(data["need"],) if data["need"] else (),
            delivery_modes=tuple(data["mode"]),
            cost="free" if data["free"] else None,
            age=data["age"],
            language=data["language"] or None,
            open_now=day == "now",
            open_on=int(day) if day not in ("", "now") else None,
            self_referral=True if data["self_referral"] else None,
            max_distance_km=miles * KM_PER_MILE,
        )
        if data["postcode"]:
            point = geocoder().locate(data["postcode"])
            if point is None:
                form.add_error("postcode", "We do not know that postcode. Check it and try again.")
            else:
                origin = Origin(*point)
        sort = data["sort"] or "relevance"
        page_number = data["page"] or 1
    if form.is_bound and form.errors:
        context["errors"] = [
            (name, error) for name, errors in form.errors.items() for error in errors
        ]
    else:
        result = service_search(
            query=query,
            filters=filters,
            origin=origin,
            sort=sort if origin else "relevance",
            limit=PER_PAGE,
            offset=(page_number - 1) * PER_PAGE,
        )
        postcode = form.cleaned_data.get("postcode", "") if form.is_bound else ""
        context["result"] = result
        context["hits"] = [
            {"hit": hit, "how_far": how_far(hit.distance_km, postcode)} for hit in result.hits
        ]
        paginator = Paginator(range(result.total), PER_PAGE)
        context["page"] = paginator.get_page(page_number)
        params = request.GET.copy()
        params.pop("page", None)
        context["query_string"] = params.urlencode()
    template = (
        "directory/_results.html" if request.headers.get("HX-Request") else "directory/search.html"
    )
    return render(request, template, context)


@require_GET
def service_detail(request: HttpRequest, service_id: str) -> HttpResponse:
    try:
        page = service_page_public(service_id=service_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    postcode = request.GET.get("postcode", "").strip()[:10]
    distance = None
    if postcode:
        point = geocoder().locate(postcode)
        if point is not None:
            distances = [
                haversine_km(point[0], point[1], p["location"].latitude, p["location"].longitude)  # type: ignore[attr-defined]
                for p in page.places
                if p["location"].latitude is not None and p["location"].longitude is not None  # type: ignore[attr-defined]
            ]
            distance = min(distances) if distances else None
    profile = getattr(page.service, "profile", None)
    # Staff of a social prescribing service also see what people told them about this service.
    from linkwell.community.selectors import feedback_summary_for_service

    feedback = feedback_summary_for_service(user=request.user, service_id=page.service.id)
    return render(
        request,
        "directory/service.html",
        {
            "page": page,
            "service": page.service,
            "profile": profile,
            "self_referral": profile is not None and profile.access == Access.SELF_REFERRAL,
            "opening": [opening_line(s) for s in page.schedules],
            "needs": [NEED_LABELS.get(n, n) for n in page.needs],
            "modes": [DeliveryMode(m).label for m in page.modes if m in DeliveryMode.values],
            "how_far": how_far(distance, postcode),
            "postcode": postcode,
            "feedback": feedback,
        },
    )
