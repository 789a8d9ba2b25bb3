"""Signed links for people without an account: a waiting-list offer and the end-of-session poll.

Each token carries one booking's public uuid, signed with the project's secret and a purpose salt
so an offer link cannot be used as a poll link. Single use is enforced by the data, not the token:
an offer can be answered only while it is open, a poll once per booking (PollResponse.booking is
one-to-one).
"""

from __future__ import annotations

from uuid import UUID

from django.core import signing

OFFER_SALT = "linkwell.groups.offer"
POLL_SALT = "linkwell.groups.poll"
# Poll links work for a fortnight after they are made; offers carry their own time limit.
POLL_MAX_AGE_SECONDS = 14 * 24 * 3600


def make_token(*, booking_uuid: UUID | str, salt: str) -> str:
    return signing.dumps({"b": str(booking_uuid)}, salt=salt, compress=True)


def read_token(*, token: str, salt: str, max_age: int | None = None) -> str | None:
    """The booking uuid in a valid token, or None for a broken, altered or expired one."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    value = data.get("b") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None
