"""Issue 6 benchmark: the Activity, Equity and Outcomes reports and the commissioner extract over
200,000 episodes and 1,000,000 questionnaire responses, each beside one raw SQL aggregate over
the same rows.

    .venv/bin/python bench/bench_reports.py                        # SQLite in bench/out/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lw_bench_reports \\
        .venv/bin/python bench/bench_reports.py                    # PostgreSQL
    .venv/bin/python bench/bench_reports.py --episodes 20000 --responses 100000   # quicker

It makes a fresh database (bench/out/bench_reports.sqlite3, or the PostgreSQL database named in
DATABASE_URL, dropped and re-created: its name must contain "bench"), bulk-loads people,
referrals, episodes in 10 teams of 5 services and SWEMWBS/PHQ-9/GAD-7 responses, then times each
report as a commissioner (every team, suppression on) three times and the raw aggregate three
times, and prints the best of each. Targets: report <= 5 s and <= 3x the raw query.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
    path = OUT / "bench_reports.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}", f"SQLite ({path.relative_to(ROOT)}, WAL)"


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
            print(f"  loaded {start + size:,} episodes", flush=True)


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
    args = parser.parse_args()
    url, label = fresh_database()
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
    started = time.perf_counter()
    load(args.episodes, args.responses, random.Random(6))
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    else:
        with connection.cursor() as c:
            c.execute("ANALYZE")
    from linkwell.accounts.models import Role, User
    from linkwell.outcomes.models import QuestionnaireResponse
    from linkwell.reports import selectors

    print(
        f"Loaded {args.episodes:,} episodes and {QuestionnaireResponse.objects.count():,} "
        f"responses in {time.perf_counter() - started:.1f}s"
    )
    user = User.objects.create(username="bench-commissioner", role=Role.COMMISSIONER)
    filters = selectors.ReportFilters()
    builds = {
        **selectors.REPORTS,
        "extract": selectors.commissioner_extract,
    }
    print(f"{'report':<10} {'report s':>9} {'raw s':>8} {'ratio':>6}  target (<=5 s, <=3x)")
    for name, build in builds.items():
        sql, what = RAW[name]

        def raw(sql: str = sql) -> None:
            with connection.cursor() as c:
                c.execute(sql)
                c.fetchall()

        raw_s = best_of(raw)
        report_s = best_of(lambda build=build: build(user=user, filters=filters))
        ratio = report_s / raw_s if raw_s else float("inf")
        ok = "met" if report_s <= 5 and ratio <= 3 else "MISSED"
        print(f"{name:<10} {report_s:>9.3f} {raw_s:>8.3f} {ratio:>6.1f}  {ok}   raw: {what}")


if __name__ == "__main__":
    main()
