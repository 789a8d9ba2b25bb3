from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from linkwell.accounts.models import ApiToken
from linkwell.audit.models import AuditEvent


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_api_token_prints_a_working_token_once(world):
    raw, note = _run("--user", "lw", "--name", "GP system")
    assert raw.startswith("lw_") and "\n" not in raw
    assert "will not be shown again" in note and raw not in note
    token = ApiToken.objects.get(user=world.link_worker)
    assert token.name == "GP system" and token.key_hash == ApiToken.hash_key(raw)
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.json()["username"] == "lw"
    assert AuditEvent.objects.filter(object_type="ApiToken", action="create").exists()


def test_create_api_token_names_the_token_when_no_name_is_given(world):
    _run("--user", "lw")
    assert ApiToken.objects.get().name.startswith("Command line ")


def test_create_api_token_for_an_unknown_user_fails_clearly(db):
    with pytest.raises(CommandError, match="There is no user called 'ghost'"):
        _run("--user", "ghost")
    assert not ApiToken.objects.exists()


def test_create_api_token_for_an_inactive_user_fails_clearly(world):
    world.teammate.is_active = False
    world.teammate.save()
    with pytest.raises(CommandError, match="inactive"):
        _run("--user", "mate")
    assert not ApiToken.objects.exists()


def test_create_api_token_exits_non_zero_from_the_command_line(db, monkeypatch):
    from linkwell.accounts.management.commands.create_api_token import Command

    command = Command(stdout=StringIO(), stderr=StringIO())
    with pytest.raises(SystemExit) as exc:
        command.run_from_argv(["linkwell", "create_api_token", "--user", "ghost"])
    assert exc.value.code == 1


def test_create_api_token_requires_the_user_option(db):
    with pytest.raises(CommandError, match="--user"):
        _run()
