"""Finding a person from the referral front door: the one read of the register open to referrers.

A referrer (a GP practice, a job centre...) may attach a referral to a person the service already
knows, but must not browse the register (DESIGN.md: a referrer sees the referrals their
organisation made and nothing else). These selectors are kept apart from ``selectors.py`` because
their rules are narrower than a link worker's:

- a lookup needs an exact, valid NHS number, or an exact given name, family name and date of birth
  (a postcode narrows it further); partial numbers, initials or a name alone are refused;
- it shows at most MAX_FOUND people, each with only what tells them apart: name, date of birth and
  postcode district (never the full postcode, contact details, practice or referral history);
- every lookup is in the audit log (what kind of lookup, how many found; never the values typed),
  with a "read" row for each person shown;
- lookups per user per hour are capped (LINKWELL["REFERRER_FIND_LIMIT_PER_HOUR"], default 60), so
  guessing names and birthdays one after another cannot list the register either;
- choosing a found person gives a signed token bound to the user and valid for an hour; the
  referral is attached through ``person_chosen_for_referral``, so a bare person id is never
  enough to attach a referral to someone.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_lib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linkwell.accounts.models import Role
from linkwell.audit.models import AuditEvent
from linkwell.audit.services import audit_batch, audit_log
from linkwell.common.errors import ApplicationError, Forbidden, NotFound

from .models import Person
from .validation import normalise_nhs_number, normalise_postcode

# Who may look a person up to refer them: referrers, and staff taking a referral by phone.
FIND_ROLES = frozenset({Role.REFERRER, Role.LINK_WORKER, Role.SUPERVISOR})
# More matches than this (a common name and birthday) shows none: add the postcode.
MAX_FOUND = 5
# The audit row of each lookup; also what the hourly cap counts.
LOOKUP_OBJECT_TYPE = "PersonLookup"
DEFAULT_FIND_LIMIT_PER_HOUR = 60
FOUND_TOKEN_SALT = "linkwell.people.found-person"  # noqa: S105  # a salt, not a secret
FOUND_TOKEN_MAX_AGE = 60 * 60  # seconds: the time to finish a referral after the lookup
# How many merged_into links to follow (a chain is normally one link long).
_MAX_MERGE_CHAIN = 20
_FOUND_FIELDS = ("id", "uuid", "given_name", "family_name", "date_of_birth", "postcode")


class TooManyLookups(ApplicationError):
    status_code = 429


@dataclass(frozen=True)
class FoundPerson:
    """What a referrer is shown of a person found: enough to tell two people apart, no more."""

    uuid: uuid_lib.UUID
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    postcode_district: str
    token: str = field(repr=False)

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True)
class FindResult:
    by: str  # "nhs_number" or "name_and_date_of_birth"
    people: list[FoundPerson]
    # More than MAX_FOUND people matched, so none are shown: ask for the postcode.
    too_many: bool = False


def postcode_district(postcode: str) -> str:
    """The outward code ("LS6" of "LS6 1AB"): an area of some thousands of homes."""
    return (postcode or "").split(" ")[0]


def _limit_per_hour() -> int:
    rules: dict[str, Any] = settings.LINKWELL  # type: ignore[misc]  # a plain settings dict
    return int(rules.get("REFERRER_FIND_LIMIT_PER_HOUR", DEFAULT_FIND_LIMIT_PER_HOUR))


def _require_find_role(user: Any) -> None:
    if (
        not getattr(user, "is_authenticated", False)
        or not user.is_active
        or user.role not in FIND_ROLES
    ):
        raise Forbidden("Your role does not include finding people to refer.")


def _survivor(person: Person) -> Person:
    """Follow merged_into to the record that now holds the person's history."""
    hops = 0
    while person.merged_into_id is not None and hops < _MAX_MERGE_CHAIN:
        person = Person.objects.only(*_FOUND_FIELDS, "merged_into").get(pk=person.merged_into_id)
        hops += 1
    return person


def _words(value: str) -> str:
    return " ".join((value or "").split()).casefold()


def _clean_query(
    nhs_number: str, given_name: str, family_name: str, date_of_birth: dt.date | None, postcode: str
) -> tuple[str, str]:
    """(by, normalised NHS number or postcode); raises ValidationError for partial queries."""
    if (nhs_number or "").strip():
        try:
            return "nhs_number", normalise_nhs_number(nhs_number)
        except ValidationError as exc:
            raise ValidationError({"nhs_number": exc.messages}) from None
    missing = {}
    if not _words(given_name):
        missing["given_name"] = "Enter the person's given name in full"
    if not _words(family_name):
        missing["family_name"] = "Enter the person's family name in full"
    if date_of_birth is None:
        missing["date_of_birth"] = "Enter the person's date of birth"
    if missing:
        if len(missing) == 3:
            raise ValidationError(
                {
                    "nhs_number": "Enter the person's NHS number, or their given name, family "
                    "name and date of birth"
                }
            )
        raise ValidationError(missing)
    if (postcode or "").strip():
        try:
            return "name_and_date_of_birth", normalise_postcode(postcode)
        except ValidationError as exc:
            raise ValidationError({"postcode": exc.messages}) from None
    return "name_and_date_of_birth", ""


