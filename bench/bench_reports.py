"""Issue 6 benchmark: the Activity, Equity and Outcomes reports and the commissioner extract over
200,000 episodes and 1,000,000 questionnaire responses, each beside one raw SQL aggregate over
the same rows, in the same run.

    .venv/bin/python bench/bench_reports.py                        # SQLite in bench/out/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lw_repbench \
        .venv/bin/python bench/bench_reports.py                    # PostgreSQL
    .venv/bin/python bench/bench_reports.py --reuse                # time again, no reload
    .venv/bin/python bench/bench_reports.py --episodes 20000 --responses 100000   # quicker

Without --reuse it makes a fresh database (bench/out/bench_reports_<episodes>.sqlite3, or the
PostgreSQL database named in DATABASE_URL, dropped and re-created: its name must contain
"bench"), bulk-loads people, referrals, episodes in 10 teams of 5 services, SWEMWBS/PHQ-9/GAD-7
responses (summarised as the outcomes migration does), evaluation consents (some withdrawn),
onward connections (one service meets the employment need) and group sessions with bookings.
Then it times each report as a commissioner (every team, suppression on) three times and the raw
aggregate three times, and prints the best of each, the number of queries per report and the
load average. Targets: report <= 5 s and <= 3x the raw query. The extract is printed twice:
beside the GROUP BY it has always been compared with, and ("extract*") beside one raw query
that reads the same episode rows. --no-jit turns PostgreSQL's JIT off for the session (raw and
reports alike). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import random
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))


def sqlite_path(episodes: int) -> Path:
    return OUT / f"bench_reports_{episodes}.sqlite3"


def fresh_database(episodes: int) -> tuple[str, str]:
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
    path = sqlite_path(episodes)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}", f"SQLite ({path.relative_to(ROOT)}, WAL)"


def existing_database(episodes: int) -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url, f"PostgreSQL ({urlparse(url).path.lstrip('/')}, reused)"
    path = sqlite_path(episodes)
    if not path.exists():
        sys.exit(f"No database to reuse at {path}: run once without --reuse.")
    return f"sqlite:///{path}", f"SQLite ({path.relative_to(ROOT)}, WAL, reused)"


def load(n_episodes: int, n_responses: int, rng: random.Random) -> None:
    from django.db import transaction
    from django.utils import timezone

    from linkwell.accounts.models import Organisation, Team
    from linkwell.cases.models import Episode
    from linkwell.people.models import Person
    from linkwell.referrals.models import Referral, ReferralSource

    now = timezone.now()
    sources = [s for s, _ in ReferralSource.choices]
    ethnic = list("AAAAAAABCDEFGHJKLMNPRSZ") + ["99"]
    sexes = ["female", "female", "male", "male", "unknown"]
    orgs = [Organisation(name=f"Service {i}", kind="social_prescribing_service") for i in range(5)]
    Organisation.objects.bulk_create(orgs)
    orgs = list(Organisation.objects.all())
    teams = [Team(organisation=orgs[i % 5], name=f"Team {i}") for i in range(10)]
    Team.objects.bulk_create(teams)
    teams = list(Team.objects.all())
    batch = 10_000
    services = directory_services()
    # Referrals spread over two years: created_at is auto_now_add, lifted while loading.
    created_field = Referral._meta.get_field("created_at")
    created_field.auto_now_add = False  # type: ignore[attr-defined]
    per_episode = max(1, n_responses // n_episodes)
    with transaction.atomic():
        for start in range(0, n_episodes, batch):
            size = min(batch, n_episodes - start)
            people = [
                Person(
                    given_name="Sam",
                    family_name=f"Bench{start + i}",
                    date_of_birth=dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25000)),
                    ethnic_category=rng.choice(ethnic),
                    sex=rng.choice(sexes),
                    deprivation_decile=rng.choice([None, *range(1, 11)]),
                )
                for i in range(size)
            ]
            Person.objects.bulk_create(people)
            people = list(Person.objects.order_by("-id")[:size])
            referrals = []
            opened = []
            for i, p in enumerate(people):
                created = now - dt.timedelta(days=rng.randrange(730), minutes=rng.randrange(1440))
                opened.append(created)
                referrals.append(
                    Referral(
                        reference=f"LW-B{start + i:07d}",
                        person=p,
                        source=rng.choice(sources),
                        team=teams[(start + i) % 10],
                        reason="Bench referral.",
                        status="accepted",
                    )
                )
            for r, created in zip(referrals, opened, strict=True):
                r.created_at = created
            Referral.objects.bulk_create(referrals)
            refs = list(Referral.objects.order_by("-id")[:size])
            ref_by_person = {r.person_id: r for r in refs}
            episodes = []
            for p, created in zip(people, opened, strict=True):
                r = ref_by_person[p.pk]
                contact = created + dt.timedelta(days=rng.randrange(1, 30))
                closed = rng.random() < 0.6
                episodes.append(
                    Episode(
                        person=p,
                        number=1,
                        referral=r,
                        team_id=r.team_id,
                        status="closed" if closed else "active",
                        opened_at=created,
                        first_contact_at=contact,
                        closed_at=contact + dt.timedelta(days=60) if closed else None,
                        discharge_reason=rng.choice(["goals_met", "connected", "no_contact"])
                        if closed
                        else "",
                    )
                )
            Episode.objects.bulk_create(episodes)
            eps = list(Episode.objects.order_by("-id")[:size])
            insert_responses(eps, per_episode, rng)
            insert_consents_and_connections(eps, services, rng)
            print(f"  loaded {start + size:,} episodes", flush=True)
        load_groups(rng)


def directory_services() -> list[tuple[uuid.UUID, str]]:
    """Three directory services, one of them an employment advice service."""
    from linkwell.directory.models import Service, ServiceNeed

    out = []
    for name, need in (
        ("Work Well employment advisers", "employment"),
        ("Debt advice line", "money"),
        ("Walking for health", "physical_activity"),
    ):
        service = Service.objects.create(id=uuid.uuid4(), name=name, status="active")
        ServiceNeed.objects.create(service=service, need=need)
        out.append((service.id, name))
    return out


def insert_consents_and_connections(episodes, services, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Evaluation consent for most people (some withdrawn later) and onward connections for
    about a third of episodes, so the extract and the cohort comparison have work to do."""
    from linkwell.connections.models import Connection
    from linkwell.people.models import Consent

    consents = []
    connections = []
    for e in episodes:
        if rng.random() < 0.85:
            consents.append(
                Consent(
                    person_id=e.person_id,
                    purpose="evaluation",
                    given=True,
                    recorded_at=e.opened_at,
                    method="verbal",
                )
            )
            if rng.random() < 0.05:
                consents.append(
                    Consent(
                        person_id=e.person_id,
                        purpose="evaluation",
                        given=False,
                        recorded_at=e.opened_at + dt.timedelta(days=3),
                        method="written",
                    )
                )
        if rng.random() < 0.35:
            service_id, name = rng.choice(services)
            connections.append(
                Connection(
                    episode_id=e.pk,
                    service_id=service_id,
                    service_name=name,
                    status=rng.choice(["requested", "in-progress", "completed", "rejected"]),
                )
            )
    Consent.objects.bulk_create(consents)
    Connection.objects.bulk_create(connections)


