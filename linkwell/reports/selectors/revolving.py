"""The revolving door in the Activity report: how many people are flagged as returning (see
linkwell.cases.selectors.revolving for the rule) and the needs that most often bring them back.

Counted over the episodes in the report's scope and team, service and person filters, as of the
end of the period (its last day, or now). Small counts are suppressed like every other count.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linkwell.cases.models import Episode
from linkwell.cases.selectors import recurring_need_counts, revolving_door_for_people
from linkwell.cases.selectors.revolving import revolving_door_rule
from linkwell.common.needs import NEED_LABELS

from .scope import LONDON, ReportFilters, Scope, Section, _count, _person_q, _team_filter_q


def revolving_door_sections(scope: Scope, filters: ReportFilters) -> list[Section]:
    rule = revolving_door_rule()
    now = timezone.now()
    as_of = now
    if filters.date_to:
        end_of_period = dt.datetime.combine(
            filters.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON
        ) - dt.timedelta(microseconds=1)
        as_of = min(end_of_period, now)
    pool = Episode.objects.filter(
        scope.team_q, _team_filter_q(filters), _person_q(filters, "person__")
    )
    flags = revolving_door_for_people(episodes=pool, as_of=as_of, rule=rule).values()
    when = as_of.astimezone(LONDON).strftime("%-d %B %Y")
    note = (
        f"People with {rule.episodes} or more episodes opened in the {rule.months} months up to "
        f"{when}. A need recurs when it was recorded in two or more of a person's episodes; "
        "the referral source filter does not apply here."
    )
    need_rows = [[NEED_LABELS[code], _count(scope, n)] for code, n in recurring_need_counts(flags)]
    return [
        Section(
            "Returning people (the revolving door)",
            ["Measure", "People"],
            [
                [
                    f"{rule.episodes} or more episodes in {rule.months} months",
                    _count(scope, len(flags)),
                ]
            ],
            note=note,
        ),
        Section(
            "Needs that bring people back",
            ["Recurring need", "People"],
            need_rows,
            chart=[(r[0], r[1]) for r in need_rows],
            chart_title="Needs that recur for returning people",
        ),
    ]
