"""Issue 5 benchmark: the caseload's views and the revolving-door flag for a busy team.

    .venv/bin/python bench/bench_caseload.py                       # SQLite in bench/out/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lw_bench_caseload \\
        .venv/bin/python bench/bench_caseload.py                   # PostgreSQL
    .venv/bin/python bench/bench_caseload.py --people 5000         # quicker

It makes a fresh database (bench/out/bench_caseload.sqlite3, or the PostgreSQL database named in
DATABASE_URL, dropped and re-created: its name must contain "bench"), bulk-loads one team of 20
link workers and a supervisor, people with one to four episodes over three years (each with a
"what matters to you" conversation and its needs), sessions past and booked, group bookings and
requests for more sessions. Then it requests every caseload page (and the API's waiting list) as
the supervisor (the whole team) and as one link worker, three times each, and prints the best time
and the number of queries; and times the Activity report's revolving-door sections.
Target: every page <= 1 s for the whole team, with the same number of queries for a link worker
as for the team. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

NEEDS = ["money"] * 5 + ["housing"] * 4 + ["loneliness"] * 3 + ["employment"] * 2 + ["food"]


def fresh_database() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parsed = urlparse(url)
        name = parsed.path.lstrip("/")
        if "bench" not in name:
            sys.exit(f"Refusing to drop {name!r}: the database name must contain 'bench'.")
        admin = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return url, f"PostgreSQL ({name})"
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "bench_caseload.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}", f"SQLite ({path.relative_to(ROOT)}, WAL)"


def load(n_people: int, rng: random.Random) -> None:
    from django.db import transaction
    from django.utils import timezone

    from linkwell.accounts.models import Organisation, Role, Team, User
    from linkwell.cases.models import Episode
    from linkwell.conversations.models import Conversation
    from linkwell.groups.models import Booking, GroupSession, Programme
    from linkwell.people.models import Person
    from linkwell.sessions.models import AllowanceExtension, Appointment

    now = timezone.now()
    org = Organisation.objects.create(name="Bench service", kind="social_prescribing_service")
    team = Team.objects.create(organisation=org, name="Bench team")
    User.objects.create(username="bench-supervisor", role=Role.SUPERVISOR, team=team)
    workers = [
        User.objects.create(username=f"bench-lw{i}", role=Role.LINK_WORKER, team=team)
        for i in range(20)
    ]
    programme = Programme.objects.create(team=team, name="Managing worries")
    groups = [
        GroupSession.objects.create(
            programme=programme, starts_at=now + dt.timedelta(days=d, hours=2), capacity=15
        )
        for d in range(7)
    ]
    batch = 5_000
    with transaction.atomic():
        for start in range(0, n_people, batch):
            size = min(batch, n_people - start)
            Person.objects.bulk_create(
                [Person(given_name="Sam", family_name=f"Bench{start + i}") for i in range(size)]
            )
            people = list(Person.objects.order_by("-id")[:size])
            episodes: list[Episode] = []
            for person in people:
                count = rng.choices([1, 2, 3, 4], weights=[60, 25, 10, 5])[0]
                opened = sorted(now - dt.timedelta(days=rng.randrange(1095)) for _ in range(count))
                still_open = rng.random() < 0.25
                for number, at in enumerate(opened, start=1):
                    last = number == count
                    is_open = last and still_open
                    episodes.append(
                        Episode(
                            person=person,
                            number=number,
                            team=team,
                            link_worker=rng.choice(workers),
                            status=rng.choice(["open", "active"]) if is_open else "closed",
                            discharge_reason="" if is_open else "goals_met",
                            opened_at=at,
                            first_contact_at=None
                            if is_open and rng.random() < 0.3
                            else at + dt.timedelta(days=rng.randrange(1, 20)),
                            closed_at=None if is_open else at + dt.timedelta(days=90),
                        )
                    )
            Episode.objects.bulk_create(episodes)
            saved = list(Episode.objects.filter(person__in=people).select_related("link_worker"))
            Conversation.objects.bulk_create(
                Conversation(
                    episode=e,
                    version=1,
                    needs=[
                        {"code": code, "priority": 1, "own_words": ""}
                        for code in set(rng.sample(NEEDS, rng.randrange(1, 4)))
                    ],
                )
                for e in saved
            )
            open_ones = [e for e in saved if e.status != "closed"]
            appointments = []
            for e in open_ones:
                for _ in range(rng.randrange(0, 4)):
                    appointments.append(
                        Appointment(
                            episode=e,
                            link_worker=e.link_worker,
                            starts_at=now - dt.timedelta(days=rng.randrange(1, 40)),
                            mode="telephone",
                            outcome=rng.choice(["attended", "attended", "did_not_attend"]),
                            outcome_reason="Unwell",
                        )
                    )
                if rng.random() < 0.5:
                    appointments.append(
                        Appointment(
                            episode=e,
                            link_worker=e.link_worker,
                            starts_at=now + dt.timedelta(days=rng.randrange(0, 10), hours=3),
                            mode="telephone",
                        )
                    )
            Appointment.objects.bulk_create(appointments)
            Booking.objects.bulk_create(
                Booking(
                    session=rng.choice(groups),
                    person_id=e.person_id,
                    status="booked",
                    booked_at=now,
                )
                for e in open_ones
                if rng.random() < 0.1
            )
            AllowanceExtension.objects.bulk_create(
                AllowanceExtension(
                    episode=e,
                    extra_sessions=2,
                    reason="More time for the housing appeal",
                    requested_by=e.link_worker,
                    requested_at=now,
                )
                for e in open_ones
                if rng.random() < 0.05
            )


def best_of(fn: Callable[[], object], times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    args = parser.parse_args()
    url, label = fresh_database()
    var = OUT / "var_caseload"
    var.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEBUG="false",
        DATABASE_URL=url,
        LINKWELL_VAR_DIR=str(var),
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_otp.plugins.otp_static.models import StaticDevice

    from linkwell.accounts.models import User
    from linkwell.cases.models import Episode
    from linkwell.cases.selectors import caseload_for_user
    from linkwell.reports.selectors.revolving import revolving_door_sections
    from linkwell.reports.selectors.scope import ReportFilters, report_scope

    call_command("migrate", verbosity=0)
    print(f"Database: {label}")
    started = time.perf_counter()
    load(args.people, random.Random(5))
    with connection.cursor() as c:
        c.execute("ANALYZE")
    print(f"Loaded in {time.perf_counter() - started:.1f}s")
    supervisor = User.objects.get(username="bench-supervisor")
    worker = User.objects.get(username="bench-lw0")
    print(
        f"{Episode.objects.count():,} episodes of {args.people:,} people; "
        f"{caseload_for_user(user=supervisor).count():,} open for the team, "
        f"{caseload_for_user(user=worker).count():,} for one link worker; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    pages = [
        ("caseload", "/cases/"),
        ("waiting", "/cases/waiting/"),
        ("overdue", "/cases/overdue/"),
        ("upcoming", "/cases/upcoming/"),
        ("extensions", "/cases/extensions/"),
        ("api waiting", "/api/v1/episodes/caseload/waiting"),
    ]
    print(f"{'page':<12} {'who':<12} {'best s':>7} {'queries':>8}  target <= 1 s")
    for who, user in (("team", supervisor), ("link worker", worker)):
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        device, _ = StaticDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        for name, path in pages:

            def fetch(path: str = path, client: Client = client) -> None:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            fetch()
            queries: list[str] = []

            def count(execute, sql, params, many, context, queries=queries):  # type: ignore[no-untyped-def]  # Django's wrapper signature
                queries.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                fetch()
            seconds = best_of(fetch)
            print(f"{name:<12} {who:<12} {seconds:>7.3f} {len(queries):>8}")
    scope = report_scope(supervisor)
    seconds = best_of(lambda: revolving_door_sections(scope, ReportFilters()))
    sections = revolving_door_sections(scope, ReportFilters())
    print(
        f"Activity report, revolving door over the team: {seconds:.3f} s; "
        f"{sections[0].rows[0][1]:,} people flagged; top needs "
        + ", ".join(f"{r[0]} {r[1]}" for r in sections[1].rows[:3])
    )


if __name__ == "__main__":
    main()
