"""Issue 5 benchmark: group booking under concurrency, and a week of session reminders.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lw_bench_groups \\
        .venv/bin/python bench/bench_groups.py
    .venv/bin/python bench/bench_groups.py --database-url postgres://...lw_bench_groups \\
        --bookings 1000 --appointments 10000                      # a quicker run

What it does, in one run:
1. makes a fresh database (the PostgreSQL database named by --database-url or DATABASE_URL,
   dropped and re-created, so its name must contain "bench"; without one, SQLite in bench/out/)
   and migrates it;
2. booking: one group session with --capacity places, --bookings people with consent to support,
   and --clients worker processes, each with its own database connection, released together by a
   barrier and calling ``linkwell.groups.services.booking_create`` for its share of the people
   (the service locks the session row, so this measures how bookings queue on one session).
   Prints bookings/s and p50/p95/max latency, then checks that exactly --capacity are booked, the
   rest are waiting, every attempt has its row and none failed;
3. reminders: --appointments one-to-one session appointments (linkwell.sessions) spread over the
   working hours of one week, for people with a mix of contact preferences, consents and
   languages; then, in a fresh Python process, the reminder task
   (``linkwell.sessions.reminders.reminders_send_due``) is run as huey would run it, every 15
   minutes through that week, with the in-memory SMS and email backends. Prints the wall time,
   the busiest single run, and the peak RSS of that process (VmHWM from /proc, or
   ``resource.getrusage`` elsewhere), with its RSS before the week for comparison;
   --tracemalloc also reports the Python heap's peak (and slows the run). Checks every
   appointment ended with exactly one reminder row.

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
LONDON = ZoneInfo("Europe/London")
SMS = "linkwell.notifications.backends.LocmemBackend"
EMAIL = "linkwell.notifications.backends.LocmemEmailBackend"
TICK = dt.timedelta(minutes=15)  # how often huey runs the reminder task (sessions/tasks.py)


def fresh_database(url: str) -> tuple[str, str]:
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
    path = OUT / "bench_groups.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}", f"SQLite ({path.relative_to(ROOT)}, WAL)"


def setup_django(url: str) -> None:
    var = OUT / "var_groups"
    var.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEBUG="false",
        DATABASE_URL=url,
        LINKWELL_VAR_DIR=str(var),
        SMS_BACKEND=SMS,
    )
    import django

    django.setup()
    from django.conf import settings

    settings.SMS_BACKEND = SMS
    settings.PERSON_EMAIL_BACKEND = EMAIL


def rss_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process from /proc, in MB. Not ru_maxrss: Linux carries
    that across exec, so a child started from this (large) process would report the parent's."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def staff(username: str) -> tuple[Any, Any]:
    from linkwell.accounts.models import Organisation, OrganisationKind, Role, Team, User

    service = Organisation.objects.create(
        name="Bench Wellbeing Service", kind=OrganisationKind.SOCIAL_PRESCRIBING_SERVICE
    )
    team = Team.objects.create(organisation=service, name="Bench link workers")
    worker = User.objects.create_user(
        username=username, password=None, role=Role.LINK_WORKER, team=team, organisation=service
    )
    return team, worker


def people(
    count: int, rng: random.Random, languages: tuple[str, ...] = ("English",), **fields: Any
) -> list[Any]:
    from linkwell.people.models import Person

    rows = [
        Person(
            language=rng.choice(languages),
            given_name=rng.choice(["Sam", "Amir", "Bea", "Cal", "Nadia", "Ola", "Tom", "Jo"]),
            family_name=f"Bench{n}",
            date_of_birth=dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25_000)),
            postcode="LS6 1AB",
            **fields,
        )
        for n in range(count)
    ]
    return Person.objects.bulk_create(rows, batch_size=2000)


def consent(persons: list[Any], purpose: str) -> None:
    from django.utils import timezone

    from linkwell.people.models import Consent

    now = timezone.now()
    Consent.objects.bulk_create(
        [
            Consent(person=p, purpose=purpose, given=True, recorded_at=now, method="verbal")
            for p in persons
        ],
        batch_size=2000,
    )


# --- booking under concurrency ---------------------------------------------------------------


def book_worker(
    barrier: Any, results: Any, session_id: int, actor_id: int, person_ids: list[int]
) -> None:
    """One client: its own connection, its share of the people, one booking call each."""
    from django.db import connection

    from linkwell.accounts.models import User
    from linkwell.groups.models import GroupSession
    from linkwell.groups.services import booking_create
    from linkwell.people.models import Person

    connection.close()  # never share the parent's connection
    session = GroupSession.objects.get(pk=session_id)
    actor = User.objects.get(pk=actor_id)
    persons = list(Person.objects.filter(pk__in=person_ids))
    latencies: list[float] = []
    errors: list[str] = []
    barrier.wait()
    for person in persons:
        started = time.perf_counter()
        try:
            booking_create(session=session, person=person, actor=actor)
        except Exception as exc:  # noqa: BLE001  # counted and reported; the check fails the run
            errors.append(f"{type(exc).__name__}: {exc}")
        latencies.append((time.perf_counter() - started) * 1000)
    connection.close()
    results.put((latencies, errors))


def bench_booking(*, clients: int, bookings: int, capacity: int) -> bool:
    from django.db import connections
    from django.utils import timezone

    from linkwell.groups.models import Booking, GroupSession, Programme
    from linkwell.people.models import ConsentPurpose

    rng = random.Random(5)
    team, worker = staff("bench-groups")
    programme = Programme.objects.create(team=team, name="Managing worries, 4 weeks")
    session = GroupSession.objects.create(
        programme=programme,
        starts_at=timezone.now() + dt.timedelta(days=7),
        capacity=capacity,
        venue="Bench Community Centre",
    )
    persons = people(bookings, rng)
    consent(persons, ConsentPurpose.SUPPORT)
    ids = [p.pk for p in persons]
    shares = [ids[i::clients] for i in range(clients)]
    connections.close_all()

    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(clients + 1)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=book_worker, args=(barrier, results, session.pk, worker.pk, share))
        for share in shares
    ]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    latencies: list[float] = []
    errors: list[str] = []
    for _ in workers:
        got_latencies, got_errors = results.get()
        latencies += got_latencies
        errors += got_errors
    wall = time.perf_counter() - started
    for w in workers:
        w.join()

    booked = Booking.objects.filter(session=session, status="booked").count()
    waiting = Booking.objects.filter(session=session, status="waiting").count()
    rows = Booking.objects.filter(session=session).count()
    print(
        f"Booking: {bookings:,} bookings by {clients} concurrent clients (processes, one "
        f"connection each) for one session of {capacity} places"
    )
    print(
        f"  {bookings / wall:,.0f} bookings/s over {wall:.1f}s; latency p50 "
        f"{statistics.median(latencies):.1f} ms, p95 {pct(latencies, 95):.1f} ms, "
        f"max {max(latencies):.1f} ms"
    )
    ok = booked == capacity and waiting == bookings - capacity and rows == bookings and not errors
    print(
        f"  check: booked {booked} (capacity {capacity}), waiting {waiting} "
        f"(expected {bookings - capacity}), rows {rows} of {bookings} attempts, "
        f"errors {len(errors)}: {'OK' if ok else 'FAILED'}"
    )
    for error in sorted(set(errors))[:5]:
        print(f"    {error}")
    return ok


# --- a week of reminders ---------------------------------------------------------------------


def week_start() -> dt.datetime:
    """Monday 00:00 (London) a fortnight ahead: appointments in the future, consent in force."""
    today = dt.datetime.now(LONDON).date()
    monday = today + dt.timedelta(days=14 - today.weekday())
    return dt.datetime(monday.year, monday.month, monday.day, tzinfo=LONDON)


def load_appointments(count: int) -> None:
    from linkwell.cases.models import Episode, EpisodeStatus
    from linkwell.people.models import ConsentPurpose, ContactMethod
    from linkwell.sessions.models import Appointment

    rng = random.Random(7)
    team, worker = staff("bench-reminders")
    start = week_start()
    started = time.perf_counter()
    # Contact preferences: most by text, some by email, some without consent to be contacted,
    # some who prefer a phone call (no reminder by text or email).
    mix = [
        (ContactMethod.SMS, True, 0.60),
        (ContactMethod.EMAIL, True, 0.25),
        (ContactMethod.SMS, False, 0.10),
        (ContactMethod.PHONE, False, 0.05),
    ]
    languages = ("English",) * 17 + ("Welsh", "Polish", "Urdu")
    slots = [
        start + dt.timedelta(days=d, hours=h, minutes=m)
        for d in range(7)
        for h in range(9, 17)
        for m in (0, 15, 30, 45)
    ]
    made = 0
    for method, consents, share in mix:
        n = round(count * share) if method != ContactMethod.PHONE else count - made
        made += n
        persons = people(
            n,
            rng,
            preferred_contact_method=method,
            phone="07700 900123",
            email="bench@example.org",
            languages=languages,
        )
        if consents:
            purpose = (
                ConsentPurpose.CONTACT_SMS
                if method == ContactMethod.SMS
                else ConsentPurpose.CONTACT_EMAIL
            )
            consent(persons, purpose)
        episodes = Episode.objects.bulk_create(
            [
                Episode(
                    person=p,
                    number=1,
                    team=team,
                    link_worker=worker,
                    status=EpisodeStatus.ACTIVE,
                    opened_at=start - dt.timedelta(days=30),
                )
                for p in persons
            ],
            batch_size=2000,
        )
        Appointment.objects.bulk_create(
            [
                Appointment(
                    episode=e,
                    link_worker=worker,
                    starts_at=rng.choice(slots),
                    mode=rng.choice(["telephone", "face_to_face", "home_visit", "video"]),
                )
                for e in episodes
            ],
            batch_size=2000,
        )
    print(
        f"Reminders: loaded {count:,} appointments over the week of {start:%d %b %Y} "
        f"in {time.perf_counter() - started:.1f}s"
    )


def run_week(trace: bool) -> dict[str, Any]:
    """The reminder task every 15 minutes through the week (in its own process)."""
    import tracemalloc

    from linkwell.notifications.backends import LocmemBackend, LocmemEmailBackend
    from linkwell.sessions.reminders import reminders_send_due

    rss_before = rss_mb("VmRSS")
    if trace:
        tracemalloc.start()
    start = week_start()
    totals: dict[str, int] = {}
    messages = {"sms": 0, "email": 0}
    slowest = 0.0
    runs = 0
    began = time.perf_counter()
    moment = start
    while moment < start + dt.timedelta(days=7):
        t0 = time.perf_counter()
        counts = reminders_send_due(now=moment)
        slowest = max(slowest, time.perf_counter() - t0)
        runs += 1
        for key, n in counts.items():
            totals[key] = totals.get(key, 0) + n
        # Sent messages leave the process in production; the in-memory outboxes are emptied
        # after each run so they do not count as the task's memory.
        messages["sms"] += len(LocmemBackend.outbox)
        messages["email"] += len(LocmemEmailBackend.outbox)
        LocmemBackend.outbox.clear()
        LocmemEmailBackend.outbox.clear()
        moment += TICK
    wall = time.perf_counter() - began
    heap_peak = tracemalloc.get_traced_memory()[1] / 1e6 if trace else None
    return {
        "wall": wall,
        "runs": runs,
        "slowest": slowest,
        "totals": totals,
        "messages": messages,
        "rss_before": rss_before,
        "rss_peak": rss_mb("VmHWM"),
        "heap_peak": heap_peak,
    }


def bench_reminders(*, url: str, count: int, trace: bool) -> bool:
    from linkwell.sessions.models import AppointmentReminder

    load_appointments(count)
    command = [sys.executable, __file__, "--database-url", url, "--week-only"]
    if trace:
        command.append("--tracemalloc")
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        print(done.stderr)
        return False
    result = json.loads(done.stdout.strip().splitlines()[-1])
    totals = result["totals"]
    rows = AppointmentReminder.objects.count()
    print(
        f"  week run: {result['runs']} task runs every 15 minutes in {result['wall']:.1f}s wall "
        f"({count / result['wall']:,.0f} appointments/s); busiest run {result['slowest']:.1f}s"
    )
    print(
        f"  sent {totals.get('sent', 0):,} (texts {result['messages']['sms']:,}, emails "
        f"{result['messages']['email']:,}), not sent {totals.get('skipped', 0):,} (no consent or "
        f"no text/email preference), failed {totals.get('failed', 0)}"
    )
    heap = (
        f"; Python heap peak {result['heap_peak']:.1f} MB (tracemalloc)"
        if result["heap_peak"] is not None
        else ""
    )
    print(
        f"  peak RSS {result['rss_peak']:.0f} MB (the process before the week: "
        f"{result['rss_before']:.0f} MB){heap}"
    )
    ok = rows == count and totals.get("sent", 0) + totals.get("skipped", 0) == count
    print(f"  check: {rows:,} reminder rows for {count:,} appointments: {'OK' if ok else 'FAILED'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--capacity", type=int, default=12)
    parser.add_argument("--appointments", type=int, default=50_000)
    parser.add_argument("--tracemalloc", action="store_true", help="also trace the Python heap")
    parser.add_argument("--skip-booking", action="store_true")
    parser.add_argument("--skip-reminders", action="store_true")
    parser.add_argument("--week-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.week_only:  # the child process of bench_reminders, on the loaded database
        setup_django(args.database_url)
        print(json.dumps(run_week(args.tracemalloc)))
        return

    url, label = fresh_database(args.database_url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    load = os.getloadavg()
    print(f"Database: {label}; {os.cpu_count()} CPUs, load average {load[0]:.2f} at start")
    ok = True
    if not args.skip_booking:
        ok &= bench_booking(clients=args.clients, bookings=args.bookings, capacity=args.capacity)
    if not args.skip_reminders:
        ok &= bench_reminders(url=url, count=args.appointments, trace=args.tracemalloc)
    print(f"Load average at the end: {os.getloadavg()[0]:.2f}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
