import hashlib

import pytest
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from linkwell.accounts.models import ApiToken, Organisation, OrganisationKind, Role
from linkwell.accounts.services import (
    api_token_create,
    api_token_revoke,
    organisation_save,
    two_factor_backup_codes_create,
    two_factor_device_confirm,
    two_factor_device_start,
    two_factor_disable,
    two_factor_reset,
    two_factor_verify,
    user_create,
    user_save,
    user_set_password,
)
from linkwell.accounts.tests.factories import totp_code, totp_device_for
from linkwell.audit.models import AuditEvent
from linkwell.common.errors import ApplicationError, Conflict, Forbidden, NotFound


@pytest.fixture
def no_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


# --- API tokens ---------------------------------------------------------------------------------


def test_api_token_create_returns_a_raw_token_and_stores_only_its_hash(world):
    token, raw = api_token_create(user=world.link_worker, name="GP system", actor=world.link_worker)
    assert raw.startswith("lw_") and len(raw) > 40
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:11]
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert raw not in {str(v) for v in stored.values()}


def test_api_token_create_is_audited_without_the_token(world):
    token, raw = api_token_create(user=world.link_worker, name="GP system", actor=world.link_worker)
    event = AuditEvent.objects.get(object_type="ApiToken", object_id=str(token.uuid))
    assert event.action == "create"
    assert event.actor_id == world.link_worker.pk
    assert raw not in str(event.detail)


def test_each_token_is_different(world):
    raws = {api_token_create(user=world.link_worker, name=f"t{i}", actor=None)[1] for i in range(5)}
    assert len(raws) == 5


def test_api_token_needs_a_name(world):
    with pytest.raises(ValidationError, match="Give the token a name"):
        api_token_create(user=world.link_worker, name="   ", actor=world.link_worker)
    assert not ApiToken.objects.exists()


def test_inactive_user_cannot_get_a_token(world):
    world.teammate.is_active = False
    world.teammate.save()
    with pytest.raises(ApplicationError, match="inactive"):
        api_token_create(user=world.teammate, name="x", actor=None)


def test_a_user_cannot_create_a_token_for_someone_else(world):
    with pytest.raises(Forbidden):
        api_token_create(user=world.link_worker, name="x", actor=world.outsider)
    assert not ApiToken.objects.exists()


def test_an_administrator_can_create_a_token_for_someone_else(world):
    token, _ = api_token_create(user=world.link_worker, name="x", actor=world.admin)
    assert token.user == world.link_worker


def test_api_token_revoke_marks_the_token_revoked_and_audits_it(world):
    token, _ = api_token_create(user=world.link_worker, name="x", actor=None)
    api_token_revoke(token=token, actor=world.link_worker)
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.is_active
    assert AuditEvent.objects.filter(
        object_type="ApiToken", object_id=str(token.uuid), action="update"
    ).exists()


def test_other_users_cannot_revoke_your_token(world):
    token, _ = api_token_create(user=world.link_worker, name="x", actor=None)
    for other in (world.outsider, world.teammate, world.supervisor):
        with pytest.raises(NotFound):
            api_token_revoke(token=token, actor=other)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_administrator_can_revoke_anyones_token(world):
    token, _ = api_token_create(user=world.link_worker, name="x", actor=None)
    api_token_revoke(token=token, actor=world.admin)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoking_twice_is_a_conflict_and_keeps_the_first_time(world):
    token, _ = api_token_create(user=world.link_worker, name="x", actor=None)
    api_token_revoke(token=token, actor=world.link_worker)
    token.refresh_from_db()
    first = token.revoked_at
    with pytest.raises(Conflict, match="already revoked"):
        api_token_revoke(token=token, actor=world.link_worker)
    token.refresh_from_db()
    assert token.revoked_at == first


# --- organisations and users ------------------------------------------------------------------


def test_organisation_save_validates_the_gp_ods_code_and_saves_nothing_when_wrong(world):
    org = Organisation(name="New Surgery", kind=OrganisationKind.GP_PRACTICE, ods_code="not ok")
    with pytest.raises(ValidationError, match="ODS code"):
        organisation_save(organisation=org, actor=world.admin)
    assert not Organisation.objects.filter(name="New Surgery").exists()


def test_organisation_save_normalises_and_audits(world):
    org = Organisation(name="New Surgery", kind=OrganisationKind.GP_PRACTICE, ods_code=" y12345 ")
    organisation_save(organisation=org, actor=world.admin, changed_fields=["name", "ods_code"])
    org.refresh_from_db()
    assert org.ods_code == "Y12345"
    event = AuditEvent.objects.get(object_type="Organisation", object_id=str(org.uuid))
    assert event.action == "create" and event.detail == {"changed": ["name", "ods_code"]}


def test_user_create_with_admin_role_is_staff_so_they_reach_the_admin_site(world):
    user = user_create(
        username="newadmin",
        role=Role.ADMIN,
        actor=world.admin,
        password="a long enough passphrase",
    )
    assert user.is_staff
    assert user.check_password("a long enough passphrase")


def test_user_create_without_password_has_an_unusable_one(world):
    user = user_create(username="np", role=Role.LINK_WORKER, actor=None, team=world.service_team)
    assert not user.has_usable_password()
    assert user.organisation == world.service_team.organisation


def test_user_create_refuses_a_weak_password(world):
    with pytest.raises(ValidationError):
        user_create(username="weak", role=Role.LINK_WORKER, actor=None, password="123")


