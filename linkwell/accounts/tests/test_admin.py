import pytest
from django.test import Client

from linkwell.accounts.models import ApiToken, Organisation, OrganisationKind, User
from linkwell.accounts.services import api_token_create
from linkwell.accounts.tests.factories import totp_device_for
from linkwell.audit.models import AuditEvent


@pytest.fixture
def admin_client(world, client_for):
    world.admin.is_staff = True
    world.admin.save()
    return client_for(world.admin)


@pytest.mark.parametrize("model", ["organisation", "team", "user", "apitoken"])
def test_administrator_sees_each_accounts_list(admin_client, model):
    response = admin_client.get(f"/admin/accounts/{model}/")
    assert response.status_code == 200


def test_organisation_list_filters_by_kind(admin_client, world):
    response = admin_client.get("/admin/accounts/organisation/?kind__exact=gp_practice")
    body = response.content.decode()
    assert "Meadow Lane Surgery" in body and "Northside Wellbeing Service" not in body


@pytest.mark.parametrize("persona", ["outsider", "link_worker", "supervisor", "referrer"])
def test_people_without_the_admin_role_are_refused(world, client_for, persona):
    client = client_for(getattr(world, persona))
    for model in ["organisation", "team", "user", "apitoken"]:
        response = client.get(f"/admin/accounts/{model}/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_the_admin_role_get_no_accounts_access(world, client_for):
    world.link_worker.is_staff = True
    world.link_worker.save()
    response = client_for(world.link_worker).get("/admin/accounts/user/")
    assert response.status_code == 403


def test_admin_site_needs_the_second_factor(world):
    world.admin.is_staff = True
    world.admin.save()
    totp_device_for(world.admin)
    client = Client()
    client.force_login(world.admin)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/accounts/two-factor/verify/"
    )


def _org_form(**overrides):
    data = {
        "name": "Riverside Surgery",
        "kind": OrganisationKind.GP_PRACTICE,
        "ods_code": "y54321",
        "is_active": "on",
        "email": "",
        "phone": "",
        "postcode": "",
    }
    data.update(overrides)
    return data


def test_adding_a_gp_practice_normalises_its_ods_code_and_audits(admin_client, world):
    response = admin_client.post("/admin/accounts/organisation/add/", _org_form())
    assert response.status_code == 302
    org = Organisation.objects.get(name="Riverside Surgery")
    assert org.ods_code == "Y54321"
    event = AuditEvent.objects.get(object_type="Organisation", object_id=str(org.uuid))
    assert event.action == "create" and event.actor_id == world.admin.pk


def test_a_malformed_ods_code_is_refused_with_a_clear_message(admin_client):
    response = admin_client.post("/admin/accounts/organisation/add/", _org_form(ods_code="Y-1"))
    assert response.status_code == 200
    assert "3 to 6 capital letters or numbers" in response.content.decode()
    assert not Organisation.objects.filter(name="Riverside Surgery").exists()


def test_a_gp_practice_without_an_ods_code_is_refused(admin_client):
    response = admin_client.post("/admin/accounts/organisation/add/", _org_form(ods_code=""))
    assert "A GP practice needs its ODS code" in response.content.decode()


def test_nothing_can_be_deleted_in_the_accounts_admin(admin_client, world):
    org = world.service_team.organisation
    response = admin_client.get(f"/admin/accounts/organisation/{org.pk}/delete/")
    assert response.status_code == 403


def test_administrator_adds_a_user_through_the_service(admin_client, world):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newlw",
            "usable_password": "true",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
            "first_name": "Nia",
            "last_name": "Okafor",
            "email": "nia@example.org",
            "role": "link_worker",
            "organisation": world.service_team.organisation.pk,
            "team": world.service_team.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="newlw")
    assert user.check_password("a long enough passphrase") and user.team == world.service_team
    assert AuditEvent.objects.filter(
        object_type="User", object_id=str(user.uuid), action="create"
    ).exists()


def test_administrator_cannot_make_a_superuser(admin_client, world):
    response = admin_client.get(f"/admin/accounts/user/{world.link_worker.pk}/change/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="is_superuser"' not in body and 'name="role"' in body


def test_administrator_cannot_change_a_superuser(admin_client, world):
    world.commissioner.is_superuser = True
    world.commissioner.save()
    response = admin_client.post(
        f"/admin/accounts/user/{world.commissioner.pk}/change/", {"username": "taken"}
    )
    assert response.status_code == 403
    world.commissioner.refresh_from_db()
    assert world.commissioner.username == "comm"


def test_administrator_resets_a_lost_phone(admin_client, world):
    totp_device_for(world.supervisor)
    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [world.supervisor.pk]},
    )
    assert response.status_code == 302
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert not TOTPDevice.objects.filter(user=world.supervisor).exists()


def test_api_tokens_are_read_only_in_the_admin(admin_client, world):
    token, raw = api_token_create(user=world.link_worker, name="feed", actor=None)
    assert admin_client.get("/admin/accounts/apitoken/add/").status_code == 403
    page = admin_client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    body = page.content.decode()
    assert page.status_code == 200 and token.prefix in body
    assert raw not in body and token.key_hash not in body
    admin_client.post(f"/admin/accounts/apitoken/{token.pk}/change/", {"name": "renamed"})
    token.refresh_from_db()
    assert token.name == "feed"


def test_administrator_revokes_tokens_from_the_list(admin_client, world):
    token, raw = api_token_create(user=world.link_worker, name="feed", actor=None)
    response = admin_client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert ApiToken.objects.count() == 1
