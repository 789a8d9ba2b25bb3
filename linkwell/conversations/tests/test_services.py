import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linkwell.audit.models import AuditEvent
from linkwell.cases.services import episode_transition
from linkwell.common.errors import Conflict, Forbidden
from linkwell.conversations.models import Conversation, OptionStatus, SupportPlan
from linkwell.conversations.selectors import declined_service_ids
from linkwell.conversations.services import (
    conversation_record,
    option_decide,
    option_offer,
    plan_record,
)
from linkwell.directory.tests.factories import make_service
from linkwell.notifications.models import Alert, AlertKind

pytestmark = pytest.mark.django_db

MONEY = {"code": "money", "priority": 1, "own_words": "The bills keep piling up"}


def test_each_save_is_a_new_version_and_old_ones_are_kept(world, episode):
    first = conversation_record(episode=episode, actor=world.link_worker, needs=[MONEY])
    second = conversation_record(
        episode=episode,
        actor=world.teammate,
        needs=[MONEY, {"code": "loneliness", "priority": 2, "own_words": "Nobody to talk to"}],
        strengths="Good cook, loves her garden",
        preferences={"delivery_modes": ["telephone"], "max_travel_km": 5, "days": [0, 2]},
    )
    assert (first.version, second.version) == (1, 2)
    assert Conversation.objects.filter(episode=episode).count() == 2
    first.refresh_from_db()
    assert first.need_codes == ["money"]
    assert second.preferences["max_travel_km"] == 5.0
    assert second.preferences["group"] == "either"
    assert AuditEvent.objects.filter(object_type="Conversation", action="create").count() == 2


def test_needs_are_sorted_by_priority(world, episode):
    c = conversation_record(
        episode=episode,
        actor=world.link_worker,
        needs=[{"code": "food", "priority": 3}, {"code": "housing", "priority": 1}],
    )
    assert c.need_codes == ["housing", "food"]


@pytest.mark.parametrize(
    "needs, message",
    [
        ([{"code": "astrology"}], "choose a need from the list"),
        ([MONEY, MONEY], "already in the list"),
        ([{"code": "money", "priority": 7}], "priority must be 1"),
    ],
)
def test_bad_needs_are_refused_and_nothing_is_saved(world, episode, needs, message):
    with pytest.raises(ValidationError, match=message):
        conversation_record(episode=episode, actor=world.link_worker, needs=needs)
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    "prefs, message",
    [
        ({"delivery_modes": ["carrier_pigeon"]}, "Unknown way of meeting"),
        ({"max_travel_km": -3}, "0 to 200 km"),
        ({"max_travel_km": "far"}, "number of kilometres"),
        ({"days": [9]}, "0 \\(Monday\\)"),
        ({"times": ["midnight"]}, "mornings, afternoons or evenings"),
        ({"group": "crowd"}, "group, one to one or either"),
        ({"colour": "blue"}, "Unknown preference: colour"),
    ],
)
def test_bad_preferences_are_refused(world, episode, prefs, message):
    with pytest.raises(ValidationError, match=message):
        conversation_record(
            episode=episode, actor=world.link_worker, needs=[MONEY], preferences=prefs
        )
    assert not Conversation.objects.exists()


def test_a_safety_need_alerts_the_supervisor_without_naming_the_person(world, episode):
    c = conversation_record(
        episode=episode, actor=world.link_worker, needs=[{"code": "safety", "priority": 1}]
    )
    assert c.safeguarding_flag
    alert = Alert.objects.get(recipient=world.supervisor)
    assert alert.kind == AlertKind.RISK
    assert "Bloggs" not in alert.message and "Jo" not in alert.message
    assert str(episode.uuid) in alert.url


def test_risk_words_in_the_notes_alert_the_supervisor(world, episode):
    c = conversation_record(
        episode=episode,
        actor=world.link_worker,
        needs=[MONEY],
        notes="Said her partner hits me when he's been drinking",
    )
    assert c.safeguarding_flag
    assert Alert.objects.filter(recipient=world.supervisor, kind=AlertKind.RISK).count() == 1


def test_no_alert_without_safety_or_risk_words(world, episode):
    c = conversation_record(episode=episode, actor=world.link_worker, needs=[MONEY])
    assert not c.safeguarding_flag
    assert not Alert.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "referrer", "provider", "volunteer"])
def test_only_the_team_can_record(world, episode, persona):
    with pytest.raises(Forbidden):
        conversation_record(episode=episode, actor=getattr(world, persona), needs=[MONEY])
    assert not Conversation.objects.exists()


def test_a_closed_episode_cannot_change(world, episode):
    episode_transition(
        episode=episode, to_status="closed", actor=world.link_worker, discharge_reason="goals_met"
    )
    with pytest.raises(Conflict):
        conversation_record(episode=episode, actor=world.link_worker, needs=[MONEY])


def test_plan_versions_goals_actions_and_review_date(world, episode):
    review = timezone.localdate() + dt.timedelta(days=28)
    plan = plan_record(
        episode=episode,
        actor=world.link_worker,
        goals=["  Get on top of the bills ", ""],
        actions=[{"what": "Call the debt advice line", "who": "Jo", "by": str(review)}],
        review_date=review,
    )
    again = plan_record(
        episode=episode,
        actor=world.link_worker,
        goals=["Sleep better"],
        actions=[],
        review_date=None,
    )
    assert plan.goals == ["Get on top of the bills"]
    assert (plan.version, again.version) == (1, 2)
    assert SupportPlan.objects.filter(episode=episode).count() == 2


@pytest.mark.parametrize(
    "goals, actions, message",
    [
        ([], [], "at least one goal"),
        (["x"], [{"what": "", "who": "Jo"}], "say what will be done"),
        (["x"], [{"what": "Call", "who": ""}], "say who will do it"),
        (["x"], [{"what": "Call", "who": "Jo", "by": "soon"}], "real date"),
    ],
)
def test_bad_plans_are_refused(world, episode, goals, actions, message):
    with pytest.raises(ValidationError, match=message):
        plan_record(
            episode=episode, actor=world.link_worker, goals=goals, actions=actions, review_date=None
        )
    assert not SupportPlan.objects.exists()


def test_a_review_date_in_the_past_is_refused(world, episode):
    with pytest.raises(ValidationError, match="today or later"):
        plan_record(
            episode=episode,
            actor=world.link_worker,
            goals=["x"],
            actions=[],
            review_date=timezone.localdate() - dt.timedelta(days=1),
        )


def test_options_offered_chosen_and_declined_are_recorded(world, episode):
    debt = make_service("Debt advice")
    walk = make_service("Walking group", needs=("physical_activity",))
    first = option_offer(episode=episode, actor=world.link_worker, service_id=debt.id)
    assert option_offer(episode=episode, actor=world.link_worker, service_id=debt.id) == first
    second = option_offer(episode=episode, actor=world.link_worker, service_id=walk.id)
    option_decide(option=first, actor=world.link_worker, status=OptionStatus.CHOSEN)
    option_decide(option=second, actor=world.link_worker, status="declined", note="Too far")
    first.refresh_from_db()
    assert first.status == "chosen" and first.service_name == "Debt advice"
    assert declined_service_ids(episode=episode) == {walk.id}


def test_an_unknown_choice_is_refused(world, episode):
    option = option_offer(episode=episode, actor=world.link_worker, service_id=make_service().id)
    with pytest.raises(ValidationError):
        option_decide(option=option, actor=world.link_worker, status="maybe")
    option.refresh_from_db()
    assert option.status == "offered"
