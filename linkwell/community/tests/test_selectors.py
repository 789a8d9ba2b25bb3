import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from linkwell.common.errors import NotFound
from linkwell.community import selectors, services
from linkwell.referrals.models import Referral
from linkwell.referrals.tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db

TRAINED = dt.date(2026, 6, 1)


def _referral(world, practice, day, source="gp_practice", needs=(), team=None):
    referral = ReferralFactory(
        team=team or world.service_team,
        referring_organisation=practice,
        source=source,
        suggested_needs=list(needs),
    )
    when = dt.datetime.combine(day, dt.time(11), tzinfo=timezone.get_current_timezone())
    Referral.objects.filter(pk=referral.pk).update(created_at=when)


@pytest.fixture
def trained_practice(world):
    practice = world.referrer.organisation
    programme = services.training_programme_create(
        actor=world.link_worker, title="Poverty-related distress: one hour for the whole team"
    )
    services.training_session_record(
        actor=world.link_worker,
        programme=programme,
        practice=practice,
        delivered_on=TRAINED,
        trainers=["Dr A Patel", "Community partner with lived experience"],
        attendance=14,
        feedback_score=Decimal("4.6"),
    )
    return practice


def test_before_after_report_counts_numbers_sources_and_needs(world, trained_practice):
    practice = trained_practice
    other_practice = world.other_referrer.organisation
    _referral(world, practice, TRAINED - dt.timedelta(days=91))  # outside the window
    _referral(world, practice, TRAINED - dt.timedelta(days=90), needs=["debt"])
    _referral(world, practice, TRAINED - dt.timedelta(days=1), needs=["debt", "housing"])
    _referral(world, practice, TRAINED, needs=["debt"])
    _referral(world, practice, TRAINED + dt.timedelta(days=10), needs=["loneliness"])
    _referral(world, practice, TRAINED + dt.timedelta(days=89), source="self", needs=["debt"])
    _referral(world, practice, TRAINED + dt.timedelta(days=90))  # outside the window
    _referral(world, other_practice, TRAINED + dt.timedelta(days=5))  # another practice
    _referral(world, practice, TRAINED + dt.timedelta(days=5), team=world.other_team)  # elsewhere

    report = selectors.training_before_after_report(user=world.link_worker, practice=practice)

    assert report.trained_on == TRAINED
    assert report.before.total == 2
    assert report.before.sources == {"gp_practice": 2}
    assert report.before.needs == {"debt": 2, "housing": 1}
    assert report.after.total == 3
    assert report.after.sources == {"gp_practice": 2, "self": 1}
    assert report.after.needs == {"debt": 2, "loneliness": 1}
    assert (report.before.start, report.after.end) == (
        TRAINED - dt.timedelta(days=90),
        TRAINED + dt.timedelta(days=89),
    )


def test_report_is_refused_to_outsiders_and_untrained_practices(world, trained_practice):
    for user in (world.outsider, world.volunteer, world.referrer, world.provider):
        with pytest.raises(NotFound):
            selectors.training_before_after_report(user=user, practice=trained_practice)
    with pytest.raises(NotFound):
        selectors.training_before_after_report(
            user=world.link_worker, practice=world.other_referrer.organisation
        )


def test_feedback_about_a_service_shows_in_its_list(world):
    org = world.service_team.organisation
    about = "6f1c2f9e-2d5b-4a55-9d38-0d7f6f5f9a11"
    services.feedback_submit(
        organisation=org, kind="feedback", text="Lovely group", about_service_uuid=about
    )
    services.feedback_submit(organisation=org, kind="idea", text="More evening sessions")
    rows = selectors.feedback_list_for_user(user=world.link_worker, about_service_uuid=about)
    assert [r.text for r in rows] == ["Lovely group"]
    with pytest.raises(NotFound):
        selectors.feedback_list_for_user(user=AnonymousUser())
    assert list(selectors.feedback_list_for_user(user=world.outsider)) == []
