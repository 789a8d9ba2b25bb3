"""Telling the person offered a freed place, with the link to take it or turn it down.

The message goes by the person's preferred method (text or email) only with their consent to it
in force, in their language where a wording exists, never in quiet hours, and a failure is retried
with exponential back-off (the same rules and helpers as group reminders, reminders.py). One
GroupOfferNotice per offer records how it went; the session page shows it to staff.

The offer's time limit (settings.LINKWELL["GROUP_OFFER_HOURS"]) counts from when the person is
told, so it never runs while they could not know of it:

- An offer made in quiet hours to someone who can be told is queued until quiet hours end, and
  its expiry is set to that time plus the limit (never past the session's start).
- When the message goes, on the first try or a retry, the expiry becomes the send time plus the
  limit if that is later; the deadline in the message is that expiry.
- While a message is queued or being retried, the lapse sweep (services.offers_expire) leaves the
  offer open; only the session's start ends it.
- Someone who cannot be told (no consent in force, no address, or they prefer a letter or phone
  call), or whose message finally failed, keeps the limit counted from the offer: staff pass on
  the link shown on the session page, which says why they were not told.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from linkwell.audit.services import audit_log
from linkwell.sessions.models import ReminderStatus
from linkwell.sessions.reminders import LANGUAGE_CODES, in_quiet_hours, send_with_retry
from linkwell.sessions.selectors import LONDON

from .models import Booking, BookingStatus, GroupOfferNotice
from .reminders import contact_route
from .tokens import OFFER_SALT, make_token

logger = logging.getLogger(__name__)

# Wording by language; the person's recorded language picks one, English otherwise.
TEMPLATES: dict[str, tuple[str, str]] = {
    "en": (
        "A place has come up for you",
        "A place has come up for you at {name} on {when}{where}. It is kept for you until "
        "{deadline}. To take it or turn it down: {link}",
    ),
    "cy": (
        "Mae lle ar gael i chi",
        "Mae lle wedi dod ar gael i chi yn {name} ar {when}{where}. Caiff ei gadw i chi tan "
        "{deadline}. I'w dderbyn neu ei wrthod: {link}",
    ),
    "pl": (
        "Zwolniło się dla Ciebie miejsce",
        "Zwolniło się dla Ciebie miejsce w grupie {name} {when}{where}. Czeka na Ciebie do "
        "{deadline}. Aby je przyjąć lub odrzucić: {link}",
    ),
    "ur": (
        "آپ کے لیے ایک جگہ دستیاب ہے",
        "{name} میں {when} کو آپ کے لیے ایک جگہ دستیاب ہے{where}۔ یہ {deadline} تک آپ کے لیے "
        "رکھی گئی ہے۔ قبول یا رد کرنے کے لیے: {link}",
    ),
}


def offer_url(*, booking: Booking) -> str:
    """The signed accept/decline link, on the site's public address (settings.PUBLIC_BASE_URL)."""
    token = make_token(booking_uuid=booking.uuid, salt=OFFER_SALT)
    base = str(settings.PUBLIC_BASE_URL).rstrip("/")
    return base + reverse("groups_public:offer", args=[token])


def _london(moment: dt.datetime) -> str:
    return moment.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


def offer_text(*, booking: Booking, language: str, deadline: dt.datetime) -> tuple[str, str, str]:
    """(language code used, subject, body)."""
    code = LANGUAGE_CODES.get(language.strip().lower(), "en")
    subject, body = TEMPLATES[code]
    session = booking.session
    where = ", online" if session.online else (f", {session.venue}" if session.venue else "")
    return (
        code,
        subject,
        body.format(
            name=session.programme.name,
            when=_london(session.starts_at),
            where=where,
            deadline=_london(deadline),
            link=offer_url(booking=booking),
        ),
    )


def quiet_hours_end(moment: dt.datetime) -> dt.datetime:
    """The first moment after ``moment`` outside quiet hours (``moment`` itself when it is not in
    them): the next time the quiet period's end hour strikes in Europe/London."""
    if not in_quiet_hours(moment):
        return moment
    _, end = getattr(settings, "REMINDER_QUIET_HOURS", (21, 8))
    local = moment.astimezone(LONDON)
    candidate = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate = (local + dt.timedelta(days=1)).replace(
            hour=end, minute=0, second=0, microsecond=0
        )
    return candidate.astimezone(dt.UTC)


def offer_notice_prepare(*, booking: Booking, now: dt.datetime) -> GroupOfferNotice:
    """The (unsaved) notice for an offer being made: pending from ``now``, or from the end of
    quiet hours, when the person can be told; skipped, with the reason, when they cannot. The
    offer's time limit counts from the notice's ``next_attempt_at`` when it has one."""
    notice = GroupOfferNotice(booking=booking)
    route = contact_route(booking.person)
    if isinstance(route, str):
        notice.status = ReminderStatus.SKIPPED
        notice.detail = route
    else:
        notice.channel = route[0]
        notice.status = ReminderStatus.PENDING
        notice.next_attempt_at = quiet_hours_end(now)
    return notice


