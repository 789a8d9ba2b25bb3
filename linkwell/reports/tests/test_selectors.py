"""Reports: scope by role, suppression for commissioners, figures, filters and the extract."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from scipy import stats as sps

from linkwell.audit.models import AuditEvent
from linkwell.common.errors import Forbidden
from linkwell.reports import selectors, services
from linkwell.reports.selectors import (
    EXTRACT_HEADERS,
    ReportFilters,
    activity_report,
    commissioner_extract,
    equity_report,
    outcomes_report,
    parse_filters,
    pseudonym,
)
from linkwell.reports.stats import SUPPRESSED

from .conftest import SCORES, make_episode

pytestmark = pytest.mark.django_db
NO_FILTERS = ReportFilters()


def section(report, title):
    return next(s for s in report.sections if s.title == title)


def row(sec, label):
    return next(r for r in sec.rows if r[0] == label)


@pytest.mark.parametrize(
    "persona", ["link_worker", "outsider", "referrer", "provider", "volunteer"]
)
def test_people_without_a_reporting_role_are_refused(world, report_data, persona):
    for build in (activity_report, equity_report, outcomes_report, commissioner_extract):
        with pytest.raises(Forbidden):
            build(user=getattr(world, persona), filters=NO_FILTERS)


def test_supervisor_sees_own_team_only_and_unsuppressed(world, report_data):
    report = activity_report(user=world.supervisor, filters=NO_FILTERS)
    by_source = section(report, "Referrals by source")
    assert row(by_source, "GP practice")[1] == 6
    assert row(by_source, "Self-referral")[1] == 2
    assert all(r[0] != "Job centre" for r in by_source.rows)
    assert report.suppressed is False


def test_commissioner_sees_every_team_with_small_counts_suppressed(world, report_data):
    report = activity_report(user=world.commissioner, filters=NO_FILTERS)
    by_source = section(report, "Referrals by source")
    assert row(by_source, "GP practice")[1] == 6
    assert row(by_source, "Self-referral")[1] == SUPPRESSED
    assert row(by_source, "Job centre")[1] == SUPPRESSED
    assert report.suppressed is True


def test_time_to_first_contact(world, report_data):
    report = activity_report(user=world.supervisor, filters=NO_FILTERS)
    waits = section(report, "Time from referral to first contact")
    assert row(waits, "Median days from referral to first contact")[1] == 4.5
    assert row(waits, "Share contacted within 7 days (%)")[1] == 87.5


def test_activity_counts_sessions_and_did_not_attend_rate(world, report_data):
    from django.utils import timezone

    from linkwell.sessions.models import Appointment

    for i, outcome in enumerate(["attended", "attended", "attended", "did_not_attend"]):
        Appointment.objects.create(
            episode=report_data.episodes[i % 2],
            link_worker=world.link_worker,
            starts_at=timezone.now(),
            mode="telephone",
            outcome=outcome,
            outcome_reason="" if outcome == "attended" else "No answer",
        )
    report = activity_report(user=world.supervisor, filters=NO_FILTERS)
    sessions = section(report, "Sessions and missed appointments")
    assert row(sessions, "Did not attend rate (% of attended or missed)")[1] == 25.0
    per = section(report, "Sessions per episode")
    assert row(per, "Mean attended sessions per episode")[1] == 1.5
    assert section(report, "Delivery mode of attended sessions").rows[0][1] == 3


def _book(session, status, n, **fields):
    from django.utils import timezone

    from linkwell.groups.models import Booking
    from linkwell.people.tests.factories import PersonFactory

    for _ in range(n):
        Booking.objects.create(
            session=session,
            person=PersonFactory(),
            status=status,
            booked_at=timezone.now(),
            **fields,
        )


@pytest.fixture
def group_data(world):
    import datetime as dt

    from django.utils import timezone

    from linkwell.groups.tests.factories import make_programme, make_session

    worries = make_programme(world, name="Managing worries")
    first = make_session(worries, capacity=10, starts_in=dt.timedelta(days=-7))
    second = make_session(worries, capacity=10, starts_in=dt.timedelta(days=7))
    _book(first, "booked", 6)
    _book(first, "offered", 1, offer_expires_at=timezone.now() + dt.timedelta(hours=48))
    _book(first, "waiting", 2)
    _book(first, "cancelled", 3)
    _book(second, "booked", 1)
    walking = make_programme(world, name="Walking group")
    make_session(walking, capacity=8, starts_in=dt.timedelta(days=-400))
    other = make_programme(world, name="Other team's choir")
    other.team = world.other_team
    other.save()
    _book(make_session(other, capacity=6), "booked", 2)
    return worries


def test_activity_shows_group_fill_rates_and_waiting_lists(world, group_data):
    report = activity_report(user=world.supervisor, filters=NO_FILTERS)
    groups = section(report, "Groups: fill rates and waiting lists")
    # Booked and offered places both hold a place; cancelled bookings do not.
    assert row(groups, "Managing worries") == ["Managing worries", 2, 20, 8, 40.0, 2]
    assert row(groups, "Walking group") == ["Walking group", 1, 8, 0, 0.0, 0]
    assert row(groups, "All programmes") == ["All programmes", 3, 28, 8, 28.6, 2]
    assert all(r[0] != "Other team's choir" for r in groups.rows)
    assert ("Managing worries", 40.0) in groups.chart


def test_group_figures_follow_the_date_range(world, group_data):
    import datetime as dt

    from django.utils import timezone

    since = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    report = activity_report(user=world.supervisor, filters=parse_filters({"date_from": since}))
    groups = section(report, "Groups: fill rates and waiting lists")
    assert [r[0] for r in groups.rows] == ["Managing worries"]


def test_commissioner_sees_every_teams_groups_with_small_counts_suppressed(world, group_data):
    report = activity_report(user=world.commissioner, filters=NO_FILTERS)
    groups = section(report, "Groups: fill rates and waiting lists")
    assert row(groups, "Managing worries")[1:] == [2, 20, 8, 40.0, SUPPRESSED]
    # Two people booked: the count and the rate that would reveal it are hidden.
    assert row(groups, "Other team's choir")[1:] == [1, 6, SUPPRESSED, None, 0]


def test_report_reads_are_audited(world, report_data):
    outcomes_report(user=world.supervisor, filters=NO_FILTERS)
    event = AuditEvent.objects.filter(object_type="report", object_id="outcomes").get()
    assert event.action == "read"


def test_outcomes_paired_figures_match_scipy(world, report_data):
    report = outcomes_report(user=world.supervisor, filters=NO_FILTERS)
    r = row(section(report, "Change from first to latest score (paired)"), "SWEMWBS")
    before = [s[0] for s in SCORES]
    after = [s[1] for s in SCORES]
    assert r[1] == 8
    assert r[4] == pytest.approx(sum(a - b for b, a in SCORES) / 8, abs=0.005)
    assert r[7] == pytest.approx(sps.ttest_rel(after, before).pvalue, abs=0.0001)
    assert r[8] == pytest.approx(sps.wilcoxon(after, before).pvalue, abs=0.0001)
    meaningful = sum(a - b >= 3 for b, a in SCORES)
    assert r[11] == meaningful
    assert r[12] == pytest.approx(round(100 * meaningful / 8, 1))


def test_outcomes_compares_referral_sources(world, report_data):
    report = outcomes_report(user=world.supervisor, filters=NO_FILTERS)
    cohorts = section(report, "Change compared between groups")
    by_source = next(r for r in cohorts.rows if r[1] == "Referral source")
    # Self-referral has only two people: not enough for a test.
    assert by_source[3] == "None"
    framework = section(report, "Common Outcomes Framework")
    assert [r[0] for r in framework.rows] == ["Person", "Community", "Community", "System"]


def test_outcomes_compares_people_with_and_without_an_employment_advisor(world, report_data):
    from linkwell.connections.models import Connection
    from linkwell.directory.tests.factories import make_service

    advisers = make_service("Work Well employment advisers", needs=("employment", "learning"))
    debt = make_service("Debt advice", needs=("money",))
    eps = report_data.episodes
    for episode, service, status in (
        (eps[0], advisers, "in-progress"),
        (eps[1], advisers, "completed"),
        (eps[2], advisers, "on-hold"),
        (eps[3], advisers, "completed"),
        # Turned down, or another kind of service: not an employment advisor.
        (eps[4], advisers, "rejected"),
        (eps[5], debt, "completed"),
    ):
        Connection.objects.create(
            episode=episode, service_id=service.id, service_name=service.name, status=status
        )
    report = outcomes_report(user=world.supervisor, filters=NO_FILTERS)
    cohorts = section(report, "Change compared between groups")
    r = next(r for r in cohorts.rows if r[1] == "Employment advisor")
    assert r[0] == "SWEMWBS"
    assert "With an employment advisor: n=4" in r[2]
    assert "Without an employment advisor: n=4" in r[2]
    changes = [round(a - b, 2) for b, a in SCORES]
    with_, without = changes[:4], changes[4:]
    if r[3] == "Welch's t-test":
        expected = sps.ttest_ind(with_, without, equal_var=False).pvalue
    else:
        assert r[3] == "Mann-Whitney U"
        expected = sps.mannwhitneyu(with_, without, alternative="two-sided").pvalue
    assert r[5] == pytest.approx(expected, abs=0.0001)


def test_commissioner_outcomes_suppress_measures_with_few_people(world, report_data):
    report = outcomes_report(
        user=world.commissioner, filters=parse_filters({"source": "job_centre"})
    )
    r = row(section(report, "Change from first to latest score (paired)"), "SWEMWBS")
    assert r[1] == SUPPRESSED
    assert all(v is None for v in r[2:])


def test_equity_uptake_against_imported_baseline(world, report_data):
    services.population_baseline_import(
        user=world.supervisor,
        organisation=world.service_team.organisation,
        csv_text="dimension,category,population\nethnicity,white,800\nethnicity,asian,200\n",
    )
    report = equity_report(user=world.supervisor, filters=NO_FILTERS)
    eth = section(report, "Uptake by ethnic group")
    white = row(eth, "White")
    assert white[1:] == [6, 75.0, 800, 80.0, round(75.0 / 80.0, 2)]
    asian = row(eth, "Asian or Asian British")
    assert asian[1:] == [2, 25.0, 200, 20.0, 1.25]


def test_equity_for_commissioner_hides_small_groups_and_their_shares(world, report_data):
    report = equity_report(user=world.commissioner, filters=NO_FILTERS)
    eth = section(report, "Uptake by ethnic group")
    assert row(eth, "White")[1] == 6
    assert row(eth, "Asian or Asian British")[1:3] == [SUPPRESSED, None]
    assert row(eth, "Black or Black British")[1:3] == [SUPPRESSED, None]
    cross = section(report, "Referral source by ethnic group")
    assert SUPPRESSED in row(cross, "Self-referral")


def test_filters_narrow_every_report(world, report_data):
    filters = parse_filters({"ethnic_group": "asian", "deprivation_decile": "7"})
    report = activity_report(user=world.supervisor, filters=filters)
    assert section(report, "Referrals by source").rows == [["Self-referral", 2]]
    by_team = parse_filters({"team": str(world.other_team.uuid)})
    assert (
        section(activity_report(user=world.supervisor, filters=by_team), "Referrals by source").rows
        == []
    )


def test_age_band_filter(world, report_data):
    person = report_data.episodes[0].person
    band = selectors.age_band(person.date_of_birth, __import__("django").utils.timezone.localdate())
    report = equity_report(user=world.supervisor, filters=parse_filters({"age_band": band}))
    ages = section(report, "Uptake by age band")
    assert row(ages, band)[1] >= 1
    assert all(r[1] == 0 for r in ages.rows if r[0] != band)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date_from": "01/04/2026"}, "date_from"),
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "date_to"),
        ({"source": "pharmacy"}, "source"),
        ({"deprivation_decile": "11"}, "deprivation_decile"),
        ({"team": "not-a-uuid"}, "team"),
        ({"age_band": "90-99"}, "age_band"),
    ],
)
def test_bad_filters_are_named(data, field):
    with pytest.raises(ValidationError) as exc:
        parse_filters(data)
    assert field in exc.value.message_dict


@override_settings(LINKWELL={"PSEUDONYM_KEY": "test-key"})
def test_pseudonym_is_keyed_hmac_of_the_person_uuid(world, report_data):
    person = report_data.episodes[0].person
    expected = hmac.new(b"test-key", person.uuid.bytes, hashlib.sha256).hexdigest()[:20]
    assert pseudonym(person.uuid) == expected


def test_extract_has_no_identifiers_and_suppresses_rare_combinations(world, report_data):
    rows = commissioner_extract(user=world.commissioner, filters=NO_FILTERS)
    assert len(rows) == 9
    assert set(rows[0]) == set(EXTRACT_HEADERS)
    text = repr(rows)
    # Names as words of any value (a family name such as "North" may be part of the service's
    # name, "Northside Wellbeing Service", which the extract does carry); the rest anywhere.
    words = {w for row in rows for v in row.values() for w in re.findall(r"[\w'-]+", str(v))}
    for episode in report_data.episodes:
        p = episode.person
        assert p.given_name not in words
        assert p.family_name not in words
        for identifier in (str(p.uuid), p.postcode, p.phone):
            assert identifier not in text
    # No combination of age band, sex, ethnic group and decile is shared by 5 people here.
    assert all(r["ethnic_group"] == "suppressed" for r in rows)
    assert all(r["deprivation_decile"] == "suppressed" for r in rows)
    assert {r["swemwbs_first"] for r in rows} >= {18.59}
    assert AuditEvent.objects.filter(action="export", object_id="commissioner_extract").exists()


def test_extract_leaves_out_people_without_evaluation_consent_in_force(world, report_data):
    import datetime as dt

    from django.utils import timezone

    from linkwell.people.models import ConsentMethod, ConsentPurpose
    from linkwell.people.services import consent_record

    withdrawn, regained = report_data.episodes[0].person, report_data.episodes[1].person
    consent_record(
        person=withdrawn,
        purpose=ConsentPurpose.EVALUATION,
        given=False,
        actor=world.link_worker,
        method=ConsentMethod.WRITTEN,
    )
    # A refusal followed by a later agreement: the agreement is in force.
    earlier = timezone.now() - dt.timedelta(days=1)
    consent_record(
        person=regained,
        purpose=ConsentPurpose.EVALUATION,
        given=False,
        actor=world.link_worker,
        method=ConsentMethod.WRITTEN,
        recorded_at=earlier,
    )
    # Someone who was never asked is left out too.
    never_asked = make_episode(
        world.service_team,
        source="self",
        ethnic="A",
        sex="male",
        decile=1,
        first=20.0,
        last=24.0,
    )
    rows = commissioner_extract(user=world.commissioner, filters=NO_FILTERS)
    included = {r["person_pseudonym"] for r in rows}
    assert pseudonym(withdrawn.uuid) not in included
    assert pseudonym(never_asked.person.uuid) not in included
    assert pseudonym(regained.uuid) in included
    assert len(rows) == 8
    event = AuditEvent.objects.filter(action="export", object_id="commissioner_extract").get()
    assert event.detail["rows"] == 8


def test_extract_rows_carry_wait_month_age_band_and_scores(world, report_data):
    from django.utils import timezone

    rows = commissioner_extract(user=world.supervisor, filters=NO_FILTERS)
    by_pseudonym = {r["person_pseudonym"]: r for r in rows}
    for i, episode in enumerate(report_data.episodes):
        r = by_pseudonym[pseudonym(episode.person.uuid)]
        referral = episode.referral
        assert r["days_to_first_contact"] == i + 1
        assert r["referral_month"] == referral.created_at.astimezone(
            selectors.scope.LONDON
        ).strftime("%Y-%m")
        assert r["swemwbs_first"] == SCORES[i][0]
        assert r["swemwbs_latest"] == SCORES[i][1]
        assert r["phq9_first"] is None
    # The rarest combinations are blanked, but age bands shared by 5 or more people stay.
    bands = {
        selectors.age_band(e.person.date_of_birth, timezone.localdate())
        for e in report_data.episodes
    }
    assert {r["age_band"] for r in rows} <= bands | {"suppressed"}


def test_extract_counts_whole_days_to_first_contact(world, report_data):
    import datetime as dt

    from linkwell.referrals.models import Referral

    cases = {
        # referral made this long before the first contact: whole days shown
        0: (dt.timedelta(days=3), 3),
        1: (dt.timedelta(days=3) - dt.timedelta(microseconds=1), 2),
        2: (dt.timedelta(hours=23, minutes=59), 0),
        # first contact recorded before the referral: no wait shown
        3: (-dt.timedelta(hours=1), None),
    }
    for i, (before, _days) in cases.items():
        episode = report_data.episodes[i]
        Referral.objects.filter(pk=episode.referral_id).update(
            created_at=episode.first_contact_at - before
        )
    rows = {
        r["person_pseudonym"]: r
        for r in commissioner_extract(user=world.supervisor, filters=NO_FILTERS)
    }
    for i, (_before, days) in cases.items():
        row_ = rows[pseudonym(report_data.episodes[i].person.uuid)]
        assert row_["days_to_first_contact"] == days


def test_supervisor_extract_covers_only_their_team(world, report_data):
    rows = commissioner_extract(user=world.supervisor, filters=NO_FILTERS)
    assert len(rows) == 8
    assert all(r["referral_source"] != "job_centre" for r in rows)
