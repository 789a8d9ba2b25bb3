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
