"""The extract's bulk paths give what the one-at-a-time definitions give: the pseudonymiser
against ``pseudonym``, suppression over value lists against the rule applied to dicts, and the
ethnic group computed by the database against ``ethnic_group``."""

from __future__ import annotations

import random
import uuid
from collections import Counter

import pytest
from django.conf import settings
from django.test import override_settings

from linkwell.people.models import Person
from linkwell.reports.selectors import EXTRACT_HEADERS, ethnic_group, pseudonym
from linkwell.reports.selectors.extract import (
    QUASI_IDENTIFIERS,
    SUPPRESSED_VALUE,
    _pseudonymiser,
    _suppression_swaps,
    _uuid_bytes,
)
from linkwell.reports.selectors.scope import _ETHNIC_CODE_GROUP, ethnic_group_case


@pytest.mark.parametrize("length", [0, 1, 20, 63, 64, 65, 200])
def test_pseudonymiser_matches_pseudonym_for_keys_of_every_length(length):
    key = "".join(random.Random(length).choice("abcdefé0123") for _ in range(length))
    with override_settings(LINKWELL={**settings.LINKWELL, "PSEUDONYM_KEY": key}):
        sign = _pseudonymiser()
        for person in [uuid.UUID(int=0), *(uuid.uuid4() for _ in range(50))]:
            assert sign(person.bytes) == pseudonym(person)
            assert sign(_uuid_bytes(person.hex)) == pseudonym(person)
            assert sign(_uuid_bytes(person)) == pseudonym(person)


def _suppress_dicts(rows):
    """The rule as first written, one dict per row."""
    for fields_, blanked in (
        (QUASI_IDENTIFIERS, ("ethnic_group", "deprivation_decile")),
        (("age_band", "sex"), ("age_band", "sex")),
    ):
        keys = [tuple(r[f] for f in fields_) for r in rows]
        counts = Counter(keys)
        for r, key in zip(rows, keys, strict=True):
            if counts[key] < 5:
                for f in blanked:
                    r[f] = SUPPRESSED_VALUE


@pytest.mark.parametrize("seed", range(6))
def test_suppression_decided_per_combination_matches_the_rule_on_dicts(seed):
    rng = random.Random(seed)
    read = [
        (
            rng.choice(["18-24", "25-34", "75+", "unknown"]),
            rng.choice(["female", "male", "unknown"]),
            rng.choice(["white", "asian", "black", "other"]),
            # As read: None when not known, shown as "".
            rng.choice([None, 1, 2, 3, 10]),
        )
        for _ in range(rng.randrange(0, 400))
    ]
    expected = [
        {
            "age_band": band,
            "sex": sex,
            "ethnic_group": group,
            "deprivation_decile": decile or "",
        }
        for band, sex, group, decile in read
    ]
    _suppress_dicts(expected)
    swaps = _suppression_swaps(Counter(read))
    got = []
    for combination in read:
        band, sex, group, decile = swaps.get(combination, combination)
        got.append(
            {
                "age_band": band,
                "sex": sex,
                "ethnic_group": group,
                "deprivation_decile": decile or "",
            }
        )
    assert got == expected
    assert any(SUPPRESSED_VALUE in r.values() for r in got) or not read


@pytest.mark.django_db
def test_ethnic_group_in_the_database_matches_ethnic_group():
    codes = [*_ETHNIC_CODE_GROUP, "X", ""]
    for i, code in enumerate(codes):
        Person.objects.create(given_name="Sam", family_name=f"Code{i}", ethnic_category=code)
    got = dict(
        Person.objects.annotate(group=ethnic_group_case("ethnic_category")).values_list(
            "ethnic_category", "group"
        )
    )
    assert got == {code: ethnic_group(code) for code in codes}