def offer_notice_dispatch(*, booking_id: int) -> None:
    """Hand a due notice to the background worker (after the offer's transaction commits). If
    the queue cannot be reached the periodic sweep sends it a few minutes later."""
    from .tasks import group_offer_notify

    try:
        group_offer_notify(booking_id)
    except Exception:
        logger.exception("Could not queue the message about an offered place")


def offer_notices_send_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the messages about open offers that are due: queued ones whose quiet hours have
    ended and failures whose back-off has passed. Nothing is sent in quiet hours."""
    now = now or timezone.now()
    counts = dict.fromkeys(ReminderStatus.values, 0)
    counts[ReminderStatus.SKIPPED] += _close_notices_of_ended_offers()
    if in_quiet_hours(now):
        return counts
    due = GroupOfferNotice.objects.filter(
        status__in=(ReminderStatus.PENDING, ReminderStatus.FAILED),
        next_attempt_at__lte=now,
        booking__status=BookingStatus.OFFERED,
    ).values_list("booking_id", flat=True)
    for booking_id in list(due):
        status = offer_notice_send(booking_id=booking_id, now=now)
        if status:
            counts[status] += 1
    return counts


def _close_notices_of_ended_offers() -> int:
    """Messages still waiting (queued or to retry) for offers that were answered or ended meanwhile
    are marked not sent, with the reason, so nothing stays pending for ever."""
    ended = list(
        GroupOfferNotice.objects.filter(status__in=(ReminderStatus.PENDING, ReminderStatus.FAILED))
        .exclude(booking__status=BookingStatus.OFFERED)
        .values_list("pk", flat=True)
    )
    for pk in ended:
        with transaction.atomic():
            notice = (
                GroupOfferNotice.objects.select_for_update()
                .select_related("booking__person")
                .get(pk=pk)
            )
            if notice.status not in (ReminderStatus.PENDING, ReminderStatus.FAILED):
                continue
            notice.status = ReminderStatus.SKIPPED
            notice.detail = "The offer ended before the message was sent."
            notice.next_attempt_at = None
            notice.full_clean()
            notice.save()
            audit_log(
                action="update",
                obj=notice,
                person=notice.booking.person,
                detail={"offer_notice": notice.status, "channel": notice.channel},
            )
    return len(ended)


@transaction.atomic
def offer_notice_send(*, booking_id: int, now: dt.datetime | None = None) -> str:
    """Tell the person of their open offer if the notice is due; returns the notice's new status
    ("" when nothing was due). On success the offer's expiry counts from now (see the module's
    docstring). Only the booking and notice rows are locked, never the session's, so bookings for
    the session are not held up while the message is handed over."""
    from .services import offer_time_limit

    now = now or timezone.now()
    if in_quiet_hours(now):
        return ""
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("person", "session__programme")
        .filter(pk=booking_id, status=BookingStatus.OFFERED)
        .first()
    )
    if booking is None:
        return ""
    notice = GroupOfferNotice.objects.select_for_update().filter(booking=booking).first()
    if (
        notice is None
        or notice.status not in (ReminderStatus.PENDING, ReminderStatus.FAILED)
        or (notice.next_attempt_at is not None and notice.next_attempt_at > now)
    ):
        return ""
    session = booking.session
    route = contact_route(booking.person)
    if session.starts_at <= now:
        notice.status = ReminderStatus.SKIPPED
        notice.detail = "The session started before the message could be sent."
    elif isinstance(route, str):
        notice.status = ReminderStatus.SKIPPED
        notice.detail = route
    else:
        assert booking.offer_expires_at is not None  # noqa: S101  # booking_offer_has_time_limit
        deadline = max(booking.offer_expires_at, min(now + offer_time_limit(), session.starts_at))
        code, subject, body = offer_text(
            booking=booking, language=booking.person.language, deadline=deadline
        )
        notice.language = code
        method, address = route
        send_with_retry(notice, method=method, address=address, subject=subject, body=body, now=now)
        if notice.status == ReminderStatus.SENT and deadline != booking.offer_expires_at:
            booking.offer_expires_at = deadline
            booking.full_clean()
            booking.save(update_fields=["offer_expires_at", "updated_at"])
            audit_log(
                action="update",
                obj=booking,
                person=booking.person,
                detail={"offer_expires": deadline.isoformat(), "counted_from": "told"},
            )
    notice.full_clean()
    notice.save()
    audit_log(
        action="update",
        obj=notice,
        person=booking.person,
        detail={"offer_notice": notice.status, "channel": notice.channel},
    )
    return notice.status
