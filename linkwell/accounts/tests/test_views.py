import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from linkwell.accounts.models import ApiToken, OrganisationKind
from linkwell.accounts.services import api_token_create
from linkwell.accounts.tests.factories import totp_code, totp_device_for
from linkwell.audit.models import AuditEvent
from linkwell.conftest import PASSWORD

LOGIN = reverse("accounts:login")
SECURITY = reverse("accounts:security")
SETUP = reverse("accounts:two_factor_setup")
VERIFY = reverse("accounts:two_factor_verify")


def _sign_in(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


@pytest.fixture
def no_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


# --- sign in, sign out, lockout ---------------------------------------------------------------


def test_link_worker_signs_in_with_password_and_it_is_audited(world):
    client = Client()
    response = _sign_in(client, "lw")
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(world.link_worker.pk)
    event = AuditEvent.objects.filter(action="login").first()
    assert event.actor_id == world.link_worker.pk
    assert event.object_id == str(world.link_worker.uuid)


def test_wrong_password_is_refused_with_an_error_summary_and_audited(world):
    client = Client()
    response = _sign_in(client, "lw", "wrong password")
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.filter(action="login_failed").first()
    assert event.detail == {"username": "lw"}
    assert "wrong password" not in str(event.detail)


def test_sign_out_needs_post_and_is_audited(world, client_for):
    client = client_for(world.link_worker)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="logout", actor=world.link_worker).exists()


def test_sixth_attempt_is_refused_even_with_the_right_password(world):
    client = Client()
    for _ in range(5):
        _sign_in(client, "lw", "not the password")
    response = _sign_in(client, "lw")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_of_one_account_does_not_lock_another(world):
    client = Client()
    for _ in range(6):
        _sign_in(client, "lw", "not the password")
    response = _sign_in(client, "mate")
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(world.teammate.pk)


@pytest.mark.parametrize("length", [151, 256, 100_000])
def test_a_username_longer_than_any_is_refused_before_anyone_looks_it_up(world, length):
    # django-axes records a failed attempt's username in a 255-character column: a longer one
    # was a server error on PostgreSQL, and stored whole on SQLite.
    from axes.models import AccessAttempt

    response = _sign_in(Client(), "u" * length, "not the password")
    assert response.status_code == 200
    assert "A username has no more than 150 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_empty_sign_in_names_both_boxes(db):
    body = _sign_in(Client(), "", "").content.decode()
    assert "Enter your username" in body and "Enter your password" in body


def test_login_page_links_to_password_reset(db):
    body = Client().get(LOGIN).content.decode()
    assert reverse("accounts:password_reset") in body


# --- password reset ---------------------------------------------------------------------------


