import pytest

from linkwell.accounts.selectors import (
    api_token_get_for_user,
    api_token_list_for_user,
    two_factor_status_for_user,
)
from linkwell.accounts.services import api_token_create, two_factor_backup_codes_create
from linkwell.accounts.tests.factories import totp_device_for
from linkwell.common.errors import NotFound


def test_token_list_is_my_tokens_newest_first(world):
    first, _ = api_token_create(user=world.link_worker, name="first", actor=None)
    second, _ = api_token_create(user=world.link_worker, name="second", actor=None)
    api_token_create(user=world.teammate, name="teammate's", actor=None)
    assert list(api_token_list_for_user(user=world.link_worker)) == [second, first]


def test_token_get_returns_my_token(world):
    token, _ = api_token_create(user=world.link_worker, name="x", actor=None)
    assert api_token_get_for_user(user=world.link_worker, token_uuid=str(token.uuid)) == token


@pytest.mark.parametrize("persona", ["teammate", "supervisor", "outsider", "admin"])
def test_someone_elses_token_is_not_found(world, persona):
    token, _ = api_token_create(user=world.link_worker, name="x", actor=None)
    with pytest.raises(NotFound):
        api_token_get_for_user(user=getattr(world, persona), token_uuid=token.uuid)


@pytest.mark.parametrize("value", ["nope", "", "6f1c1b1e-0000-4000-8000-000000000000"])
def test_a_malformed_or_unknown_token_id_is_not_found(world, value):
    with pytest.raises(NotFound):
        api_token_get_for_user(user=world.link_worker, token_uuid=value)


def test_two_factor_status_of_a_link_worker_who_has_not_chosen_it(world):
    status = two_factor_status_for_user(user=world.link_worker)
    assert not status.required and status.policy_reason is None
    assert not status.has_app and not status.can_turn_off


def test_two_factor_status_of_a_supervisor_says_why_it_cannot_be_turned_off(world):
    totp_device_for(world.supervisor)
    two_factor_backup_codes_create(user=world.supervisor)
    status = two_factor_status_for_user(user=world.supervisor)
    assert status.required and status.has_app and status.backup_codes_left == 10
    assert status.policy_reason == "it is required for the supervisor role"
    assert not status.can_turn_off


def test_two_factor_status_of_an_administrator(world):
    status = two_factor_status_for_user(user=world.admin)
    assert status.required and "administrator" in status.policy_reason
