"""``linkwell load_demo``: fill an empty database with the fictional Northside area."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from linkwell.common.demo import (
    DEFAULT_PEOPLE,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DatabaseNotEmpty,
    DemoAlreadyLoaded,
    DemoContext,
    DemoLogin,
    Progress,
    demo_logins_from_database,
    demo_state,
    discover_builders,
    load_demo,
)

RESET_REFUSAL = (
    "--reset cannot remove the demo: the audit log is append-only and tamper-evident, so Linkwell "
    "never deletes its rows, and everything else the demo made is referenced from it. To start "
    "again, stop the server and delete the database: {where}. Then run `linkwell migrate` and "
    "`linkwell load_demo`."
)


def _where_the_database_is() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"] == settings.SQLITE_ENGINE:
        return f"remove the file {db['NAME']} (and its -wal and -shm files)"
    return f"drop and re-create the PostgreSQL database {db['NAME']!r}"


class Command(BaseCommand):
    help = (
        "Load the demo: a fictional social prescribing service with its referrers, community "
        "providers, people and referrals, and the demo logins. Only into an empty database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people",
            type=int,
            default=DEFAULT_PEOPLE,
            help=f"How many people to make (default {DEFAULT_PEOPLE}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="Seed for the random choices: the same seed makes the same area.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Start again. The audit log cannot be deleted, so this only explains how.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        people: int = options["people"]
        if people < 1:
            raise CommandError("--people must be at least 1.")
        state = demo_state()
        if options["reset"] and state != "empty":
            raise CommandError(RESET_REFUSAL.format(where=_where_the_database_is()))
        if state == "demo":
            # Not an error: `make demo` runs this every time before it serves.
            self.stdout.write(
                self.style.WARNING(
                    "The demo is already loaded in this database; nothing was added. "
                    "(To start again: linkwell load_demo --reset explains how.)"
                )
            )
            self._print_logins(demo_logins_from_database())
            return
        builders = discover_builders()
        started = time.monotonic()
        try:
            ctx = load_demo(
                people=people,
                seed=options["seed"],
                progress=self._progress,
                builders=builders,
            )
        except DemoAlreadyLoaded as exc:  # another process loaded it a moment ago
            raise CommandError(str(exc)) from exc
        except DatabaseNotEmpty as exc:
            raise CommandError(
                f"{exc} The demo is only loaded into an empty database, never mixed with real "
                "data. Point DATABASE_URL at a new database and run `linkwell migrate` first."
            ) from exc
        elapsed = time.monotonic() - started
        self._print_summary(ctx, elapsed, [b.app_label for b in builders])
        self._print_logins(ctx.logins)

    @contextmanager
    def _progress(self, label: str, total: int) -> Iterator[Progress]:
        verbosity = self.verbosity if hasattr(self, "verbosity") else 1
        with tqdm(
            total=total,
            desc=f"{label:<28}",
            unit="",
            file=getattr(self.stderr, "_out", sys.stderr),
            disable=verbosity == 0,
            leave=True,
            dynamic_ncols=True,
            mininterval=0.5,
        ) as bar:
            yield bar

    def execute(self, *args: Any, **options: Any) -> Any:
        self.verbosity = options.get("verbosity", 1)
        return super().execute(*args, **options)

    def _print_summary(self, ctx: DemoContext, elapsed: float, apps: list[str]) -> None:
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"Demo loaded in {elapsed:.1f} s ({', '.join(apps)}).")
        )
        # Sorted, so "referrals from ..." and "referrals now ..." read as groups.
        for what, n in sorted(ctx.counts.items()):
            self.stdout.write(f"  {what:<44} {n:>6}")

    def _print_logins(self, logins: list[DemoLogin]) -> None:
        out = self.stdout
        out.write("")
        port = os.environ.get("PORT", "8000")
        out.write(f"Open http://127.0.0.1:{port}/ and sign in as:")
        out.write("")
        for login in logins:
            out.write(f"  {login.username:<14} {login.role_label:<14} {login.description}")
        out.write("")
        out.write(f"Every demo login has the password:  {DEMO_PASSWORD}")
        with_codes = [login for login in logins if login.backup_codes]
        if with_codes:
            out.write("")
            out.write(
                "Supervisors and administrators need a second factor. Instead of setting up an "
                "authenticator app,"
            )
            out.write("they can type one of these single-use backup codes when asked for a code:")
            for login in with_codes:
                codes = "  ".join(login.backup_codes) or "(all used: set up an authenticator app)"
                out.write(f"  {login.username:<14} {codes}")
        out.write("")
        out.write(
            "All people, organisations, phone numbers and addresses in the demo are fictional."
        )