def test_password_reset_by_email_sets_a_new_password_and_lifts_a_lockout(world):
    client = Client()
    for _ in range(6):
        _sign_in(client, "lw", "not the password")
    response = client.post(reverse("accounts:password_reset"), {"email": "lw@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lw@example.org"]
    link = re.search(r"https?://[^/]+(/accounts/password-reset/\S+/)", message.body).group(1)
    page = client.get(link, follow=True)
    assert "Choose a new password" in page.content.decode()
    set_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    response = client.post(
        set_url,
        {"new_password1": "a fresh long passphrase", "new_password2": "a fresh long passphrase"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    world.link_worker.refresh_from_db()
    assert world.link_worker.check_password("a fresh long passphrase")
    assert AuditEvent.objects.filter(
        action="update", object_id=str(world.link_worker.uuid), detail={"changed": ["password"]}
    ).exists()
    assert _sign_in(Client(), "lw", "a fresh long passphrase").status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(db):
    response = Client().post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_with_a_malformed_address_shows_a_clear_error(db):
    response = Client().post(reverse("accounts:password_reset"), {"email": "not an email"})
    assert response.status_code == 200
    assert "Enter an email address in the correct format" in response.content.decode()


def test_password_reset_refuses_a_weak_password_and_keeps_the_old_one(world):
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": "lw@example.org"})
    link = re.search(r"(/accounts/password-reset/\S+/)", mail.outbox[0].body).group(1)
    page = client.get(link, follow=True)
    set_url = page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "12345", "new_password2": "12345"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    world.link_worker.refresh_from_db()
    assert world.link_worker.check_password(PASSWORD)


def test_a_tampered_reset_link_says_it_no_longer_works(world):
    response = Client().get("/accounts/password-reset/MQ/abc-def/")
    assert "This link no longer works" in response.content.decode()


# --- two-factor sign-in -----------------------------------------------------------------------


def test_supervisor_without_a_device_is_sent_to_set_one_up(world):
    client = Client()
    response = _sign_in(client, "sup", next="/cases/")
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    page = client.get(response["Location"])
    body = page.content.decode()
    assert '<svg role="img"' in body and "Scan this QR code" in body
    device = TOTPDevice.objects.get(user=world.supervisor, confirmed=False)
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in body


def test_supervisor_sets_up_the_app_and_is_signed_in_to_where_they_were_going(world):
    client = Client()
    _sign_in(client, "sup")
    client.get(f"{SETUP}?next=/accounts/security/")
    device = TOTPDevice.objects.get(user=world.supervisor, confirmed=False)
    response = client.post(SETUP, {"code": totp_code(device), "next": "/accounts/security/"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Two-factor sign-in is on" in body and "Save your backup codes" in body
    assert 'href="/accounts/security/"' in body
    assert client.get(SECURITY).status_code == 200


def test_setup_with_a_wrong_code_shows_an_error_and_confirms_nothing(world):
    client = Client()
    _sign_in(client, "sup")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=world.supervisor)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert "That code did not match" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_setup_with_an_empty_code_asks_for_one(world):
    client = Client()
    _sign_in(client, "sup")
    response = client.post(SETUP, {"code": ""})
    assert "Enter the 6-digit code" in response.content.decode()


def test_supervisor_with_a_device_must_enter_a_code_before_any_page(world):
    device = totp_device_for(world.supervisor)
    client = Client()
    _sign_in(client, "sup")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    # The security page (API tokens) is not reachable on the password alone either.
    response = client.get(SECURITY)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    response = client.post(VERIFY, {"code": totp_code(device), "next": SECURITY})
    assert response.status_code == 302 and response["Location"] == SECURITY
    assert client.get(SECURITY).status_code == 200
    assert AuditEvent.objects.filter(
        action="login", actor=world.supervisor, detail__stage="second_factor"
    ).exists()


def test_a_password_alone_cannot_replace_an_existing_device(world):
    totp_device_for(world.supervisor)
    client = Client()
    _sign_in(client, "sup")
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=world.supervisor).count() == 1


def test_verify_with_a_wrong_code_stays_unverified(world, no_throttle):
    device = totp_device_for(world.supervisor)
    client = Client()
    _sign_in(client, "sup")
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert "That code did not match" in response.content.decode()
    assert client.get("/").status_code == 302


def test_verify_redirects_only_to_this_site(world):
    device = totp_device_for(world.supervisor)
    client = Client()
    _sign_in(client, "sup")
    response = client.post(VERIFY, {"code": totp_code(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_a_backup_code_signs_in_when_the_phone_is_lost(world):
    from linkwell.accounts.services import two_factor_backup_codes_create

    totp_device_for(world.supervisor)
    codes = two_factor_backup_codes_create(user=world.supervisor)
    client = Client()
    _sign_in(client, "sup")
    response = client.post(VERIFY, {"code": codes[3], "next": SECURITY})
    assert response["Location"] == SECURITY
    assert client.get(SECURITY).status_code == 200


def test_organisation_wide_two_factor_applies_to_its_link_workers(world):
    org = world.service_team.organisation
    org.require_two_factor_for_all = True
    org.save()
    client = Client()
    _sign_in(client, "lw")
    response = client.get(SECURITY)
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


def test_user_flag_makes_two_factor_required(world):
    world.referrer.require_two_factor = True
    world.referrer.save()
    client = Client()
    _sign_in(client, "gp")
    assert client.get(SECURITY)["Location"].startswith(SETUP)


def test_link_worker_without_two_factor_reaches_pages_with_a_password(world):
    client = Client()
    _sign_in(client, "lw")
    assert client.get(SECURITY).status_code == 200


def test_any_user_can_switch_two_factor_on_and_off_for_themselves(world):
    client = Client()
    _sign_in(client, "gp")
    page = client.get(SECURITY).content.decode()
    assert "Set up two-factor sign-in" in page
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=world.referrer)
    client.post(SETUP, {"code": totp_code(device)})
    world.referrer.refresh_from_db()
    assert world.referrer.require_two_factor
    page = client.get(SECURITY).content.decode()
    assert "Turn off two-factor sign-in" in page and "Backup codes left: 10" in page
    response = client.post(reverse("accounts:two_factor_disable"), follow=True)
    assert "Two-factor sign-in is off" in response.content.decode()
    world.referrer.refresh_from_db()
    assert not world.referrer.require_two_factor
    assert not TOTPDevice.objects.filter(user=world.referrer).exists()


def test_supervisor_is_not_offered_to_turn_off_two_factor_and_is_refused(world, client_for):
    client = client_for(world.supervisor)
    totp_device_for(world.supervisor)
    page = client.get(SECURITY).content.decode()
    assert "Turn off two-factor sign-in" not in page
    assert "required for the supervisor role" in page
    response = client.post(reverse("accounts:two_factor_disable"), follow=True)
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=world.supervisor).exists()


def test_new_backup_codes_are_shown_once_on_the_security_page(world, client_for):
    client = client_for(world.supervisor)
    totp_device_for(world.supervisor)
    response = client.post(reverse("accounts:two_factor_backup_codes"))
    assert "Save your backup codes" in response.content.decode()
    assert "Save your backup codes" not in client.get(SECURITY).content.decode()


# --- the security page: API tokens ------------------------------------------------------------


def test_security_page_needs_sign_in(db):
    response = Client().get(SECURITY)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_security_page_lists_only_my_tokens(world, client_for):
    mine, _ = api_token_create(user=world.link_worker, name="My GP link", actor=None)
    api_token_create(user=world.outsider, name="Outsider system", actor=None)
    body = client_for(world.link_worker).get(SECURITY).content.decode()
    assert "My GP link" in body and mine.prefix in body
    assert "Outsider system" not in body
    assert "Never" in body  # last used


def test_creating_a_token_shows_it_once(world, client_for):
    client = client_for(world.link_worker)
    response = client.post(reverse("accounts:api_token_create"), {"name": "Referral feed"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    raw = re.search(r'data-testid="new-token">(lw_[^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=world.link_worker)
    assert token.key_hash == ApiToken.hash_key(raw)
    assert raw not in client.get(SECURITY).content.decode()


def test_creating_a_token_without_a_name_shows_an_error_and_creates_nothing(world, client_for):
    response = client_for(world.link_worker).post(
        reverse("accounts:api_token_create"), {"name": " "}
    )
    body = response.content.decode()
    assert "There is a problem" in body and "Give the token a name" in body
    assert not ApiToken.objects.exists()


def test_revoking_my_token_from_the_security_page(world, client_for):
    token, _ = api_token_create(user=world.link_worker, name="Old feed", actor=None)
    client = client_for(world.link_worker)
    response = client.post(reverse("accounts:api_token_revoke", args=[token.uuid]), follow=True)
    assert "is revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_outsider_cannot_revoke_my_token(world, client_for):
    token, _ = api_token_create(user=world.link_worker, name="Old feed", actor=None)
    response = client_for(world.outsider).post(
        reverse("accounts:api_token_revoke", args=[token.uuid])
    )
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_needs_post(world, client_for):
    token, _ = api_token_create(user=world.link_worker, name="Old feed", actor=None)
    response = client_for(world.link_worker).get(
        reverse("accounts:api_token_revoke", args=[token.uuid])
    )
    assert response.status_code == 405


def test_security_page_for_a_gp_practice_referrer(world, client_for):
    assert world.referrer.organisation.kind == OrganisationKind.GP_PRACTICE
    assert client_for(world.referrer).get(SECURITY).status_code == 200


# --- password change ---------------------------------------------------------------------------


def test_changing_my_password_needs_the_current_one_and_keeps_me_signed_in(world, client_for):
    client = client_for(world.link_worker)
    url = reverse("accounts:password_change")
    response = client.post(
        url,
        {
            "old_password": "not it",
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    world.link_worker.refresh_from_db()
    assert world.link_worker.check_password(PASSWORD)
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
    )
    assert response.status_code == 302
    world.link_worker.refresh_from_db()
    assert world.link_worker.check_password("another long passphrase")
    assert client.get(SECURITY).status_code == 200  # still signed in
    assert AuditEvent.objects.filter(
        action="update", object_id=str(world.link_worker.uuid), detail={"changed": ["password"]}
    ).exists()


def test_password_change_page_needs_the_second_factor_where_required(world):
    totp_device_for(world.supervisor)
    client = Client()
    client.force_login(world.supervisor)
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
