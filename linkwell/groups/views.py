"""Group pages: programmes, a session with its bookings and waiting list, the attendance register
(made for a phone), poll codes, and the two pages people use without an account: answering an
offered place and the end-of-session poll."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from linkwell.accounts.models import Role, User
from linkwell.common.errors import ApplicationError, NotFound
from linkwell.referrals.views import STAFF_ROLES, error_text, roles_required
from linkwell.sessions.selectors import LONDON

from . import selectors, services
from .forms import GroupSessionForm, PollForm, ProgrammeForm
from .models import Attendance, BookingStatus, GroupSession, Programme
from .offers import offer_url
from .tokens import POLL_SALT, make_token

GROUP_ROLES = (*STAFF_ROLES, Role.PROVIDER, Role.VOLUNTEER)


def _programme_or_404(request: HttpRequest, programme_uuid: UUID) -> Programme:
    try:
        return selectors.programme_get_for_user(user=request.user, programme_uuid=programme_uuid)
    except NotFound:
        raise Http404("Programme not found.") from None


def _session_or_404(request: HttpRequest, session_uuid: UUID) -> GroupSession:
    try:
        return selectors.group_session_get_for_user(user=request.user, session_uuid=session_uuid)
    except NotFound:
        raise Http404("Session not found.") from None


@roles_required(*GROUP_ROLES)
@require_http_methods(["GET", "POST"])
def programme_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # roles_required: signed in
    can_add = user.role in (Role.LINK_WORKER, Role.SUPERVISOR) and user.team_id is not None
    form = ProgrammeForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if not can_add or user.team is None:
            raise Http404("Not found.")
        if form.is_valid():
            try:
                programme = services.programme_create(
                    team=user.team,
                    actor=user,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    provider=form.cleaned_data["provider"],
                )
            except (ValidationError, ApplicationError) as exc:
                error = error_text(exc)
            else:
                messages.success(request, "Programme added.")
                return redirect("groups:programme", programme_uuid=programme.uuid)
        else:
            error = "Give the programme a name."
    return render(
        request,
        "groups/programme_list.html",
        {
            "programmes": selectors.programme_list_for_user(user=user),
            "form": form,
            "can_add": can_add,
            "error": error,
        },
        status=400 if error else 200,
    )


@roles_required(*GROUP_ROLES)
@require_http_methods(["GET", "POST"])
def programme_detail(request: HttpRequest, programme_uuid: UUID) -> HttpResponse:
    programme = _programme_or_404(request, programme_uuid)
    staff = selectors.is_programme_staff(request.user, programme)
    form = GroupSessionForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if not staff:
            raise Http404("Not found.")
        if form.is_valid():
            data = form.cleaned_data
            starts_at = data["starts_at"]
            if timezone.is_naive(starts_at):
                starts_at = starts_at.replace(tzinfo=LONDON)
            try:
                services.group_session_create(
                    programme=programme,
                    actor=request.user,
                    starts_at=starts_at,
                    capacity=data["capacity"],
                    duration_minutes=data["duration_minutes"],
                    venue=data["venue"],
                    online=data["online"],
                )
            except (ValidationError, ApplicationError) as exc:
                error = error_text(exc)
            else:
                messages.success(request, "Session added.")
                return redirect("groups:programme", programme_uuid=programme.uuid)
        else:
            error = "Check the session details."
    return render(
        request,
        "groups/programme.html",
        {
            "programme": programme,
            "sessions": selectors.session_list_for_programme(
                user=request.user, programme=programme
            ),
            "results": selectors.poll_results_for_programme(programme=programme) if staff else None,
            "staff": staff,
            "form": form,
            "error": error,
        },
        status=400 if error else 200,
    )


@roles_required(*GROUP_ROLES)
@require_http_methods(["GET"])
def session_detail(request: HttpRequest, session_uuid: UUID) -> HttpResponse:
    session = _session_or_404(request, session_uuid)
    programme = session.programme
    if not selectors.is_programme_staff(request.user, programme):
        # Providers and volunteer facilitators work from the register.
        return redirect("groups:register", session_uuid=session.uuid)
    bookings = selectors.session_bookings(session=session)
    # The same link the person was sent, so staff passing it on give them the same address.
    offer_links = {b.pk: offer_url(booking=b) for b in bookings.offered}
    return render(
        request,
        "groups/session.html",
        {
            "session": session,
            "programme": programme,
            "bookings": bookings,
            "offered": [(b, offer_links[b.pk]) for b in bookings.offered],
            "people": selectors.bookable_people_for_user(user=request.user, programme=programme),
            "facilitators": session.facilitators.order_by("username"),
            "candidates": selectors.facilitator_candidates_for_user(
                user=request.user, programme=programme
            ),
            "started": session.starts_at <= timezone.now(),
            "now": timezone.now(),
        },
    )


@roles_required(*STAFF_ROLES)
@require_POST
def session_book(request: HttpRequest, session_uuid: UUID) -> HttpResponse:
    session = _session_or_404(request, session_uuid)
    people = selectors.bookable_people_for_user(user=request.user, programme=session.programme)
    try:
        person = people.filter(uuid=UUID(request.POST.get("person", ""))).first()
    except ValueError:
        person = None
    if person is None:
        messages.error(request, "Choose a person from the list.")
    else:
        try:
            booking = services.booking_create(session=session, person=person, actor=request.user)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request,
                "Place booked."
                if booking.status == BookingStatus.BOOKED
                else "The session is full: added to the waiting list.",
            )
    return redirect("groups:session", session_uuid=session.uuid)


@roles_required(*STAFF_ROLES)
@require_POST
def session_facilitator(request: HttpRequest, session_uuid: UUID) -> HttpResponse:
    session = _session_or_404(request, session_uuid)
    candidates = selectors.facilitator_candidates_for_user(
        user=request.user, programme=session.programme
    )
    user = candidates.filter(username=request.POST.get("user", "")).first()
    if user is None:
        messages.error(request, "Choose a facilitator from the list.")
    else:
        try:
            services.facilitator_add(session=session, user=user, actor=request.user)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "Facilitator added.")
    return redirect("groups:session", session_uuid=session.uuid)


@roles_required(*STAFF_ROLES)
@require_POST
def booking_action(request: HttpRequest, booking_uuid: UUID) -> HttpResponse:
    """Cancel a booking, or accept or decline an offered place on the person's behalf."""
    try:
        booking = selectors.booking_get_for_user(user=request.user, booking_uuid=booking_uuid)
    except NotFound:
        raise Http404("Booking not found.") from None
    action = request.POST.get("action", "")
    operations: dict[str, Any] = {
        "cancel": (services.booking_cancel, "Booking cancelled."),
        "accept": (services.offer_accept, "Place accepted."),
        "decline": (services.offer_decline, "Offer declined; the place goes to the next person."),
    }
    if action not in operations:
        messages.error(request, "Choose what to do with the booking.")
    else:
        operation, done = operations[action]
        try:
            operation(booking=booking, actor=request.user)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, done)
    return redirect("groups:session", session_uuid=booking.session.uuid)