def test_user_save_refuses_a_team_from_another_organisation(world):
    world.link_worker.team = world.other_team
    with pytest.raises(ValidationError, match="team that belongs"):
        user_save(user=world.link_worker, actor=world.admin)


def test_user_set_password_checks_the_rules_and_audits_without_the_password(world):
    with pytest.raises(ValidationError):
        user_set_password(user=world.link_worker, password="short", actor=world.link_worker)
    user_set_password(user=world.link_worker, password="a brand new passphrase", actor=None)
    world.link_worker.refresh_from_db()
    assert world.link_worker.check_password("a brand new passphrase")
    event = AuditEvent.objects.filter(object_type="User", action="update").first()
    assert event.detail == {"changed": ["password"]}


# --- two-factor sign-in -----------------------------------------------------------------------


def test_two_factor_start_reuses_the_pending_device(world):
    first = two_factor_device_start(user=world.link_worker)
    again = two_factor_device_start(user=world.link_worker)
    assert first.pk == again.pk and not first.confirmed


def test_two_factor_confirm_with_the_right_code_confirms_and_switches_it_on(world):
    device = two_factor_device_start(user=world.link_worker)
    two_factor_device_confirm(user=world.link_worker, code=totp_code(device))
    device.refresh_from_db()
    world.link_worker.refresh_from_db()
    assert device.confirmed
    assert world.link_worker.require_two_factor


def test_two_factor_confirm_with_a_wrong_code_changes_nothing_but_counts_the_attempt(world):
    device = two_factor_device_start(user=world.link_worker)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    with pytest.raises(ValidationError, match="did not match"):
        two_factor_device_confirm(user=world.link_worker, code=wrong)
    device.refresh_from_db()
    world.link_worker.refresh_from_db()
    assert not device.confirmed and not world.link_worker.require_two_factor
    assert device.throttling_failure_count == 1


def test_two_factor_cannot_be_started_again_once_set_up(world):
    totp_device_for(world.link_worker)
    with pytest.raises(Conflict):
        two_factor_device_start(user=world.link_worker)


def test_two_factor_verify_accepts_the_current_code_once(world):
    device = totp_device_for(world.supervisor)
    code = totp_code(device)
    assert two_factor_verify(user=world.supervisor, code=code) == device
    # The same code cannot be replayed within its time step.
    with pytest.raises((ValidationError, ApplicationError)):
        two_factor_verify(user=world.supervisor, code=code)


def test_two_factor_verify_failure_is_audited_as_a_failed_sign_in(world, no_throttle):
    totp_device_for(world.supervisor)
    with pytest.raises(ValidationError):
        two_factor_verify(user=world.supervisor, code="000000x")
    event = AuditEvent.objects.filter(action="login_failed").first()
    assert event.actor_id == world.supervisor.pk
    assert event.detail["stage"] == "second_factor"


def test_two_factor_verify_is_throttled_after_a_wrong_code(world):
    device = totp_device_for(world.supervisor)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    with pytest.raises(ValidationError):
        two_factor_verify(user=world.supervisor, code=wrong)
    with pytest.raises(ApplicationError, match="Too many wrong codes"):
        two_factor_verify(user=world.supervisor, code=totp_code(device))


def test_backup_codes_each_work_once(world, no_throttle):
    totp_device_for(world.supervisor)
    codes = two_factor_backup_codes_create(user=world.supervisor)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert isinstance(two_factor_verify(user=world.supervisor, code=codes[0].upper()), StaticDevice)
    with pytest.raises(ValidationError, match="unused backup code"):
        two_factor_verify(user=world.supervisor, code=codes[0])


def test_new_backup_codes_replace_the_old_ones(world):
    totp_device_for(world.supervisor)
    old = two_factor_backup_codes_create(user=world.supervisor)
    new = two_factor_backup_codes_create(user=world.supervisor)
    stored = set(
        StaticToken.objects.filter(device__user=world.supervisor).values_list("token", flat=True)
    )
    assert stored == set(new) and not stored & set(old)


def test_a_user_can_turn_off_two_factor_they_chose(world):
    world.link_worker.require_two_factor = True
    world.link_worker.save()
    totp_device_for(world.link_worker)
    two_factor_disable(user=world.link_worker, actor=world.link_worker)
    world.link_worker.refresh_from_db()
    assert not world.link_worker.require_two_factor
    assert not TOTPDevice.objects.filter(user=world.link_worker).exists()


def test_a_supervisor_cannot_turn_off_two_factor(world):
    totp_device_for(world.supervisor)
    with pytest.raises(Forbidden, match="supervisor role"):
        two_factor_disable(user=world.supervisor, actor=world.supervisor)
    assert TOTPDevice.objects.filter(user=world.supervisor).exists()


def test_two_factor_cannot_be_turned_off_where_the_organisation_requires_it(world):
    org = world.service_team.organisation
    org.require_two_factor_for_all = True
    org.save()
    with pytest.raises(Forbidden, match="requires it for everyone"):
        two_factor_disable(user=world.link_worker, actor=world.link_worker)


def test_only_an_administrator_can_reset_someones_two_factor(world):
    totp_device_for(world.supervisor)
    with pytest.raises(Forbidden):
        two_factor_reset(user=world.supervisor, actor=world.link_worker)
    two_factor_reset(user=world.supervisor, actor=world.admin)
    assert not TOTPDevice.objects.filter(user=world.supervisor).exists()
