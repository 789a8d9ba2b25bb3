import json

import pytest
from django.test import Client

from linkwell.cases.models import Episode
from linkwell.referrals.models import Referral

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals"


def payload(**overrides):
    body = {
        "person": {
            "given_name": "Priya",
            "family_name": "Shah",
            "date_of_birth": "1990-02-03",
            "postcode": "LS6 1AB",
            "nhs_number": "943 476 5919",
        },
        "source": "gp_practice",
        "reason": "Isolated since her husband died last year.",
        "suggested_needs": ["bereavement", "loneliness"],
        "consent_confirmed": True,
    }
    body.update(overrides)
    return body


def post(client, body, key="key-1", url=URL):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


def test_it_creates_a_referral_with_201(world, client_for):
    response = post(client_for(world.referrer), payload())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "requested"
    assert body["reference"].startswith("LW-")
    assert body["response_due"]
    assert body["episode"] is None
    referral = Referral.objects.get(uuid=body["uuid"])
    assert body["person"] == str(referral.person.uuid)
    assert referral.person.nhs_number == "9434765919"


def test_retry_with_same_key_returns_200_and_the_same_body(world, client_for):
    client = client_for(world.referrer)
    first = post(client, payload())
    again = post(client, payload())
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Referral.objects.count() == 1


def test_same_key_with_a_different_body_is_409(world, client_for):
    client = client_for(world.referrer)
    post(client, payload())
    response = post(client, payload(reason="Something else entirely"))
    assert response.status_code == 409
    assert "Idempotency-Key" in response.json()["message"]
    assert Referral.objects.count() == 1


def test_missing_idempotency_key_is_400_with_a_clear_message(world, client_for):
    response = post(client_for(world.referrer), payload(), key=None)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["message"]
    assert Referral.objects.count() == 0


def test_bad_input_is_400_and_saves_nothing(world, client_for):
    client = client_for(world.referrer)
    response = post(client, payload(consent_confirmed=False))
    assert response.status_code == 400
    assert "agree" in response.json()["message"]
    response = post(client, payload(suggested_needs=["nonsense"]), key="key-2")
    assert response.status_code == 400
    assert "nonsense" in response.json()["message"]
    bad_nhs = payload(person={**payload()["person"], "nhs_number": "1234567890"})
    response = post(client, bad_nhs, key="key-3")
    assert response.status_code == 400
    response = post(client, {"reason": "no person"}, key="key-4")
    assert response.status_code == 400
    assert Referral.objects.count() == 0


@pytest.mark.parametrize("persona", ["provider", "volunteer", "commissioner"])
def test_roles_that_do_not_refer_get_403(world, client_for, persona):
    response = post(client_for(getattr(world, persona)), payload())
    assert response.status_code == 403
    assert Referral.objects.count() == 0


def test_anonymous_gets_401(world):
    response = post(Client(), payload())
    assert response.status_code == 401


def test_link_worker_may_post_and_referral_goes_to_intake_team(world, client_for):
    response = post(client_for(world.link_worker), payload())
    assert response.status_code == 201
    assert Referral.objects.get().team == world.service_team


def test_referrer_lists_own_organisation_referrals_only(world, client_for, make_referral):
    mine = make_referral()
    make_referral(actor=world.other_referrer)
    body = client_for(world.referrer).get(URL).json()
    assert [r["uuid"] for r in body] == [str(mine.uuid)]


def test_list_filters_by_status(world, client_for, make_referral):
    make_referral()
    client = client_for(world.link_worker)
    assert len(client.get(URL, {"status": "requested"}).json()) == 1
    assert client.get(URL, {"status": "accepted"}).json() == []


def test_detail_and_history_for_the_referrer(world, client_for, make_referral):
    referral = make_referral()
    client = client_for(world.referrer)
    detail = client.get(f"{URL}/{referral.uuid}")
    assert detail.status_code == 200
    assert detail.json()["reference"] == referral.reference
    history = client.get(f"{URL}/{referral.uuid}/history").json()
    assert [h["to_status"] for h in history] == ["requested"]


def test_staff_accept_through_the_api_and_see_the_episode(world, client_for, make_referral):
    referral = make_referral()
    response = client_for(world.link_worker).post(
        f"{URL}/{referral.uuid}/transition",
        data={"status": "accepted"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    episode = Episode.objects.get(referral=referral)
    assert response.json()["episode"] == str(episode.uuid)
    history = client_for(world.link_worker).get(f"{URL}/{referral.uuid}/history").json()
    assert history[-1]["snomed_code"] == "871731000000106"


def test_referrer_never_sees_the_episode(world, client_for, make_referral):
    referral = make_referral()
    client_for(world.link_worker).post(
        f"{URL}/{referral.uuid}/transition",
        data={"status": "accepted"},
        content_type="application/json",
    )
    body = client_for(world.referrer).get(f"{URL}/{referral.uuid}").json()
    assert body["status"] == "accepted"
    assert body["episode"] is None


def test_transition_errors_are_clear(world, client_for, make_referral):
    referral = make_referral()
    client = client_for(world.link_worker)
    url = f"{URL}/{referral.uuid}/transition"
    response = client.post(url, data={"status": "rejected"}, content_type="application/json")
    assert response.status_code == 400
    assert "reason" in response.json()["message"]
    response = client.post(url, data={"status": "completed"}, content_type="application/json")
    assert response.status_code == 409
    client.post(
        url, data={"status": "rejected", "reason": "Not eligible"}, content_type="application/json"
    )
    response = client.post(url, data={"status": "accepted"}, content_type="application/json")
    assert response.status_code == 409
    assert "new referral" in response.json()["message"]


def test_referrer_gets_403_accepting(world, client_for, make_referral):
    referral = make_referral()
    response = client_for(world.referrer).post(
        f"{URL}/{referral.uuid}/transition",
        data={"status": "accepted"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_assign_through_the_api(world, client_for, make_referral):
    referral = make_referral()
    response = client_for(world.supervisor).post(
        f"{URL}/{referral.uuid}/assign",
        data={"link_worker": str(world.teammate.uuid)},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["assigned_to"] == str(world.teammate.uuid)


def test_unknown_uuid_is_404(world, client_for):
    client = client_for(world.link_worker)
    assert client.get(f"{URL}/not-a-uuid").status_code == 404
    assert client.get(f"{URL}/00000000-0000-0000-0000-000000000000").status_code == 404


@pytest.mark.parametrize(
    "persona", ["outsider", "other_referrer", "provider", "volunteer", "commissioner"]
)
def test_outsiders_are_refused_on_every_endpoint(world, client_for, make_referral, persona):
    referral = make_referral()
    client = client_for(getattr(world, persona))
    base = f"{URL}/{referral.uuid}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/history").status_code == 404
    for path, body in [
        ("transition", {"status": "accepted"}),
        ("assign", {"link_worker": str(world.link_worker.uuid)}),
    ]:
        response = client.post(f"{base}/{path}", data=body, content_type="application/json")
        assert response.status_code == 404
    assert client.get(URL).json() == []
    referral.refresh_from_db()
    assert referral.status == "requested" and referral.assigned_to is None
