"""Report data: episodes with referrals, demographics and before/after SWEMWBS scores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from linkwell.cases.models import Episode
from linkwell.cases.tests.factories import EpisodeFactory
from linkwell.outcomes.tests.factories import QuestionnaireResponseFactory
from linkwell.people.models import ConsentMethod, ConsentPurpose
from linkwell.people.services import consent_record
from linkwell.people.tests.factories import PersonFactory
from linkwell.referrals.models import ReferralSource
from linkwell.referrals.tests.factories import ReferralFactory

# Eight people in the service team: first and latest SWEMWBS metric scores.
SCORES = [
    (18.59, 23.21),
    (20.0, 20.73),
    (15.32, 19.25),
    (21.54, 21.54),
    (17.43, 22.35),
    (19.25, 18.59),
    (16.36, 21.54),
    (22.35, 25.03),
]


@dataclass
class ReportData:
    episodes: list[Episode]
    other_episode: Episode


def make_episode(team, *, source, ethnic, sex, decile, first, last, days_to_contact=3):
    person = PersonFactory(ethnic_category=ethnic, sex=sex, deprivation_decile=decile)
    opened = timezone.now() - dt.timedelta(days=60)
    referral = ReferralFactory(person=person, team=team, source=source)
    referral.created_at = opened - dt.timedelta(days=days_to_contact)
    referral.save(update_fields=["created_at"])
    episode = EpisodeFactory(
        person=person, team=team, referral=referral, opened_at=opened, first_contact_at=opened
    )
    for when, score in ((opened, first), (opened + dt.timedelta(days=42), last)):
        QuestionnaireResponseFactory(
            episode=episode, metric=Decimal(str(score)), total=None, completed_at=when
        )
    return episode


@pytest.fixture
def report_data(world) -> ReportData:
    episodes = []
    for i, (first, last) in enumerate(SCORES):
        episodes.append(
            make_episode(
                world.service_team,
                source=ReferralSource.GP_PRACTICE if i < 6 else ReferralSource.SELF,
                ethnic="A" if i < 6 else "H",
                sex="female" if i % 2 else "male",
                decile=1 if i < 5 else 7,
                first=first,
                last=last,
                days_to_contact=i + 1,
            )
        )
    other = make_episode(
        world.other_team,
        source=ReferralSource.JOB_CENTRE,
        ethnic="N",
        sex="female",
        decile=2,
        first=10.0,
        last=30.0,
    )
    # Everyone agreed to their anonymised information being used to evaluate the service.
    for episode in [*episodes, other]:
        consent_record(
            person=episode.person,
            purpose=ConsentPurpose.EVALUATION,
            given=True,
            actor=world.link_worker,
            method=ConsentMethod.VERBAL,
        )
    return ReportData(episodes, other)