def _extract_one_at_a_time(user):
    """The extract by its definition, one episode at a time from the models: consent asked per
    person, month, age band, group and wait worked out in Python, each measure's summary looked
    up, then the suppression rule applied to the dicts."""
    from django.utils import timezone

    from linkwell.cases.models import Episode
    from linkwell.outcomes.models import MeasureSummary
    from linkwell.people.models import ConsentPurpose
    from linkwell.people.selectors import consent_in_force
    from linkwell.reports.selectors import PAIRED_MEASURES, age_band
    from linkwell.reports.selectors.scope import LONDON, report_scope

    scope = report_scope(user)
    today = timezone.localdate()
    rows = []
    for e in Episode.objects.filter(scope.team_q).order_by("id"):
        person, referral = e.person, e.referral
        if not consent_in_force(person=person, purpose=ConsentPurpose.EVALUATION):
            continue
        wait = None
        if referral and e.first_contact_at and e.first_contact_at >= referral.created_at:
            wait = (e.first_contact_at - referral.created_at).days
        row = {
            "person_pseudonym": pseudonym(person.uuid),
            "episode_number": e.number,
            "service": e.team.organisation.name,
            "referral_source": referral.source if referral else "",
            "referral_month": (
                referral.created_at.astimezone(LONDON).strftime("%Y-%m") if referral else ""
            ),
            "age_band": age_band(person.date_of_birth, today),
            "sex": person.sex,
            "ethnic_group": ethnic_group(person.ethnic_category),
            "deprivation_decile": person.deprivation_decile or "",
            "episode_status": e.status,
            "discharge_reason": e.discharge_reason,
            "days_to_first_contact": wait,
        }
        for code in PAIRED_MEASURES:
            summary = MeasureSummary.objects.filter(
                episode=e, instrument_code=code, responses__gte=2
            ).first()
            row[f"{code}_first"] = summary.first_score if summary else None
            row[f"{code}_latest"] = summary.latest_score if summary else None
        rows.append(row)
    _suppress_dicts(rows)
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(2))
def test_extract_matches_its_one_at_a_time_definition_on_varied_data(world, seed):
    import datetime as dt

    from django.utils import timezone

    from linkwell.cases.models import DischargeReason, EpisodeStatus
    from linkwell.cases.tests.factories import EpisodeFactory
    from linkwell.outcomes.models import MeasureSummary
    from linkwell.people.models import ConsentMethod, ConsentPurpose
    from linkwell.people.services import consent_record
    from linkwell.people.tests.factories import PersonFactory
    from linkwell.referrals.models import ReferralSource
    from linkwell.referrals.tests.factories import ReferralFactory
    from linkwell.reports.selectors import ReportFilters, commissioner_extract

    rng = random.Random(seed)
    now = timezone.now()
    summaries = []
    for i in range(70):
        person = PersonFactory(
            # Few values, so some combinations are shared by 5 or more people and some are rare.
            ethnic_category=rng.choice(["A", "A", "A", "H", "M", "Z", "99", "X"]),
            sex=rng.choice(["female", "male", "unknown"]),
            deprivation_decile=rng.choice([None, 1, 1, 7]),
            date_of_birth=rng.choice(
                [None, dt.date(1950, 6, 1), dt.date(1990, 1, 31), dt.date(2000, 2, 29)]
            ),
        )
        team = world.service_team if i % 4 else world.other_team
        referral = None
        if i % 9:
            referral = ReferralFactory(
                person=person, team=team, source=rng.choice(list(ReferralSource.values))
            )
            referral.created_at = now - dt.timedelta(
                days=rng.randrange(400),
                seconds=rng.randrange(86400),
                microseconds=rng.choice([0, 1, 999_999]),
            )
            referral.save(update_fields=["created_at"])
        contact = None
        if referral and i % 5:
            # Whole days, a microsecond either side of them, or before the referral.
            days = rng.choice([0, 1, 3, 30, -1])
            contact = referral.created_at + dt.timedelta(
                days=days, microseconds=rng.choice([-1, 0, 1, 0])
            )
        closed = rng.random() < 0.3
        episode = EpisodeFactory(
            person=person,
            team=team,
            referral=referral,
            first_contact_at=contact,
            status=EpisodeStatus.CLOSED if closed else rng.choice(["open", "active"]),
            discharge_reason=rng.choice(list(DischargeReason.values)) if closed else "",
        )
        for code in ("swemwbs", "phq9", "gad7", "ons4"):
            if rng.random() < 0.6:
                summaries.append(
                    MeasureSummary(
                        episode=episode,
                        instrument_code=code,
                        responses=rng.choice([1, 2, 5]),
                        first_score=rng.choice([3.0, 18.59, 27.5]),
                        latest_score=rng.choice([1.0, 20.73, 14.25]),
                    )
                )
        consents = rng.choice([[], [True], [True, False], [False, True], [True, True]])
        for k, given in enumerate(consents):
            consent_record(
                person=person,
                purpose=ConsentPurpose.EVALUATION,
                given=given,
                actor=world.link_worker,
                method=ConsentMethod.VERBAL,
                recorded_at=now - dt.timedelta(days=len(consents) - k),
            )
    MeasureSummary.objects.bulk_create(summaries)
    for user in (world.commissioner, world.supervisor):
        got = commissioner_extract(user=user, filters=ReportFilters())
        expected = _extract_one_at_a_time(user)
        assert got == expected
        assert all(list(r) == EXTRACT_HEADERS for r in got)
    assert any(SUPPRESSED_VALUE in r.values() for r in got)
