"""Shared rules and helpers of the referral services."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.urls import NoReverseMatch, reverse

from linkwell.accounts.models import Organisation, OrganisationKind, Role, Team, User
from linkwell.common.errors import ApplicationError

from ..models import Referral, ReferralStatusChange, Urgency
from ..references import generate_reference

# SNOMED CT "social prescribing declined", recorded on the history row of a rejection.
SNOMED_SOCIAL_PRESCRIBING_DECLINED = "871711000000103"

# Roles that may make a referral (through the page or the API).
REFERRING_ROLES = (Role.REFERRER, Role.LINK_WORKER, Role.SUPERVISOR, Role.ADMIN)

# Working days to reply by urgency; routine uses REFERRAL_RESPONSE_WORKING_DAYS (default 10).
URGENCY_RESPONSE_WORKING_DAYS = {Urgency.URGENT: 2, Urgency.SOON: 5}

# Person fields the public form may carry (passed to people.services.person_create).
PERSON_FIELDS = frozenset(
    {
        "given_name",
        "family_name",
        "preferred_name",
        "date_of_birth",
        "nhs_number",
        "address",
        "postcode",
        "phone",
        "email",
        "preferred_contact_method",
        "preferred_contact_times",
        "language",
        "interpreter_needed",
        "accessibility_needs",
        "ethnic_category",
        "sex",
        "gender_identity",
    }
)
SELF_REFERRAL_FIELDS = frozenset(
    {
        "reason",
        "suggested_needs",
        "urgency",
        "risk_of_harm",
        "safeguarding_concern",
        "risk_details",
        "consent_confirmed",
    }
)
API_FIELDS = frozenset(
    {
        "person",
        "source",
        "reason",
        "suggested_needs",
        "urgency",
        "risk_of_harm",
        "safeguarding_concern",
        "risk_details",
        "consent_confirmed",
        "referrer_name",
        "referrer_contact",
        "team",
    }
)


class TooManyRequests(ApplicationError):
    status_code = 429


def _rule(name: str) -> Any:
    """A service rule from settings.LINKWELL (typed loosely there: a dict of mixed values)."""
    return settings.LINKWELL[name]  # type: ignore[index]  # LINKWELL is a plain settings dict


def referral_url(referral: Referral) -> str:
    """The staff page of a referral, when the pages are installed."""
    try:
        return reverse("referrals:detail", args=[referral.uuid])
    except NoReverseMatch:
        return ""


# intake_team() is asked on every referral; the answer changes only when a team or an
# organisation does. Kept per process for INTAKE_TEAM_CACHE_SECONDS, dropped at once when this
# process saves or deletes a team or an organisation (other processes catch up within the TTL).
INTAKE_TEAM_CACHE_SECONDS = 30.0
_intake_cache: dict[str, tuple[float, Team | None]] = {}
_intake_lock = threading.Lock()


def intake_team_cache_clear(**_: Any) -> None:
    """Forget the cached intake team (connected to Team and Organisation saves and deletes)."""
    with _intake_lock:
        _intake_cache.clear()


for _model in (Team, Organisation):
    for _signal in (post_save, post_delete):
        _signal.connect(
            intake_team_cache_clear,
            sender=_model,
            dispatch_uid=f"intake_team_cache_clear_{_model.__name__}_{id(_signal)}",
        )


def intake_team() -> Team | None:
    """The team that receives referrals sent without one.

    settings.LINKWELL["INTAKE_TEAM_UUID"] when set; otherwise the first team (oldest) of the
    first (oldest) active social prescribing service. Cached per process (see above); a team
    found is returned, not cached, when none exists yet, so the first team set up is seen at once.
    """
    configured = str(settings.LINKWELL.get("INTAKE_TEAM_UUID", ""))
    now = time.monotonic()
    with _intake_lock:
        cached = _intake_cache.get(configured)
    if cached is not None and now - cached[0] < INTAKE_TEAM_CACHE_SECONDS:
        return cached[1]
    team = _find_intake_team()
    if team is not None:
        with _intake_lock:
            _intake_cache[configured] = (now, team)
    return team


def _find_intake_team() -> Team | None:
    configured = str(settings.LINKWELL.get("INTAKE_TEAM_UUID", ""))
    if configured:
        team = Team.objects.filter(uuid=configured).select_related("organisation").first()
        if team is None:
            raise ApplicationError(
                "The intake team named in the INTAKE_TEAM_UUID setting does not exist."
            )
        return team
    org = (
        Organisation.objects.filter(
            kind=OrganisationKind.SOCIAL_PRESCRIBING_SERVICE, is_active=True, teams__isnull=False
        )
        .order_by("created_at", "id")
        .first()
    )
    if org is None:
        return None
    return org.teams.order_by("created_at", "id").first()


def _team_users(team: Team, roles: Sequence[str]) -> list[User]:
    return list(User.objects.filter(team=team, role__in=roles, is_active=True).order_by("username"))


def _supervisors(team: Team) -> list[User]:
    """Who hears of risk and missed deadlines: the team's supervisors; failing that, the
    organisation's administrators; failing that, the team's link workers. Never nobody."""
    people = _team_users(team, [Role.SUPERVISOR])
    if not people:
        people = list(
            User.objects.filter(
                organisation_id=team.organisation_id, role=Role.ADMIN, is_active=True
            ).order_by("username")
        )
    return people or _team_users(team, [Role.LINK_WORKER])


def _choice(value: str, choices: Iterable[str], field: str, what: str) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise ValidationError({field: f"{what} must be one of: {', '.join(allowed)}."})
    return value


def _unique_reference() -> str:
    # One look-up by the unique index on every referral taken: written out, as the ORM compiled
    # the same query afresh each time.
    quote = connection.ops.quote_name
    sql = (
        f"SELECT 1 FROM {quote(Referral._meta.db_table)} "  # noqa: S608  # names from the model
        f"WHERE {quote('reference')} = %s LIMIT 1"
    )
    with connection.cursor() as cursor:
        for _ in range(10):
            reference = generate_reference()
            cursor.execute(sql, [reference])
            if cursor.fetchone() is None:
                return reference
    raise ApplicationError("Could not make a unique reference; please try again.")


def _history(
    *,
    referral: Referral,
    from_status: str,
    to_status: str,
    actor: Any,
    reason: str = "",
    snomed_code: str = "",
    at: dt.datetime,
) -> ReferralStatusChange:
    change = ReferralStatusChange(
        referral=referral,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at,
        snomed_code=snomed_code,
    )
    # The referral and the actor are instances in hand (and the database's foreign keys hold).
    change.full_clean(exclude=["referral", "actor"])
    change.save()
    return change
