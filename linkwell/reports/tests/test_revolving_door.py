"""The Activity report's revolving-door sections: flagged people and the needs that recur, in the
report's scope, with small counts suppressed for commissioners."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from linkwell.cases.models import EpisodeStatus
from linkwell.cases.tests.factories import EpisodeFactory
from linkwell.conversations.models import Conversation
from linkwell.people.tests.factories import PersonFactory
from linkwell.reports.selectors import ReportFilters, activity_report
from linkwell.reports.stats import SUPPRESSED

pytestmark = pytest.mark.django_db

FLAGGED = "Returning people (the revolving door)"
NEEDS = "Needs that bring people back"


def returning_person(team, *, episodes=3, needs=("housing",), days_apart=120, ethnic="A"):
    person = PersonFactory(ethnic_category=ethnic)
    for number in range(1, episodes + 1):
        episode = EpisodeFactory(
            person=person,
            number=number,
            team=team,
            opened_at=timezone.now() - dt.timedelta(days=days_apart * (episodes - number) + 1),
            status=EpisodeStatus.CLOSED if number < episodes else EpisodeStatus.ACTIVE,
            discharge_reason="goals_met" if number < episodes else "",
        )
        Conversation.objects.create(
            episode=episode,
            version=1,
            needs=[{"code": code, "priority": 1, "own_words": ""} for code in needs],
        )
    return person


def section(report, title):
    return next(s for s in report.sections if s.title == title)


def flagged_count(report):
    return section(report, FLAGGED).rows[0][1]


def needs(report):
    return {r[0]: r[1] for r in section(report, NEEDS).rows}


def test_supervisor_sees_how_many_are_flagged_and_the_most_common_needs(world):
    for _ in range(4):
        returning_person(world.service_team, needs=("housing", "money"))
    for _ in range(2):
        returning_person(world.service_team, needs=("loneliness", "money"))
    returning_person(world.service_team, episodes=2, needs=("food",))  # only two episodes
    returning_person(world.service_team, days_apart=400, needs=("food",))  # spread too far
    returning_person(world.other_team, needs=("employment",))  # another service

    report = activity_report(user=world.supervisor, filters=ReportFilters())

    assert flagged_count(report) == 6
    assert section(report, FLAGGED).rows[0][0] == "3 or more episodes in 24 months"
    assert list(needs(report).items()) == [
        ("Money and debt", 6),
        ("Housing", 4),
        ("Loneliness and isolation", 2),
    ]


def test_commissioner_sees_every_service_with_small_counts_suppressed(world):
    for _ in range(5):
        returning_person(world.service_team, needs=("housing",))
    returning_person(world.other_team, needs=("employment", "housing"))

    report = activity_report(user=world.commissioner, filters=ReportFilters())

    assert flagged_count(report) == 6
    assert needs(report) == {"Housing": 6, "Work": SUPPRESSED}


def test_a_person_filter_and_the_end_of_the_period_narrow_the_count(world):
    returning_person(world.service_team, ethnic="A")
    returning_person(world.service_team, ethnic="H")
    everyone = activity_report(user=world.supervisor, filters=ReportFilters())
    assert flagged_count(everyone) == 2
    asian = activity_report(user=world.supervisor, filters=ReportFilters(ethnic_group="asian"))
    assert flagged_count(asian) == 1
    # A year ago none of them had their third episode yet.
    year_ago = timezone.localdate() - dt.timedelta(days=365)
    earlier = activity_report(user=world.supervisor, filters=ReportFilters(date_to=year_ago))
    assert flagged_count(earlier) == 0
    assert section(earlier, NEEDS).rows == []


def test_report_page_shows_the_revolving_door(world, client_for):
    returning_person(world.service_team, needs=("housing",))
    response = client_for(world.supervisor).get(reverse("reports:report", args=["activity"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert FLAGGED in html
    assert NEEDS in html and "Housing" in html