def person_find_for_referral(
    *,
    user: Any,
    nhs_number: str = "",
    given_name: str = "",
    family_name: str = "",
    date_of_birth: dt.date | None = None,
    postcode: str = "",
) -> FindResult:
    """People matching an exact NHS number, or exactly a given name (or preferred name), family
    name and date of birth (and the postcode, when given), for a referral.

    Raises Forbidden for roles that do not refer, ValidationError for a partial or invalid query
    (nothing is looked up), TooManyLookups (429) over the hourly cap. Audited (see the module's
    docstring); merged records lead to the record that survived.
    """
    _require_find_role(user)
    by, value = _clean_query(nhs_number, given_name, family_name, date_of_birth, postcode)
    since = timezone.now() - dt.timedelta(hours=1)
    done = AuditEvent.objects.filter(
        actor_id=user.pk, object_type=LOOKUP_OBJECT_TYPE, at__gte=since
    ).count()
    if done >= _limit_per_hour():
        raise TooManyLookups(
            "You have looked up a lot of people in the last hour, so we have paused finding "
            "people for you. Enter the person's details instead, or try again later."
        )

    people = Person.objects.only(*_FOUND_FIELDS, "merged_into", "preferred_name")
    if by == "nhs_number":
        candidates = list(people.filter(nhs_number=value)[: MAX_FOUND + 1])
    else:
        # person_dob_name_idx: date of birth and lower-cased family name.
        rows = people.filter(date_of_birth=date_of_birth, search_family_name=_words(family_name))
        if value:
            rows = rows.filter(postcode=value)
        given = _words(given_name)
        candidates = [
            p
            for p in rows.order_by("id")[:200]
            if given in (_words(p.given_name), _words(p.preferred_name))
        ]
    found: dict[int, Person] = {}
    for candidate in candidates:
        survivor = _survivor(candidate)
        found.setdefault(survivor.pk, survivor)
    too_many = len(found) > MAX_FOUND
    shown = [] if too_many else sorted(found.values(), key=lambda p: p.pk)

    with transaction.atomic(), audit_batch():
        audit_log(
            action="read",
            object_type=LOOKUP_OBJECT_TYPE,
            actor=user,
            detail={
                "by": by,
                "with_postcode": bool(value) and by != "nhs_number",
                "found": len(found),
                "shown": len(shown),
            },
        )
        for person in shown:
            audit_log(action="read", obj=person, person=person, actor=user, detail={"via": "find"})
    return FindResult(
        by=by,
        too_many=too_many,
        people=[
            FoundPerson(
                uuid=p.uuid,
                given_name=p.given_name,
                family_name=p.family_name,
                date_of_birth=p.date_of_birth,
                postcode_district=postcode_district(p.postcode),
                token=signing.dumps({"p": str(p.uuid), "u": user.pk}, salt=FOUND_TOKEN_SALT),
            )
            for p in shown
        ],
    )


def person_chosen_for_referral(*, user: Any, token: str) -> Person:
    """The person the user chose from their own lookup (``FoundPerson.token``), for attaching a
    referral; audited as a read. A token of another user, an altered or an expired one raises
    NotFound: the user finds the person again."""
    _require_find_role(user)
    try:
        data = signing.loads(token or "", salt=FOUND_TOKEN_SALT, max_age=FOUND_TOKEN_MAX_AGE)
        wanted = uuid_lib.UUID(str(data["p"]))
        owner = data["u"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("That search has expired. Find the person again.") from None
    if owner != user.pk:
        raise NotFound("That search has expired. Find the person again.")
    person = Person.objects.filter(uuid=wanted).first()
    if person is None:
        raise NotFound("That person's record is no longer there. Find the person again.")
    person = _survivor(person)
    audit_log(action="read", obj=person, person=person, actor=user, detail={"via": "find"})
    return person


def found_person_summary(person: Person) -> FoundPerson:
    """The same minimal details as a lookup shows, for the chosen person's referral page."""
    return FoundPerson(
        uuid=person.uuid,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        postcode_district=postcode_district(person.postcode),
        token="",
    )
