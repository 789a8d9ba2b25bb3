"""linkwell create_api_token --user USERNAME [--name NAME]: print a new API token, once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from linkwell.accounts.models import User
from linkwell.accounts.services import api_token_create
from linkwell.common.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print it once. Only a hash is stored, so it cannot be "
        "shown again; system clients send it as 'Authorization: Bearer <token>'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the username the token acts as")
        parser.add_argument("--name", help="what the token is for (default: a dated label)")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["user"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user called {username!r}.")
        if not user.is_active:
            raise CommandError(f"The user {username!r} is inactive; activate them first.")
        name = options["name"] or f"Command line {timezone.localtime():%Y-%m-%d %H:%M}"
        try:
            token, raw = api_token_create(user=user, name=name, actor=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        # The token alone on stdout so scripts can capture it; the explanation goes to stderr.
        self.stdout.write(raw)
        self.stderr.write(
            f"Created token {token.name!r} ({token.prefix}…) for {user.username}. "
            "Copy it now: it will not be shown again."
        )
