"""The instruments and outcomes JSON API."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("code", "answers", "total"),
    [
        ("swemwbs", [3] * 7, 21),
        ("wemwbs", [3] * 14, 42),
        ("phq9", [1] * 9, 9),
        ("gad7", [2] * 7, 14),
    ],
)
def test_it_scores_each_instrument_without_storing(world, client_for, code, answers, total):
    from linkwell.outcomes.models import QuestionnaireResponse

    response = _post(
        client_for(world.link_worker), f"/api/v1/instruments/{code}/score", {"answers": answers}
    )
    assert response.status_code == 200, response.content
    assert response.json()["total"] == total
    assert not QuestionnaireResponse.objects.exists()


def test_it_returns_the_swemwbs_metric(world, client_for):
    body = _post(
        client_for(world.link_worker), "/api/v1/instruments/swemwbs/score", {"answers": [3] * 7}
    ).json()
    assert body["metric"] == 19.25


def test_it_scores_ons4_items_separately(world, client_for):
    body = _post(
        client_for(world.link_worker),
        "/api/v1/instruments/ons4/score",
        {"answers": [9, 5, 2, 1]},
    ).json()
    assert body["total"] is None
    assert body["bands"] == {
        "life_satisfaction": "very high",
        "worthwhile": "medium",
        "happiness": "low",
        "anxiety": "very low",
    }


def test_it_flags_phq9_item9(world, client_for):
    body = _post(
        client_for(world.link_worker), "/api/v1/instruments/phq9/score", {"answers": [0] * 8 + [1]}
    ).json()
    assert body["flags"] == ["phq9_item9"]


def test_an_unknown_code_is_404(world, client_for):
    response = _post(
        client_for(world.link_worker), "/api/v1/instruments/hads/score", {"answers": [1]}
    )
    assert response.status_code == 404
    assert "hads" in response.json()["message"]


@pytest.mark.parametrize(
    ("answers", "item", "fragment"),
    [
        ([1] * 8, None, "has 9 items; 8 answers"),
        ([1] * 8 + [4], 9, "Item 9"),
        ([1, "two"] + [1] * 7, 2, "Item 2"),
        ([1, 1, 1.5] + [1] * 6, 3, "Item 3"),
    ],
)
def test_bad_answers_are_a_400_naming_the_item(world, client_for, answers, item, fragment):
    response = _post(
        client_for(world.link_worker), "/api/v1/instruments/phq9/score", {"answers": answers}
    )
    assert response.status_code == 400
    body = response.json()
    assert fragment in body["message"]
    assert set(body) == {"message", "extra"}
    if item:
        assert body["extra"]["item"] == item


def test_a_missing_answers_field_is_a_400(world, client_for):
    response = _post(client_for(world.link_worker), "/api/v1/instruments/phq9/score", {})
    assert response.status_code == 400
    assert "answers" in response.json()["message"]


def test_it_describes_an_instrument_with_its_codes_and_licence(world, client_for):
    body = client_for(world.link_worker).get("/api/v1/instruments/phq9").json()
    assert body["loinc_panel"] == "44249-1"
    assert body["items"][8]["loinc"] == "44260-8"
    assert body["licence"]
    assert len(body["items"][0]["options"]) == 4


def test_scoring_needs_authentication(db):
    from django.test import Client

    response = _post(Client(), "/api/v1/instruments/phq9/score", {"answers": [0] * 9})
    assert response.status_code == 401


def test_scoring_accepts_an_api_token(world):
    from django.test import Client

    from linkwell.accounts.models import ApiToken

    ApiToken.objects.create(
        user=world.link_worker, name="gp system", prefix="abcd", key_hash=ApiToken.hash_key("lw_x")
    )
    response = Client().post(
        "/api/v1/instruments/gad7/score",
        data=json.dumps({"answers": [0] * 7}),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer lw_x",
    )
    assert response.status_code == 200


def test_talking_therapies_change_classifies_paired_totals(world, client_for):
    response = _post(
        client_for(world.supervisor),
        "/api/v1/outcomes/talking-therapies-change",
        {"phq9": [16, 8], "gad7": [12, 6]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["caseness_start"] is True
    assert body["caseness_end"] is False
    assert body["reliable_improvement"] is True
    assert body["reliable_deterioration"] is False
    assert body["recovery"] is True
    assert body["reliable_recovery"] is True


def test_talking_therapies_change_marks_non_cases_as_outside_recovery(world, client_for):
    body = _post(
        client_for(world.link_worker),
        "/api/v1/outcomes/talking-therapies-change",
        {"phq9": [9, 3]},
    ).json()
    assert body["caseness_start"] is False
    assert body["recovery"] is None
    assert body["in_recovery_denominator"] is False


@pytest.mark.parametrize(
    "body",
    [{}, {"phq9": [10, 30]}, {"gad7": "12,6"}, {"phq9": [10]}],
)
def test_talking_therapies_change_refuses_bad_input(world, client_for, body):
    response = _post(
        client_for(world.link_worker), "/api/v1/outcomes/talking-therapies-change", body
    )
    assert response.status_code == 400
    assert response.json()["message"]


def test_it_stores_a_response_for_an_episode(world, client_for):
    from linkwell.cases.tests.factories import EpisodeFactory

    episode = EpisodeFactory(team=world.service_team, link_worker=world.link_worker)
    response = _post(
        client_for(world.link_worker),
        f"/api/v1/outcomes/episodes/{episode.uuid}/responses",
        {"instrument": "swemwbs", "answers": [4] * 7, "occasion": "review"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["total"] == 28 and body["metric"] == 25.03
    assert body["occasion"] == "review"
    outcomes = client_for(world.supervisor).get(f"/api/v1/outcomes/episodes/{episode.uuid}")
    assert outcomes.status_code == 200
    assert outcomes.json()["responses"][0]["uuid"] == body["uuid"]


def test_storing_a_response_completes_the_due_measure(world, client_for):
    from linkwell.cases.tests.factories import EpisodeFactory
    from linkwell.outcomes import services
    from linkwell.outcomes.models import DueMeasure

    episode = EpisodeFactory(team=world.service_team, link_worker=world.link_worker)
    services.due_measures_generate(episode=episode)
    due = DueMeasure.objects.get(occasion="baseline")
    response = _post(
        client_for(world.link_worker),
        f"/api/v1/outcomes/episodes/{episode.uuid}/responses",
        {"instrument": "swemwbs", "answers": [2] * 7, "due": str(due.uuid)},
    )
    assert response.json()["occasion"] == "baseline"
    due.refresh_from_db()
    assert due.status == "completed"


def test_storing_bad_answers_is_a_400_and_stores_nothing(world, client_for):
    from linkwell.cases.tests.factories import EpisodeFactory
    from linkwell.outcomes.models import QuestionnaireResponse

    episode = EpisodeFactory(team=world.service_team)
    response = _post(
        client_for(world.link_worker),
        f"/api/v1/outcomes/episodes/{episode.uuid}/responses",
        {"instrument": "gad7", "answers": [1, 1, 1, 1, 1, 1, 4]},
    )
    assert response.status_code == 400
    assert response.json()["extra"]["item"] == 7
    assert not QuestionnaireResponse.objects.exists()


def test_the_outsider_is_refused_on_every_episode_endpoint(world, client_for):
    from linkwell.cases.tests.factories import EpisodeFactory
    from linkwell.outcomes import services
    from linkwell.outcomes.models import QuestionnaireResponse, RiskFlag

    episode = EpisodeFactory(team=world.service_team, link_worker=world.link_worker)
    stored = services.response_record(
        episode=episode, instrument_code="phq9", answers=[1] * 9, actor=world.link_worker
    )
    flag = RiskFlag.objects.get()
    client = client_for(world.outsider)
    assert client.get(f"/api/v1/outcomes/episodes/{episode.uuid}").status_code == 404
    assert (
        _post(
            client,
            f"/api/v1/outcomes/episodes/{episode.uuid}/responses",
            {"instrument": "gad7", "answers": [1] * 7},
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/outcomes/people/{episode.person.uuid}/change").status_code == 404
    assert client.get(f"/api/v1/outcomes/responses/{stored.uuid}/fhir").status_code == 404
    assert client.get("/api/v1/outcomes/risk-flags").json() == []
    assert (
        _post(
            client, f"/api/v1/outcomes/risk-flags/{flag.uuid}/respond", {"response_text": "x"}
        ).status_code
        == 404
    )
    assert QuestionnaireResponse.objects.count() == 1


def test_a_supervisor_responds_to_a_flag_through_the_api(world, client_for):
    from linkwell.cases.tests.factories import EpisodeFactory
    from linkwell.outcomes import services
    from linkwell.outcomes.models import RiskFlag

    episode = EpisodeFactory(team=world.service_team, link_worker=world.link_worker)
    services.response_record(
        episode=episode, instrument_code="phq9", answers=[0] * 8 + [1], actor=world.link_worker
    )
    client = client_for(world.supervisor)
    flags = client.get("/api/v1/outcomes/risk-flags").json()
    assert len(flags) == 1
    flag_uuid = flags[0]["uuid"]
    body = _post(
        client, f"/api/v1/outcomes/risk-flags/{flag_uuid}/respond", {"response_text": "Called."}
    ).json()
    assert body["status"] == "responded"
    assert RiskFlag.objects.get().responded_by == world.supervisor
    refused = _post(
        client_for(world.link_worker),
        f"/api/v1/outcomes/risk-flags/{flag_uuid}/respond",
        {"response_text": "Me too"},
    )
    assert refused.status_code in (403, 409)


def test_person_change_api_returns_change_per_episode(world, client_for):
    from linkwell.cases.tests.factories import EpisodeFactory
    from linkwell.outcomes import services

    episode = EpisodeFactory(team=world.service_team, link_worker=world.link_worker)
    for answers in ([1] * 7, [3] * 7):
        services.response_record(
            episode=episode, instrument_code="swemwbs", answers=answers, actor=world.link_worker
        )
    body = client_for(world.link_worker).get(
        f"/api/v1/outcomes/people/{episode.person.uuid}/change"
    )
    measures = body.json()[0]["measures"]
    assert measures[0]["before"] == 7.0
    assert measures[0]["after"] == 19.25
    assert measures[0]["verdict"] == "improved"


def test_a_supervisor_sets_the_team_schedule(world, client_for):
    url = f"/api/v1/outcomes/teams/{world.service_team.uuid}/schedule"
    client = client_for(world.supervisor)
    assert client.get(url).json()["review_after_weeks"] == 6
    body = {"instruments": ["swemwbs", "ons4"], "review_after_weeks": 8}
    response = client.put(url, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["instruments"] == ["swemwbs", "ons4"]
    assert client.get(url).json()["review_after_weeks"] == 8


@pytest.mark.parametrize("field", ["review_after_weeks", "link_valid_days", "remind_every_days"])
def test_a_schedule_number_past_what_the_column_holds_is_a_400_on_both_databases(
    world, client_for, field
):
    # SQLite took 2**31 weeks (it stores any 64-bit integer), and every due-measure calculation
    # for the team then failed with a server error; PostgreSQL refused it. Both refuse it now.
    url = f"/api/v1/outcomes/teams/{world.service_team.uuid}/schedule"
    client = client_for(world.supervisor)
    response = client.put(url, data=json.dumps({field: 2**31}), content_type="application/json")
    assert response.status_code == 400, response.content
    assert "less than or equal to 32767" in response.json()["message"]
    assert client.get(url).json()[field] < 2**15


def test_schedule_changes_are_refused_to_link_workers_and_outsiders(world, client_for):
    url = f"/api/v1/outcomes/teams/{world.service_team.uuid}/schedule"
    body = json.dumps({"review_after_weeks": 2})
    worker = client_for(world.link_worker).put(url, data=body, content_type="application/json")
    assert worker.status_code == 403
    outsider = client_for(world.outsider)
    assert outsider.get(url).status_code == 404
    assert outsider.put(url, data=body, content_type="application/json").status_code == 404


def test_an_unknown_instrument_in_the_schedule_is_a_400(world, client_for):
    url = f"/api/v1/outcomes/teams/{world.service_team.uuid}/schedule"
    response = client_for(world.supervisor).put(
        url, data=json.dumps({"instruments": ["hads"]}), content_type="application/json"
    )
    assert response.status_code == 400
    assert "hads" in response.json()["message"]


def test_unknown_instruments_are_named_briefly(world, client_for):
    # Each unknown code was repeated back whole: 100,000 characters of message.
    url = f"/api/v1/outcomes/teams/{world.service_team.uuid}/schedule"
    codes = ["h" * 100_000] + [f"x{i}" for i in range(8)]
    response = client_for(world.supervisor).put(
        url, data=json.dumps({"instruments": codes}), content_type="application/json"
    )
    assert response.status_code == 400
    message = response.json()["message"]
    assert len(message) < 400
    assert f"'{'h' * 39}…'" in message and "'x3'" in message and "and 4 more" in message


def test_a_team_adds_a_poll_and_stores_answers_to_it(world, client_for):
    from linkwell.cases.tests.factories import EpisodeFactory

    client = client_for(world.link_worker)
    created = _post(
        client,
        f"/api/v1/outcomes/teams/{world.service_team.uuid}/polls",
        {
            "question": "Did today's group help?",
            "options": [{"value": 0, "label": "No"}, {"value": 1, "label": "Yes"}],
        },
    )
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    episode = EpisodeFactory(team=world.service_team)
    stored = _post(
        client,
        f"/api/v1/outcomes/episodes/{episode.uuid}/responses",
        {"instrument": code, "answers": [1]},
    )
    assert stored.status_code == 201
    assert stored.json()["total"] == 1
    refused = _post(
        client_for(world.outsider),
        f"/api/v1/outcomes/teams/{world.service_team.uuid}/polls",
        {"question": "?", "options": [{"value": 0, "label": "No"}, {"value": 1, "label": "Y"}]},
    )
    assert refused.status_code == 404


@pytest.mark.parametrize("value", [10**23, 2**31, -(2**31) - 1])
def test_a_poll_answer_value_no_total_can_hold_is_refused_when_the_poll_is_made(
    world, client_for, value
):
    from linkwell.outcomes.models import Poll

    response = _post(
        client_for(world.link_worker),
        f"/api/v1/outcomes/teams/{world.service_team.uuid}/polls",
        {
            "question": "Did today's group help?",
            "options": [{"value": 0, "label": "No"}, {"value": value, "label": "Yes"}],
        },
    )
    assert response.status_code == 400, response.content
    assert "whole number from -2,147,483,648 to 2,147,483,647" in response.json()["message"]
    assert not Poll.objects.exists()