@roles_required(*GROUP_ROLES)
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, session_uuid: UUID) -> HttpResponse:
    session = _session_or_404(request, session_uuid)
    error = ""
    if request.method == "POST":
        marks: dict[UUID | str, str] = {
            key.removeprefix("attendance-"): request.POST.get(key, "")
            for key in request.POST
            if key.startswith("attendance-")
        }
        try:
            services.attendance_record(session=session, actor=request.user, marks=marks)
        except (ValidationError, ApplicationError) as exc:
            error = error_text(exc)
        else:
            messages.success(request, "Register saved.")
            return redirect("groups:register", session_uuid=session.uuid)
    booked = session.bookings.filter(status=BookingStatus.BOOKED).select_related("person")
    return render(
        request,
        "groups/register.html",
        {
            "session": session,
            "booked": booked.order_by("person__given_name", "person__family_name", "id"),
            "error": error,
            "open": session.starts_at <= timezone.now(),
        },
        status=400 if error else 200,
    )


def qr_svg(url: str) -> str:
    """An inline SVG QR code for the URL (qrcode's path image: one <path>, scales cleanly)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg: str = image.to_string(encoding="unicode")
    return svg


@roles_required(*GROUP_ROLES)
@require_http_methods(["GET"])
def poll_codes(request: HttpRequest, session_uuid: UUID) -> HttpResponse:
    """One poll link and QR code per person with a place, to hand out or show at the end."""
    session = _session_or_404(request, session_uuid)
    cards = []
    for booking in (
        session.bookings.filter(status=BookingStatus.BOOKED)
        .exclude(attendance="absent")
        .select_related("person", "poll_response")
        .order_by("person__given_name", "id")
    ):
        url = request.build_absolute_uri(
            reverse(
                "groups_public:poll", args=[make_token(booking_uuid=booking.uuid, salt=POLL_SALT)]
            )
        )
        answered = hasattr(booking, "poll_response")
        cards.append(
            {
                "first_name": booking.person.preferred_name or booking.person.given_name,
                "url": url,
                "answered": answered,
                "qr": mark_safe(qr_svg(url)),  # noqa: S308  # SVG made by qrcode from our own URL
            }
        )
    return render(request, "groups/poll_codes.html", {"session": session, "cards": cards})


# --- pages for people without an account -----------------------------------------------------


@require_http_methods(["GET", "POST"])
def offer_answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        booking = selectors.booking_from_offer_token(token=token)
    except NotFound as exc:
        return render(request, "groups/public_message.html", {"message": exc.message}, status=404)
    error = ""
    if request.method == "POST":
        choice = request.POST.get("choice")
        try:
            if choice == "accept":
                services.offer_accept(booking=booking)
            elif choice == "decline":
                services.offer_decline(booking=booking)
            else:
                error = "Choose whether you would like the place."
        except ApplicationError as exc:
            error = exc.message
        if not error:
            booking.refresh_from_db()
    return render(
        request,
        "groups/offer.html",
        {
            "booking": booking,
            "session": booking.session,
            "open": booking.status == BookingStatus.OFFERED
            and booking.offer_expires_at is not None
            and booking.offer_expires_at > timezone.now(),
            "error": error,
        },
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def poll(request: HttpRequest, token: str) -> HttpResponse:
    try:
        booking = selectors.booking_from_poll_token(token=token)
    except NotFound as exc:
        return render(request, "groups/public_message.html", {"message": exc.message}, status=404)
    if hasattr(booking, "poll_response"):
        return render(request, "groups/poll_done.html", {"already": True})
    if booking.status != BookingStatus.BOOKED or booking.attendance == Attendance.ABSENT:
        return render(
            request,
            "groups/public_message.html",
            {"message": "This link is only for people who came to the session."},
            status=403,
        )
    form = PollForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                services.poll_answer(
                    booking=booking,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except services.AlreadyAnswered:
                return render(request, "groups/poll_done.html", {"already": True})
            except (ValidationError, ApplicationError) as exc:
                error = error_text(exc)
            else:
                return render(request, "groups/poll_done.html", {"already": False})
        else:
            error = "Choose a number from 1 to 5."
    return render(
        request,
        "groups/poll.html",
        {"form": form, "session": booking.session, "error": error},
        status=400 if error else 200,
    )
