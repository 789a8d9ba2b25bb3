"""Outcome pages: the episode page, staff entry, links, self-completion, risk flags."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from linkwell.outcomes import services
from linkwell.outcomes.models import DueMeasure, QuestionnaireResponse, RiskFlag, SelfCompletionLink

pytestmark = pytest.mark.django_db


def _due(episode, occasion="baseline"):
    services.due_measures_generate(episode=episode)
    return DueMeasure.objects.get(episode=episode, occasion=occasion)


def _answers(values):
    return {f"item-{i}": str(v) for i, v in enumerate(values, start=1) if v is not None}


def test_the_episode_page_lists_due_measures_and_change(world, episode, client_for):
    client = client_for(world.link_worker)
    page = client.get(f"/outcomes/episodes/{episode.uuid}/")
    assert page.status_code == 200
    html = page.content.decode()
    # Names with an apostrophe (O'Brien) are escaped in the page.
    assert escape(f"Questionnaires for {episode.person.display_name}") in html
    assert "SWEMWBS" in html
    assert "Start of support" in html
    assert DueMeasure.objects.filter(episode=episode).count() == 2


@pytest.mark.parametrize(
    "persona", ["outsider", "referrer", "provider", "volunteer", "commissioner"]
)
def test_the_episode_page_is_refused_to_others(world, episode, client_for, persona):
    page = client_for(getattr(world, persona)).get(f"/outcomes/episodes/{episode.uuid}/")
    assert page.status_code == 404


def test_staff_enter_a_due_measure(world, episode, client_for):
    due = _due(episode)
    url = f"/outcomes/episodes/{episode.uuid}/enter/swemwbs/?due={due.uuid}"
    client = client_for(world.teammate)
    form = client.get(url)
    assert form.status_code == 200
    assert "<fieldset" in form.content.decode()
    saved = client.post(url, {"due": str(due.uuid), **_answers([4] * 7)})
    assert saved.status_code == 302
    response = QuestionnaireResponse.objects.get()
    assert response.total == 28
    assert response.entered_by == world.teammate
    due.refresh_from_db()
    assert due.status == "completed"


def test_an_out_of_range_answer_is_shown_in_the_error_summary_and_nothing_saved(
    world, episode, client_for
):
    client = client_for(world.link_worker)
    url = f"/outcomes/episodes/{episode.uuid}/enter/gad7/"
    page = client.post(url, {**_answers([1] * 6), "item-7": "9", "occasion": "adhoc"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "There is a problem" in html
    assert "Choose an answer for question 7" in html
    assert not QuestionnaireResponse.objects.exists()


def test_an_empty_form_is_refused(world, episode, client_for):
    page = client_for(world.link_worker).post(
        f"/outcomes/episodes/{episode.uuid}/enter/gad7/", {"occasion": "adhoc"}
    )
    assert "Answer at least one question" in page.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_an_unknown_instrument_page_is_404(world, episode, client_for):
    page = client_for(world.link_worker).get(f"/outcomes/episodes/{episode.uuid}/enter/hads/")
    assert page.status_code == 404


def test_the_outsider_cannot_enter_a_measure(world, episode, client_for):
    client = client_for(world.outsider)
    url = f"/outcomes/episodes/{episode.uuid}/enter/gad7/"
    assert client.get(url).status_code == 404
    assert client.post(url, _answers([1] * 7)).status_code == 404
    assert not QuestionnaireResponse.objects.exists()


def test_entering_a_phq9_item9_risk_answer_tells_the_user_a_supervisor_was_alerted(
    world, episode, client_for
):
    page = client_for(world.link_worker).post(
        f"/outcomes/episodes/{episode.uuid}/enter/phq9/",
        {**_answers([0] * 8 + [2]), "occasion": "adhoc"},
        follow=True,
    )
    assert "A supervisor has been alerted" in page.content.decode()
    assert RiskFlag.objects.count() == 1


def test_issuing_a_link_shows_it_once(world, episode, client_for):
    due = _due(episode)
    page = client_for(world.link_worker).post(f"/outcomes/due/{due.uuid}/link/")
    assert page.status_code == 200
    assert "/outcomes/s/" in page.content.decode()
    assert SelfCompletionLink.objects.count() == 1


def test_the_outsider_cannot_issue_a_link(world, episode, client_for):
    due = _due(episode)
    assert client_for(world.outsider).post(f"/outcomes/due/{due.uuid}/link/").status_code == 404
    assert not SelfCompletionLink.objects.exists()


def _link(world, episode):
    issued = services.self_completion_link_create(due=_due(episode), actor=world.link_worker)
    return issued.path


def test_a_person_completes_the_questionnaire_from_the_link_without_signing_in(world, episode):
    path = _link(world, episode)
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="viewport"' in html
    assert "<legend" in html
    # The page does not show who the questionnaire is about.
    assert escape(episode.person.family_name) not in html
    done = client.post(path, _answers([3] * 7))
    assert done.status_code == 200
    assert "Thank you" in done.content.decode()
    response = QuestionnaireResponse.objects.get()
    assert response.self_completed and response.total == 21


def test_a_used_link_says_so_kindly_and_stores_nothing(world, episode):
    path = _link(world, episode)
    client = Client()
    client.post(path, _answers([3] * 7))
    again = client.post(path, _answers([5] * 7))
    assert again.status_code == 410
    assert "already answered" in again.content.decode()
    assert QuestionnaireResponse.objects.count() == 1
    assert client.get(path).status_code == 410


def test_an_expired_link_says_so_kindly_and_stores_nothing(world, episode):
    path = _link(world, episode)
    with time_machine.travel(timezone.now() + dt.timedelta(days=14, minutes=1)):
        page = Client().post(path, _answers([3] * 7))
    assert page.status_code == 410
    html = page.content.decode()
    assert "This link has expired" in html
    assert "Nothing has been saved" in html
    assert not QuestionnaireResponse.objects.exists()


def test_a_made_up_link_is_not_valid(db):
    page = Client().get("/outcomes/s/not-a-real-token/")
    assert page.status_code == 410
    assert "not working" in page.content.decode()


def test_a_partial_self_completion_is_stored_as_incomplete(world, episode):
    path = _link(world, episode)
    Client().post(path, _answers([3] * 6 + [None]))
    response = QuestionnaireResponse.objects.get()
    assert not response.complete
    assert response.answers[-1] is None


def test_the_supervisor_responds_to_a_risk_flag_on_its_page(world, episode, client_for):
    services.response_record(
        episode=episode, instrument_code="phq9", answers=[0] * 8 + [1], actor=world.link_worker
    )
    flag = RiskFlag.objects.get()
    client = client_for(world.supervisor)
    listing = client.get("/outcomes/risk-flags/")
    assert escape(episode.person.display_name) in listing.content.decode()
    url = f"/outcomes/risk-flags/{flag.uuid}/"
    empty = client.post(url, {"response_text": ""})
    assert "There is a problem" in empty.content.decode()
    done = client.post(url, {"response_text": "Spoke to them at 3pm; safety plan agreed."})
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert "safety plan agreed" in page
    assert escape(world.supervisor.display_name) in page


def test_a_link_worker_sees_the_flag_but_cannot_respond(world, episode, client_for):
    services.response_record(
        episode=episode, instrument_code="phq9", answers=[0] * 8 + [1], actor=world.link_worker
    )
    flag = RiskFlag.objects.get()
    client = client_for(world.link_worker)
    page = client.get(f"/outcomes/risk-flags/{flag.uuid}/").content.decode()
    assert "A supervisor of the team will record the response" in page
    client.post(f"/outcomes/risk-flags/{flag.uuid}/", {"response_text": "Me"})
    flag.refresh_from_db()
    assert flag.status == "open"


def test_the_outsider_cannot_see_or_answer_a_risk_flag(world, episode, client_for):
    services.response_record(
        episode=episode, instrument_code="phq9", answers=[0] * 8 + [1], actor=world.link_worker
    )
    flag = RiskFlag.objects.get()
    client = client_for(world.outsider)
    assert client.get(f"/outcomes/risk-flags/{flag.uuid}/").status_code == 404
    assert (
        client.post(f"/outcomes/risk-flags/{flag.uuid}/", {"response_text": "x"}).status_code == 404
    )
    assert (
        escape(episode.person.display_name)
        not in client.get("/outcomes/risk-flags/").content.decode()
    )


def test_the_person_change_page(world, episode, client_for):
    for days, answers in ((0, [2] * 7), (30, [4] * 7)):
        services.response_record(
            episode=episode,
            instrument_code="swemwbs",
            answers=answers,
            actor=world.link_worker,
            completed_at=timezone.now() - dt.timedelta(days=40 - days),
        )
    page = client_for(world.link_worker).get(f"/outcomes/people/{episode.person.uuid}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Improved" in html
    assert (
        client_for(world.outsider).get(f"/outcomes/people/{episode.person.uuid}/").status_code
        == 404
    )


def test_the_due_page_lists_the_link_workers_people(world, episode, client_for):
    services.due_measures_generate(episode=episode)
    html = client_for(world.link_worker).get("/outcomes/due/").content.decode()
    assert escape(episode.person.display_name) in html
    outsider = client_for(world.outsider).get("/outcomes/due/").content.decode()
    assert escape(episode.person.display_name) not in outsider
    assert client_for(world.referrer).get("/outcomes/due/").status_code == 404


def test_pages_need_sign_in(episode):
    page = Client().get(f"/outcomes/episodes/{episode.uuid}/")
    assert page.status_code == 302


def test_the_episode_page_shows_each_score_in_words(world, episode, client_for):
    for code, answers in (("swemwbs", [3] * 7), ("phq9", [1] * 8 + [0]), ("ons4", [8, None, 3, 6])):
        services.response_record(
            episode=episode, instrument_code=code, answers=answers, actor=world.link_worker
        )
    html = client_for(world.link_worker).get(f"/outcomes/episodes/{episode.uuid}/").content.decode()
    assert "19.25 (raw total 21)" in html
    assert "8 (mild)" in html
    assert "Life satisfaction 8 (high); Happiness 3 (low); Anxiety 6 (high)" in html


def test_a_supervisor_sets_the_schedule_on_its_page(world, client_for):
    from linkwell.outcomes.models import OutcomeSchedule

    client = client_for(world.supervisor)
    assert client.get("/outcomes/schedule/").status_code == 200
    saved = client.post(
        "/outcomes/schedule/",
        {
            "instruments": ["swemwbs", "ons4"],
            "baseline": "on",
            "at_discharge": "on",
            "review_after_weeks": "8",
            "link_valid_days": "7",
            "remind_every_days": "3",
        },
    )
    assert saved.status_code == 302
    schedule = OutcomeSchedule.objects.get(team=world.service_team)
    assert schedule.instruments == ["swemwbs", "ons4"]
    assert schedule.review_after_weeks == 8
    assert not schedule.follow_up_3m


def test_a_bad_schedule_is_explained_and_nothing_saved(world, client_for):
    from linkwell.outcomes.models import OutcomeSchedule

    page = client_for(world.supervisor).post(
        "/outcomes/schedule/",
        {"review_after_weeks": "two", "link_valid_days": "0", "remind_every_days": "3"},
    )
    html = page.content.decode()
    assert "There is a problem" in html
    assert "Choose at least one questionnaire" in html
    assert "from 1 to 60" in html
    assert not OutcomeSchedule.objects.exists()


@pytest.mark.parametrize("persona", ["link_worker", "outsider", "referrer", "commissioner"])
def test_the_schedule_page_is_for_supervisors_only(world, client_for, persona):
    assert client_for(getattr(world, persona)).get("/outcomes/schedule/").status_code == 404