def load_groups(rng: random.Random) -> None:
    """Two programmes per team, 50 sessions each, bookings up to and past capacity."""
    from django.utils import timezone

    from linkwell.accounts.models import Team
    from linkwell.groups.models import Booking, GroupSession, Programme
    from linkwell.people.models import Person

    now = timezone.now()
    person_ids = list(Person.objects.values_list("id", flat=True)[:5000])
    bookings = []
    for team in Team.objects.all():
        for name in ("Managing worries", "Walking group"):
            programme = Programme.objects.create(team=team, name=name)
            sessions = GroupSession.objects.bulk_create(
                GroupSession(
                    programme=programme,
                    starts_at=now - dt.timedelta(days=7 * k - 100),
                    capacity=12,
                )
                for k in range(50)
            )
            for session in GroupSession.objects.filter(programme=programme):
                for i, pid in enumerate(rng.sample(person_ids, rng.randrange(4, 18))):
                    status = "booked" if i < 12 else "waiting"
                    if rng.random() < 0.1:
                        status = "cancelled"
                    bookings.append(
                        Booking(session=session, person_id=pid, status=status, booked_at=now)
                    )
            del sessions
    Booking.objects.bulk_create(bookings, batch_size=5000)


def insert_responses(episodes, per_episode: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Raw executemany: the ORM's bulk_create spends most of its time preparing values."""
    import json

    from django.db import connection
    from django.utils import timezone

    ops = connection.ops
    pg = connection.vendor == "postgresql"
    js = "%s::jsonb" if pg else "%s"
    sql = (
        "INSERT INTO outcomes_questionnaireresponse (uuid, created_at, updated_at, episode_id, "
        "instrument_code, occasion, answers, complete, total, metric, bands, severity, flags, "
        "completed_at, self_completed) VALUES (%s, %s, %s, %s, %s, %s, JS, %s, %s, %s, JS, "
        "%s, JS, %s, %s)"
    ).replace("JS", js)
    now = ops.adapt_datetimefield_value(timezone.now())
    rows = []
    for e in episodes:
        base = rng.randint(10, 30)
        for k in range(per_episode):
            code = ("swemwbs", "phq9", "gad7", "swemwbs", "swemwbs")[k % 5]
            score = base + rng.randint(-3, 6) * (k // 5 + 1)
            swemwbs = code == "swemwbs"
            rows.append(
                (
                    str(uuid.uuid4()) if pg else uuid.uuid4().hex,
                    now,
                    now,
                    e.pk,
                    code,
                    "adhoc",
                    "[]",
                    True,
                    None if swemwbs else max(0, min(27, score - 5)),
                    ops.adapt_decimalfield_value(Decimal(min(35, max(7, score))), 6, 2)
                    if swemwbs
                    else None,
                    json.dumps({}),
                    "",
                    "[]",
                    ops.adapt_datetimefield_value(e.opened_at + dt.timedelta(days=7 * k)),
                    True,
                )
            )
    with connection.cursor() as c:
        for i in range(0, len(rows), 5000):
            c.executemany(sql, rows[i : i + 5000])


RAW = {
    "activity": (
        "SELECT r.source, COUNT(*) FROM referrals_referral r GROUP BY r.source",
        "Referrals counted by source (one GROUP BY)",
    ),
    "equity": (
        "SELECT p.ethnic_category, p.sex, COUNT(DISTINCT p.id) FROM cases_episode e "
        "JOIN people_person p ON p.id = e.person_id GROUP BY p.ethnic_category, p.sex",
        "Distinct people by ethnicity and sex (one join, GROUP BY)",
    ),
    "outcomes": (
        "SELECT q.instrument_code, COUNT(*), AVG(COALESCE(q.metric, q.total)) "
        "FROM outcomes_questionnaireresponse q JOIN cases_episode e ON e.id = q.episode_id "
        "WHERE q.complete GROUP BY q.instrument_code",
        "Mean score per measure over every response (one join, GROUP BY)",
    ),
}
RAW["extract"] = RAW["equity"]
# The extract returns one row per episode, which no GROUP BY does; it is shown a second time
# beside one raw query that reads the same rows (same joins, the consent rule, no Python).
EXTRACT_ROWS = (
    "SELECT e.id, e.number, e.status, e.discharge_reason, e.first_contact_at, p.uuid, "
    "p.ethnic_category, p.sex, p.deprivation_decile, p.date_of_birth, o.name, r.source, "
    "r.created_at FROM cases_episode e JOIN people_person p ON p.id = e.person_id "
    "JOIN accounts_team t ON t.id = e.team_id JOIN accounts_organisation o "
    "ON o.id = t.organisation_id LEFT JOIN referrals_referral r ON r.id = e.referral_id "
    "WHERE (SELECT c.given FROM people_consent c WHERE c.person_id = e.person_id "
    "AND c.purpose = 'evaluation' ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1) = TRUE "
    "ORDER BY e.id",
    "The extract's episode rows, consent rule included (one query, no scores)",
)


def best_of(fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=200_000)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database of an earlier run (its size) instead of loading a new one",
    )
    parser.add_argument("--load-only", action="store_true", help="load, then stop")
    parser.add_argument(
        "--no-jit",
        action="store_true",
        help="PostgreSQL: SET jit = off for the session (raw queries and reports alike)",
    )
    parser.add_argument(
        "--only", default="", help="comma-separated reports to time (activity,equity,...)"
    )
    args = parser.parse_args()
    url, label = existing_database(args.episodes) if args.reuse else fresh_database(args.episodes)
    var = OUT / "var_reports"
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

    call_command("migrate", verbosity=0)
    print(f"Database: {label}")
    from linkwell.accounts.models import Role, User
    from linkwell.cases.models import Episode
    from linkwell.outcomes.models import QuestionnaireResponse
    from linkwell.reports import selectors

    if not args.reuse:
        started = time.perf_counter()
        load(args.episodes, args.responses, random.Random(6))
        # The responses were inserted in bulk, around response_record: summarise them the way
        # the migration that introduced the summaries does.
        backfill = importlib.import_module(
            "linkwell.outcomes.migrations.0003_measure_summary_backfill"
        )
        with connection.cursor() as c:
            c.execute(backfill.BACKFILL)
            c.execute("ANALYZE")
        print(f"Loaded in {time.perf_counter() - started:.1f}s")
    print(
        f"{Episode.objects.count():,} episodes, {QuestionnaireResponse.objects.count():,} "
        f"responses; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} CPUs"
    )
    if args.load_only:
        return
    if args.no_jit and connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SET jit = off")
        print("PostgreSQL JIT compilation off for this session")
    user, _ = User.objects.get_or_create(username="bench-commissioner", role=Role.COMMISSIONER)
    filters = selectors.ReportFilters()
    builds = {
        **selectors.REPORTS,
        "extract": selectors.commissioner_extract,
    }
    comparisons = [(name, build, RAW[name]) for name, build in builds.items()]
    comparisons.append(("extract*", builds["extract"], EXTRACT_ROWS))
    if args.only:
        wanted = set(args.only.split(","))
        comparisons = [c for c in comparisons if c[0].rstrip("*") in wanted]
    print(
        f"{'report':<10} {'report s':>9} {'raw s':>8} {'ratio':>6} {'queries':>7}  "
        "target (<=5 s, <=3x)"
    )
    for name, build, (sql, what) in comparisons:

        def raw(sql: str = sql) -> None:
            with connection.cursor() as c:
                c.execute(sql)
                c.fetchall()

        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):  # type: ignore[no-untyped-def]
            queries.append(sql)
            return execute(sql, params, many, context)

        raw_s = best_of(raw)
        with connection.execute_wrapper(count):
            report_s = best_of(lambda build=build: build(user=user, filters=filters))
        ratio = report_s / raw_s if raw_s else float("inf")
        ok = "met" if report_s <= 5 and ratio <= 3 else "MISSED"
        print(
            f"{name:<10} {report_s:>9.3f} {raw_s:>8.3f} {ratio:>6.1f} {len(queries) // 3:>7}  "
            f"{ok}   raw: {what}",
            flush=True,
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
