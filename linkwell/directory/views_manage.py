"""Pages for providers keeping their listings current, and for directory managers' reviews."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from linkwell.common.errors import ApplicationError, Forbidden, NotFound

from .forms import ListingForm
from .models import ServiceProfile
from .selectors import (
    listing_change_get_for_user,
    listing_changes_pending,
    listing_get_for_user,
    listing_history,
    listings_for_user,
)
from .services.listings import (
    is_directory_manager,
    listing_change_review,
    listing_edit,
    listing_verify,
)


def _initial(service: Any) -> dict[str, Any]:
    profile, _ = ServiceProfile.objects.get_or_create(service=service)
    return {
        "name": service.name,
        "description": service.description or "",
        "status": service.status,
        "application_process": service.application_process or "",
        "access": profile.access,
        "cost": profile.cost,
        "fees_description": service.fees_description or "",
        "needs": list(service.needs_met.values_list("need", flat=True)),
        "delivery_modes": list(service.delivery_modes.values_list("mode", flat=True)),
        "typical_wait_days": profile.typical_wait_days,
        "capacity": profile.capacity,
        "email": service.email or "",
        "url": service.url or "",
        "alert": service.alert or "",
    }


@login_required
def listings(request: HttpRequest) -> HttpResponse:
    try:
        services = list(listings_for_user(user=request.user))
    except Forbidden as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "directory/manage_list.html",
        {"services": services, "is_manager": is_directory_manager(request.user)},  # type: ignore[arg-type]
    )


@login_required
@require_http_methods(["GET", "POST"])
def listing_edit_view(request: HttpRequest, service_id: str) -> HttpResponse:
    try:
        service = listing_get_for_user(user=request.user, service_id=service_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    initial = _initial(service)
    form = ListingForm(request.POST or None, initial=initial)
    errors: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if v != initial.get(k)}
        changes = {
            k: (v if v != "" else None) if k not in ("name",) else v for k, v in changes.items()
        }
        try:
            change = listing_edit(service=service, actor=request.user, changes=changes)  # type: ignore[arg-type]
        except ValidationError as exc:
            errors = [("name", m) for m in exc.messages]
        except ApplicationError as exc:
            errors = [("name", exc.message)]
        else:
            if change.status == "pending":
                messages.info(request, "Thank you. Your changes will show once they are checked.")
            else:
                messages.success(request, "Your changes are live.")
            return redirect("directory:manage_edit", service_id=service.id)
    if form.errors:
        errors += [(name, str(e)) for name, es in form.errors.items() for e in es]
    return render(
        request,
        "directory/manage_edit.html",
        {
            "service": service,
            "form": form,
            "errors": errors,
            "history": listing_history(service=service)[:50],
        },
    )


@login_required
@require_POST
def listing_verify_view(request: HttpRequest, service_id: str) -> HttpResponse:
    try:
        service = listing_get_for_user(user=request.user, service_id=service_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    listing_verify(service=service, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, "Thank you for confirming the details are right.")
    return redirect("directory:manage_edit", service_id=service.id)


@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    try:
        pending = list(listing_changes_pending(user=request.user))
    except Forbidden as exc:
        raise Http404(exc.message) from exc
    return render(request, "directory/manage_reviews.html", {"pending": pending})


@login_required
@require_POST
def review_decide(request: HttpRequest, change_id: str) -> HttpResponse:
    try:
        change = listing_change_get_for_user(user=request.user, change_id=change_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    approve = request.POST.get("decision") == "approve"
    try:
        listing_change_review(
            change=change,
            actor=request.user,  # type: ignore[arg-type]
            approve=approve,
            note=request.POST.get("note", ""),
        )
    except (ValidationError, ApplicationError) as exc:
        message = exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
        messages.error(request, message)
    else:
        messages.success(request, "Change approved." if approve else "Change rejected.")
    return redirect("directory:manage_reviews")
