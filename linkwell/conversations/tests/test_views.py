import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from linkwell.conversations.models import Conversation, PlanOption, SupportPlan
from linkwell.conversations.services import conversation_record, plan_record
from linkwell.directory.tests.factories import make_service

pytestmark = pytest.mark.django_db


def page(name, episode, *args):
    return reverse(f"conversations:{name}", args=[episode.uuid, *args])


def test_conversation_page_saves_a_version_and_shows_history(world, client_for, episode):
    client = client_for(world.link_worker)
    assert client.get(page("conversation", episode)).status_code == 200
    response = client.post(
        page("conversation", episode),
        {
            "need_money": "on",
            "priority_money": "1",
            "words_money": "Bills everywhere",
            "group": "either",
            "delivery_modes": ["telephone"],
            "max_travel_km": "4",
        },
    )
    assert response.status_code == 302
    saved = Conversation.objects.get()
    assert saved.needs == [{"code": "money", "priority": 1, "own_words": "Bills everywhere"}]
    body = client.get(page("conversation", episode)).content.decode()
    assert "Bills everywhere" in body and "Earlier versions" in body


def test_conversation_page_shows_errors_and_saves_nothing(world, client_for, episode):
    response = client_for(world.link_worker).post(
        page("conversation", episode), {"group": "either", "max_travel_km": "999"}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not Conversation.objects.exists()


def test_suggestions_come_back_as_an_htmx_fragment_with_one_click_buttons(
    world, client_for, episode
):
    client = client_for(world.link_worker)
    response = client.post(
        page("suggest", episode),
        {"text": "I got evicted and I'm sofa surfing"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'data-code="housing"' in body
    added = client.post(page("add_need", episode), {"code": "housing"}, HTTP_HX_REQUEST="true")
    assert added.status_code == 204 and added["HX-Redirect"] == page("conversation", episode)
    assert Conversation.objects.get().need_codes == ["housing"]


def test_add_need_keeps_the_rest_of_the_record(world, client_for, episode):
    conversation_record(
        episode=episode,
        actor=world.link_worker,
        needs=[{"code": "money", "priority": 1, "own_words": "Debts"}],
        strengths="Determined",
    )
    client_for(world.link_worker).post(page("add_need", episode), {"code": "food"})
    latest = Conversation.objects.order_by("-version").first()
    assert latest.version == 2 and latest.need_codes == ["money", "food"]
    assert latest.strengths == "Determined"


def test_matches_page_offers_and_records_the_choice(world, client_for, episode):
    conversation_record(
        episode=episode, actor=world.link_worker, needs=[{"code": "money", "priority": 1}]
    )
    service = make_service("Debt advice")
    client = client_for(world.link_worker)
    body = client.get(page("matches", episode)).content.decode()
    assert "Debt advice" in body and "meets money" in body
    client.post(page("offer", episode), {"service": str(service.id), "reasons": "meets money"})
    option = PlanOption.objects.get()
    client.post(page("decide", episode, option.uuid), {"status": "chosen"})
    option.refresh_from_db()
    assert option.status == "chosen"


def test_matches_page_without_a_conversation_says_what_to_do(world, client_for, episode):
    response = client_for(world.link_worker).get(page("matches", episode))
    assert response.status_code == 409
    assert "Record what matters" in response.content.decode()


def test_plan_page_and_pdf(world, client_for, episode):
    client = client_for(world.link_worker)
    review = timezone.localdate() + dt.timedelta(days=30)
    response = client.post(
        page("plan", episode),
        {
            "goals": "Sort out my debts\nGet out more",
            "what_0": "Phone the debt line",
            "who_0": "Jo",
            "review_date": review.isoformat(),
        },
    )
    assert response.status_code == 302
    plan = SupportPlan.objects.get()
    assert plan.goals == ["Sort out my debts", "Get out more"]
    assert plan.actions == [{"what": "Phone the debt line", "who": "Jo", "by": ""}]
    body = client.get(page("plan", episode)).content.decode()
    assert "What I want to work on" in body and "Sort out my debts" in body
    pdf = client.get(page("plan_pdf", episode))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_plan_page_refuses_a_plan_without_goals(world, client_for, episode):
    response = client_for(world.link_worker).post(page("plan", episode), {"goals": ""})
    assert response.status_code == 400
    assert not SupportPlan.objects.exists()


@pytest.mark.parametrize(
    "persona", ["outsider", "referrer", "provider", "volunteer", "commissioner"]
)
@pytest.mark.parametrize("name", ["conversation", "matches", "plan", "plan_pdf"])
def test_outsiders_are_refused_on_every_page(world, client_for, episode, persona, name):
    plan_record(episode=episode, actor=world.link_worker, goals=["x"], actions=[], review_date=None)
    response = client_for(getattr(world, persona)).get(page(name, episode))
    assert response.status_code in (403, 404)


@pytest.mark.parametrize("name", ["suggest", "add_need", "offer"])
def test_outsiders_cannot_post(world, client_for, episode, name):
    response = client_for(world.outsider).post(page(name, episode), {"code": "money", "text": "x"})
    assert response.status_code == 404
    assert not Conversation.objects.exists()
