import pytest
from django.test import Client

from linkwell.accounts.models import ApiToken
from linkwell.accounts.services import api_token_create, api_token_revoke
from linkwell.accounts.tests.factories import totp_device_for

ME = "/api/v1/me"
TOKENS = "/api/v1/accounts/tokens"


def _bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_bearer_token_authenticates_as_its_user(world):
    _, raw = api_token_create(user=world.link_worker, name="feed", actor=None)
    response = Client().get(ME, **_bearer(raw))
    assert response.status_code == 200
    assert response.json() == {
        "uuid": str(world.link_worker.uuid),
        "username": "lw",
        "role": "link_worker",
    }


def test_using_a_token_records_when_it_was_last_used(world):
    token, raw = api_token_create(user=world.link_worker, name="feed", actor=None)
    Client().get(ME, **_bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_gets_401(world):
    token, raw = api_token_create(user=world.link_worker, name="feed", actor=None)
    api_token_revoke(token=token, actor=world.link_worker)
    response = Client().get(ME, **_bearer(raw))
    assert response.status_code == 401
    assert response.json()["message"] == "Sign in or send a valid API token."


def test_an_unknown_token_gets_401(world):
    assert Client().get(ME, **_bearer("lw_not-a-real-token")).status_code == 401


def test_a_deactivated_users_token_gets_401(world):
    _, raw = api_token_create(user=world.link_worker, name="feed", actor=None)
    world.link_worker.is_active = False
    world.link_worker.save()
    assert Client().get(ME, **_bearer(raw)).status_code == 401


def test_the_token_list_needs_authentication(db):
    assert Client().get(TOKENS).status_code == 401


def test_list_shows_only_my_tokens(world):
    mine, raw = api_token_create(user=world.link_worker, name="feed", actor=None)
    api_token_create(user=world.outsider, name="theirs", actor=None)
    response = Client().get(TOKENS, **_bearer(raw))
    assert response.status_code == 200
    body = response.json()
    assert [t["uuid"] for t in body] == [str(mine.uuid)]
    assert body[0]["prefix"] == mine.prefix and body[0]["is_active"] is True
    assert "key_hash" not in body[0] and "token" not in body[0]


def test_create_returns_the_raw_token_once(world, client_for):
    client = client_for(world.link_worker)
    response = client.post(TOKENS, {"name": "Practice system"}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("lw_") and body["name"] == "Practice system"
    assert ApiToken.objects.get(uuid=body["uuid"]).key_hash == ApiToken.hash_key(body["token"])
    listed = client.get(TOKENS).json()
    assert all("token" not in t for t in listed)
    assert Client().get(ME, **_bearer(body["token"])).status_code == 200


def test_create_with_a_blank_name_is_a_400_and_creates_nothing(world, client_for):
    client = client_for(world.link_worker)
    response = client.post(TOKENS, {"name": "   "}, content_type="application/json")
    assert response.status_code == 400
    assert (
        response.json()["message"] == "Give the token a name, such as the system that will use it."
    )
    response = client.post(TOKENS, {}, content_type="application/json")
    assert response.status_code == 400
    assert "name" in response.json()["extra"]["fields"]
    assert not ApiToken.objects.exists()


def test_delete_revokes_my_token(world):
    token, raw = api_token_create(user=world.link_worker, name="feed", actor=None)
    other, _ = api_token_create(user=world.link_worker, name="other", actor=None)
    response = Client().delete(f"{TOKENS}/{other.uuid}", **_bearer(raw))
    assert response.status_code == 200
    assert response.json()["is_active"] is False and response.json()["revoked_at"]
    other.refresh_from_db()
    assert other.revoked_at is not None


def test_a_token_can_revoke_itself_and_then_stops_working(world):
    token, raw = api_token_create(user=world.link_worker, name="feed", actor=None)
    assert Client().delete(f"{TOKENS}/{token.uuid}", **_bearer(raw)).status_code == 200
    assert Client().get(ME, **_bearer(raw)).status_code == 401


def test_outsider_cannot_revoke_my_token(world):
    token, _ = api_token_create(user=world.link_worker, name="feed", actor=None)
    _, outsider_raw = api_token_create(user=world.outsider, name="x", actor=None)
    response = Client().delete(f"{TOKENS}/{token.uuid}", **_bearer(outsider_raw))
    assert response.status_code == 404
    assert response.json()["message"] == "No such API token."
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("persona", ["teammate", "supervisor", "outsider"])
def test_nobody_else_can_revoke_my_token_through_a_session(world, client_for, persona):
    token, _ = api_token_create(user=world.link_worker, name="feed", actor=None)
    response = client_for(getattr(world, persona)).delete(f"{TOKENS}/{token.uuid}")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_an_already_revoked_token_is_a_409(world):
    token, raw = api_token_create(user=world.link_worker, name="feed", actor=None)
    other, _ = api_token_create(user=world.link_worker, name="other", actor=None)
    api_token_revoke(token=other, actor=None)
    response = Client().delete(f"{TOKENS}/{other.uuid}", **_bearer(raw))
    assert response.status_code == 409


def test_a_malformed_token_id_is_a_400(world):
    _, raw = api_token_create(user=world.link_worker, name="feed", actor=None)
    assert Client().delete(f"{TOKENS}/not-a-uuid", **_bearer(raw)).status_code == 400


def test_a_session_without_the_required_second_factor_is_refused(world):
    totp_device_for(world.supervisor)
    client = Client()
    client.force_login(world.supervisor)
    assert client.get(TOKENS).status_code == 401
    assert client.post(TOKENS, {"name": "x"}, content_type="application/json").status_code == 401
    assert not ApiToken.objects.exists()


def test_session_writes_need_the_csrf_token(world):
    from linkwell.conftest import login

    client = login(world.link_worker)
    client.handler.enforce_csrf_checks = True
    response = client.post(TOKENS, {"name": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert not ApiToken.objects.exists()


def test_the_token_endpoints_are_described_in_the_openapi_document(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/accounts/tokens"])
    assert "delete" in paths["/api/v1/accounts/tokens/{token_uuid}"]
