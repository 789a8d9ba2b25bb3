"""Reports: scope by role, suppression for commissioners, figures, filters and the extract."""

from __future__ import annotations

import hashlib
import hmac

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

from .conftest import SCORES

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
    assert any("groups" in n for n in report.notes)


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
    for episode in report_data.episodes:
        p = episode.person
        for identifier in (p.given_name, p.family_name, str(p.uuid), p.postcode, p.phone):
            assert identifier not in text
    # No combination of age band, sex, ethnic group and decile is shared by 5 people here.
    assert all(r["ethnic_group"] == "suppressed" for r in rows)
    assert all(r["deprivation_decile"] == "suppressed" for r in rows)
    assert {r["swemwbs_first"] for r in rows} >= {18.59}
    assert AuditEvent.objects.filter(action="export", object_id="commissioner_extract").exists()


def test_supervisor_extract_covers_only_their_team(world, report_data):
    rows = commissioner_extract(user=world.supervisor, filters=NO_FILTERS)
    assert len(rows) == 8
    assert all(r["referral_source"] != "job_centre" for r in rows)
