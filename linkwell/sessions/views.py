"""Pages: a link worker's diary, an episode's sessions and the requests awaiting approval."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from linkwell.accounts.models import Role
from linkwell.cases.models import Episode
from linkwell.cases.selectors import episode_get_for_user
from linkwell.common.errors import ApplicationError, NotFound
from linkwell.referrals.views import STAFF_ROLES, error_text, roles_required

from . import selectors, services
from .forms import AppointmentForm, ExtensionForm, OutcomeForm
from .selectors import LONDON


@roles_required(*STAFF_ROLES)
def diary(request: HttpRequest) -> HttpResponse:
    view = "week" if request.GET.get("view") == "week" else "day"
    try:
        start = selectors.diary_day(dt.date.fromisoformat(request.GET.get("date", "")))
    except (ValueError, ValidationError):
        # No date, or one that is not a day the diary shows: today's diary.
        start = timezone.now().astimezone(LONDON).date()
    if view == "week":
        start -= dt.timedelta(days=start.weekday())
    days = 7 if view == "week" else 1
    appointments = selectors.diary_for_user(user=request.user, start=start, days=days)
    return render(
        request,
        "sessions/diary.html",
        {
            "view": view,
            "start": start,
            "end": start + dt.timedelta(days=days - 1),
            "previous": start - dt.timedelta(days=days),
            "next": start + dt.timedelta(days=days),
            "appointments": appointments,
        },
    )


def _episode_or_404(request: HttpRequest, episode_uuid: UUID) -> Episode:
    try:
        return episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    except NotFound:
        raise Http404("Episode not found.") from None


@roles_required(*STAFF_ROLES)
def episode_sessions(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    episode = _episode_or_404(request, episode_uuid)
    form = AppointmentForm(request.POST or None, initial={"duration_minutes": 45})
    extension_form = ExtensionForm(prefix="ext")
    error = ""
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            starts_at = data["starts_at"]
            if timezone.is_naive(starts_at):
                starts_at = starts_at.replace(tzinfo=LONDON)
            try:
                services.appointment_book(
                    episode=episode,
                    actor=request.user,
                    starts_at=starts_at,
                    mode=data["mode"],
                    duration_minutes=data["duration_minutes"],
                    venue_kind=data["venue_kind"],
                    venue_detail=data["venue_detail"],
                )
            except (ValidationError, ApplicationError) as exc:
                error = error_text(exc)
            else:
                messages.success(request, "Session booked.")
                return redirect("sessions:episode", episode_uuid=episode.uuid)
        else:
            error = "Check the session details."
    return render(
        request,
        "sessions/episode_sessions.html",
        {
            "episode": episode,
            "appointments": selectors.appointment_list_for_episode(episode=episode),
            "timeline": selectors.episode_mode_timeline(episode=episode),
            "allowance": selectors.allowance_for_episode(episode=episode),
            "form": form,
            "extension_form": extension_form,
            "outcome_form": OutcomeForm(),
            "error": error,
        },
        status=400 if error else 200,
    )


@roles_required(*STAFF_ROLES)
def appointment_outcome(request: HttpRequest, appointment_uuid: UUID) -> HttpResponse:
    if request.method != "POST":
        raise Http404("Not found.")
    try:
        appointment = selectors.appointment_get_for_user(
            user=request.user, appointment_uuid=appointment_uuid
        )
    except NotFound:
        raise Http404("Session not found.") from None
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what happened at the session.")
    else:
        try:
            services.appointment_record_outcome(
                appointment=appointment,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "Outcome recorded.")
    return redirect("sessions:episode", episode_uuid=appointment.episode.uuid)


@roles_required(*STAFF_ROLES)
def extension_request(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    if request.method != "POST":
        raise Http404("Not found.")
    episode = _episode_or_404(request, episode_uuid)
    form = ExtensionForm(request.POST, prefix="ext")
    if not form.is_valid():
        messages.error(request, "Give the number of extra sessions and why they are needed.")
    else:
        try:
            services.extension_request(
                episode=episode,
                actor=request.user,
                extra_sessions=form.cleaned_data["extra_sessions"],
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "Request for more sessions sent for approval.")
    return redirect("sessions:episode", episode_uuid=episode.uuid)


@roles_required(*STAFF_ROLES)
def extensions_awaiting(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            extension = selectors.extension_get_for_user(
                user=request.user, extension_uuid=request.POST.get("extension", "")
            )
            services.extension_decide(
                extension=extension,
                actor=request.user,
                approve=request.POST.get("decision") == "approve",
                note=request.POST.get("note", ""),
            )
        except NotFound:
            raise Http404("Request not found.") from None
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "Decision recorded.")
        return redirect("sessions:extensions")
    return render(
        request,
        "sessions/extensions.html",
        {
            "extensions": selectors.extensions_awaiting_for_user(user=request.user),
            "can_decide": getattr(request.user, "role", "") in (Role.SUPERVISOR, Role.ADMIN),
        },
    )
