"""The Outcomes report's bulk reading gives what the one-episode-at-a-time definition gives: the
paired scores per measure in episode order, with each episode's referral source, team and
whether it had an employment advisor, and small integers that stand for the same names."""

from __future__ import annotations

import random

import pytest

from linkwell.reports.selectors.outcomes import _numbered


@pytest.mark.parametrize("seed", range(5))
def test_numbering_matches_numbering_each_value_in_turn(seed):
    rng = random.Random(seed)
    values = [rng.choice([None, "", "gp", "self", 3, 7]) for _ in range(rng.randrange(0, 300))]

    def name(v):
        return {3: "Team A", 7: "Team A"}.get(v, v or "")

    expected_numbers: dict[str, int] = {}
    expected = [expected_numbers.setdefault(name(v), len(expected_numbers)) for v in values]
    numbers, names = _numbered(values, name)
    assert numbers.tolist() == expected
    assert numbers.dtype.kind == "i"
    assert names == tuple(expected_numbers)


def _pairs_one_at_a_time(user):
    from linkwell.cases.models import Episode
    from linkwell.connections.models import Connection
    from linkwell.directory.models import ServiceNeed
    from linkwell.outcomes.models import MeasureSummary
    from linkwell.reports.selectors import PAIRED_MEASURES
    from linkwell.reports.selectors.outcomes import EMPLOYMENT_NEED, SUPPORT_RECEIVED
    from linkwell.reports.selectors.scope import report_scope

    scope = report_scope(user)
    employment = set(
        ServiceNeed.objects.filter(need=EMPLOYMENT_NEED).values_list("service_id", flat=True)
    )
    pairs: dict[str, list[tuple]] = {}
    for e in Episode.objects.filter(scope.team_q).order_by("id"):
        advisor = any(
            c.service_id in employment and c.status in SUPPORT_RECEIVED
            for c in Connection.objects.filter(episode=e)
        )
        for code in sorted(PAIRED_MEASURES):
            s = MeasureSummary.objects.filter(
                episode=e, instrument_code=code, responses__gte=2
            ).first()
            if s is not None:
                source = e.referral.source if e.referral else ""
                pairs.setdefault(code, []).append(
                    (e.id, s.first_score, s.latest_score, source, e.team.name, advisor)
                )
    return pairs


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(2))
def test_measure_pairs_match_the_one_episode_at_a_time_definition(world, seed):
    from linkwell.cases.tests.factories import EpisodeFactory
    from linkwell.connections.models import Connection
    from linkwell.directory.tests.factories import make_service
    from linkwell.outcomes.models import MeasureSummary
    from linkwell.referrals.models import ReferralSource
    from linkwell.referrals.tests.factories import ReferralFactory
    from linkwell.reports.selectors import ReportFilters
    from linkwell.reports.selectors.outcomes import measure_pairs
    from linkwell.reports.selectors.scope import report_scope

    rng = random.Random(seed)
    advisers = make_service("Work Well employment advisers", needs=("employment",))
    debt = make_service("Debt advice", needs=("money",))
    summaries = []
    for i in range(60):
        team = world.service_team if i % 3 else world.other_team
        episode = EpisodeFactory(team=team)
        if i % 7:
            referral = ReferralFactory(
                person=episode.person, team=team, source=rng.choice(list(ReferralSource.values))
            )
            episode.referral = referral
            episode.save(update_fields=["referral"])
        for _ in range(rng.choice([0, 0, 1, 2])):
            service = rng.choice([advisers, debt])
            Connection.objects.create(
                episode=episode,
                service_id=service.id,
                service_name=service.name,
                status=rng.choice(["in-progress", "completed", "on-hold", "rejected"]),
            )
        for code in ("swemwbs", "wemwbs", "phq9", "gad7", "ons4"):
            if rng.random() < 0.5:
                summaries.append(
                    MeasureSummary(
                        episode=episode,
                        instrument_code=code,
                        responses=rng.choice([1, 2, 4]),
                        first_score=rng.choice([3.0, 18.59, 27.5, 9.0]),
                        latest_score=rng.choice([1.0, 20.73, 14.25]),
                    )
                )
    MeasureSummary.objects.bulk_create(summaries)
    for user in (world.commissioner, world.supervisor):
        got = measure_pairs(scope=report_scope(user), filters=ReportFilters())
        decoded = {
            code: [
                (
                    int(data.episode_ids[k]),
                    float(data.first[k]),
                    float(data.last[k]),
                    data.source_values[data.sources[k]],
                    data.team_names[data.teams[k]],
                    bool(data.employment_advisor[k]),
                )
                for k in range(len(data))
            ]
            for code, data in got.items()
        }
        assert decoded == _pairs_one_at_a_time(user)
        assert len(decoded) >= 2
