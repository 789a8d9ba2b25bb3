"""Production settings fail loudly when something is missing and pass `check --deploy` when not;
the `linkwell` console script runs Django's commands."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
REQUIRED = [
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "EMAIL_BACKEND",
    "DEFAULT_FROM_EMAIL",
    "SMS_BACKEND",
    "PSEUDONYM_KEY",
    "PUBLIC_BASE_URL",
]


def _random(length: int) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LINKWELL_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": _random(60),
        "ALLOWED_HOSTS": "linkwell.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DEFAULT_FROM_EMAIL": "Linkwell <no-reply@linkwell.example.org>",
        # Any importable backend path will do here; the notification backends are tested there.
        "SMS_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "PSEUDONYM_KEY": _random(40),
        "PUBLIC_BASE_URL": "https://linkwell.example.org",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  # our own interpreter and module, fixed arguments
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _setup(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run(["-c", "import django; django.setup()"], env)


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = _setup(_production_env(tmp_path, SECRET_KEY=None))
    assert result.returncode != 0
    assert "The environment variable SECRET_KEY must be set." in result.stderr


@pytest.mark.parametrize("name", REQUIRED[1:])
def test_production_settings_name_each_missing_variable(tmp_path, name):
    result = _setup(_production_env(tmp_path, **{name: None}))
    assert result.returncode != 0
    assert "ImproperlyConfigured: " in result.stderr
    assert f"{name} must be set" in result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY must be a random value of at least 50"),
        (
            {"SECRET_KEY": "insecure-" + "x" * 60},
            "SECRET_KEY must be a random value of at least 50",
        ),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS must list the site's host names"),
        ({"PSEUDONYM_KEY": "short"}, "PSEUDONYM_KEY must be a random value of at least 32"),
        ({"DEBUG": "perhaps"}, "DEBUG must be true or false, not 'perhaps'."),
        (
            {"PUBLIC_BASE_URL": "http://linkwell.example.org"},
            "PUBLIC_BASE_URL must be the site's https:// address",
        ),
    ],
)
def test_production_settings_refuse_weak_values(tmp_path, overrides, message):
    result = _setup(_production_env(tmp_path, **overrides))
    assert result.returncode != 0
    assert message in result.stderr


def test_the_pseudonym_key_must_differ_from_the_secret_key(tmp_path):
    key = _random(60)
    result = _setup(_production_env(tmp_path, SECRET_KEY=key, PSEUDONYM_KEY=key))
    assert result.returncode != 0
    assert "different from SECRET_KEY" in result.stderr


def test_complete_production_settings_pass_the_deployment_checks(tmp_path):
    env = _production_env(tmp_path)
    result = _run(["-m", "linkwell", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_keeps_the_sqlite_settings_built_from_database_url(tmp_path):
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['NAME'], d['OPTIONS']['transaction_mode'], s.DEBUG)"
    )
    result = _run(["-c", script], _production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "linkwell.common.sqlite",
        str(tmp_path / "x.sqlite3"),
        "IMMEDIATE",
        "False",
    ]


def test_the_linkwell_console_script_runs_django_commands(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LINKWELL_VAR_DIR": str(tmp_path / "var"),
    }
    result = _run(["-m", "linkwell", "check"], env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_installed_linkwell_script_is_the_same_entry_point(tmp_path):
    script = Path(sys.executable).with_name("linkwell")
    assert script.exists(), "pip install -e . should have installed the linkwell script"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LINKWELL_VAR_DIR": str(tmp_path / "var"),
    }
    result = subprocess.run(  # noqa: S603  # the project's own console script
        [str(script), "help", "verify_audit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--since-id" in result.stdout


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's connection settings")
def test_sqlite_connections_are_set_up_for_a_busy_directory_and_front_door():
    """Every SQLite connection syncs at checkpoints only (WAL, synchronous NORMAL) and keeps a
    32 MiB page cache: a search reads its page of documents and services from all over the
    directory, and with SQLite's 2 MiB default each read went to the file again."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == -32768
