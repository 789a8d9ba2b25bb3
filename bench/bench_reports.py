"""Issue 6 benchmark: the Activity, Equity and Outcomes reports and the commissioner extract over
200,000 episodes and 1,000,000 questionnaire responses, each beside "the same aggregate written as
one raw SQL query", in the same run.

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
Then, per report, as a commissioner (every team, suppression on): the raw statement (FAITHFUL:
one SQL statement computing the figures the report shows, from the same tables), the report and
the single GROUP BY the benchmark used before (OLD_RAW), three times each; it prints the best
wall clock time of each, this process's CPU time, the number of queries per report and the load
average, and checks that the raw statement's figures equal the report's (exit status 1 and the
differences on stderr if not). Targets: report <= 5 s and <= 3x the raw statement. --no-jit turns
PostgreSQL's JIT off for the session (raw and reports alike). Not part of the test suite.
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
from typing import Any
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


OLD_RAW = {
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
OLD_RAW["extract"] = OLD_RAW["equity"]
# Before the faithful baseline, the extract was also shown beside this query reading the same
# episode rows without their scores, month, age band or suppression (still printed, labelled).
OLD_EXTRACT_ROWS = (
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


# ---------------------------------------------------------------------------------------------
# The baselines. Issue 6: "each report's time ... in the same run as the same aggregate written
# as one raw SQL query". For each report, FAITHFUL[name] is one SQL statement (CTEs and UNION ALL)
# that computes the figures the report shows for a commissioner (every team, no filters), read
# from the same tables; check_<name> compares its numbers with the report's and the script exits
# non-zero on any difference. The single GROUP BYs the benchmark used before (OLD_RAW) are still
# timed and printed, labelled as such.


def _dialect(vendor: str) -> dict[str, str]:
    """SQL fragments that differ between SQLite and PostgreSQL."""
    from linkwell.common.needs import NEED_CODES

    needs = ", ".join(f"'{code}'" for code in sorted(NEED_CODES))
    if vendor == "postgresql":
        return {
            # The London month of a timestamp.
            "month_r": "to_char(r.created_at AT TIME ZONE 'Europe/London', 'YYYY-MM')",
            # Days (with fractions) from referral to first contact, rounded to 1e-8 of a day.
            "wait": "EXTRACT(EPOCH FROM (e.first_contact_at - r.created_at)) / 86400.0",
            "round8": "CAST(ROUND(CAST({0} AS NUMERIC), 8) AS DOUBLE PRECISION)",
            "p90": "FLOOR(CAST(0.9 AS DOUBLE PRECISION) * (n - 1)) + 1",
            "sd": "STDDEV_SAMP({0})",
            "whole_days": (
                "CASE WHEN r.created_at <= e.first_contact_at "
                "THEN EXTRACT(DAY FROM (e.first_contact_at - r.created_at))::integer END"
            ),
            "text": "TEXT",
            "suggested": (
                "SELECT fe.id AS episode_id, fe.person_id, j.v #>> '{}' AS code FROM fe "
                "JOIN referrals_referral r ON r.id = fe.referral_id CROSS JOIN LATERAL "
                "jsonb_array_elements(CASE WHEN jsonb_typeof(r.suggested_needs) = 'array' "
                "THEN r.suggested_needs ELSE '[]'::jsonb END) AS j(v) "
                "WHERE jsonb_typeof(j.v) = 'string'"
            ),
            "recorded": (
                "SELECT fe.id, fe.person_id, j.v ->> 'code' FROM fe "
                "JOIN conversations_conversation c ON c.episode_id = fe.id CROSS JOIN LATERAL "
                "jsonb_array_elements(CASE WHEN jsonb_typeof(c.needs) = 'array' "
                "THEN c.needs ELSE '[]'::jsonb END) AS j(v) "
                "WHERE jsonb_typeof(j.v) = 'object' AND jsonb_typeof(j.v -> 'code') = 'string'"
            ),
            "needs": needs,
        }
    # SQLite keeps UTC text. London is an hour ahead from the last Sunday of March to the last
    # Sunday of October, so a time in the last hour (UTC) of a month is in the next London month
    # exactly when that next month is April to October.
    month = (
        "strftime('%%Y-%%m', r.created_at, CASE WHEN strftime('%%m', r.created_at, '+1 hour') "
        "BETWEEN '04' AND '10' THEN '+1 hour' ELSE '+0 hours' END)"
    )
    micro = (
        "(CAST(strftime('%%s', {0}) AS INTEGER) * 1000000"
        " + CAST(substr({0} || '.000000', 21, 6) AS INTEGER))"
    )
    diff = f"({micro.format('e.first_contact_at')} - {micro.format('r.created_at')})"
    return {
        "month_r": month,
        "wait": "(julianday(e.first_contact_at) - julianday(r.created_at))",
        "round8": "ROUND({0}, 8)",
        "p90": "CAST(0.9 * (n - 1) AS INTEGER) + 1",
        "sd": "SQRT((SUM({0} * {0}) - SUM({0}) * SUM({0}) / COUNT(*)) / (COUNT(*) - 1))",
        "whole_days": f"CASE WHEN {diff} >= 0 THEN {diff} / 86400000000 END",
        "text": "TEXT",
        "suggested": (
            "SELECT fe.id AS episode_id, fe.person_id, j.value AS code FROM fe "
            "JOIN referrals_referral r ON r.id = fe.referral_id, json_each(r.suggested_needs) j "
            "WHERE j.type = 'text'"
        ),
        "recorded": (
            "SELECT fe.id, fe.person_id, json_extract(j.value, '$.code') FROM fe "
            "JOIN conversations_conversation c ON c.episode_id = fe.id, json_each(c.needs) j "
            "WHERE j.type = 'object' AND json_type(j.value, '$.code') = 'text'"
        ),
        "needs": needs,
    }


def _ethnic_group_sql(column: str) -> str:
    from linkwell.reports.selectors.scope import _ETHNIC_CODE_GROUP

    groups: dict[str, list[str]] = {}
    for code, group in _ETHNIC_CODE_GROUP.items():
        if group != "not_stated":
            groups.setdefault(group, []).append(code)
    whens = " ".join(
        f"WHEN {column} IN ({', '.join(repr(c) for c in codes)}) THEN '{group}'"
        for group, codes in groups.items()
    )
    return f"CASE {whens} ELSE 'not_stated' END"


def _age_band_sql(column: str, today: dt.date) -> str:
    from linkwell.reports.selectors.scope import AGE_BANDS, AGE_UNKNOWN, _years_before

    whens = [f"WHEN {column} IS NULL THEN '{AGE_UNKNOWN}'"]
    for label, low, _high in reversed(AGE_BANDS):
        whens.append(f"WHEN {column} <= '{_years_before(today, low).isoformat()}' THEN '{label}'")
    return f"CASE {' '.join(whens)} ELSE '{AGE_UNKNOWN}' END"


def faithful_activity(vendor: str) -> tuple[str, list[Any]]:
    from django.utils import timezone

    from linkwell.cases.selectors.revolving import revolving_door_rule

    d = _dialect(vendor)
    rule = revolving_door_rule()
    as_of = timezone.now()
    wait = d["wait"]
    sql = f"""
WITH refs AS (
    SELECT r.source AS source, {d["month_r"]} AS month FROM referrals_referral r
),
w AS (
    SELECT {d["round8"].format(wait)} AS wait FROM cases_episode e
    JOIN referrals_referral r ON r.id = e.referral_id
    WHERE e.first_contact_at IS NOT NULL AND {wait} >= 0
),
wr AS (SELECT wait, ROW_NUMBER() OVER (ORDER BY wait) AS k, COUNT(*) OVER () AS n FROM w),
appt AS (SELECT a.episode_id, a.outcome, a.mode FROM linkwell_sessions_appointment a),
att AS (SELECT episode_id, COUNT(*) AS n FROM appt WHERE outcome = 'attended' GROUP BY episode_id),
attr AS (SELECT n AS v, ROW_NUMBER() OVER (ORDER BY n) AS k, COUNT(*) OVER () AS n FROM att),
win AS (
    SELECT e.id, e.person_id, e.referral_id FROM cases_episode e
    WHERE e.opened_at >= %s AND e.opened_at <= %s
),
flagged AS (SELECT person_id FROM win GROUP BY person_id HAVING COUNT(*) >= %s),
fe AS (SELECT * FROM win WHERE person_id IN (SELECT person_id FROM flagged)),
en AS ({d["suggested"]} UNION {d["recorded"]}),
recur AS (
    SELECT person_id, code FROM en WHERE code IN ({d["needs"]})
    GROUP BY person_id, code HAVING COUNT(*) >= 2
),
gs AS (
    SELECT s.programme_id, COUNT(*) AS sessions, SUM(s.capacity) AS places
    FROM groups_groupsession s GROUP BY s.programme_id
),
gb AS (
    SELECT s.programme_id,
        SUM(CASE WHEN b.status IN ('booked', 'offered') THEN 1 ELSE 0 END) AS taken,
        SUM(CASE WHEN b.status = 'waiting' THEN 1 ELSE 0 END) AS waiting
    FROM groups_booking b JOIN groups_groupsession s ON s.id = b.session_id
    GROUP BY s.programme_id
),
g AS (
    SELECT gs.programme_id, p.name, gs.sessions, gs.places, COALESCE(gb.taken, 0) AS taken,
        COALESCE(gb.waiting, 0) AS waiting
    FROM gs JOIN groups_programme p ON p.id = gs.programme_id
    LEFT JOIN gb ON gb.programme_id = gs.programme_id
)
SELECT 'source', source, '', COUNT(*), CAST(NULL AS DOUBLE PRECISION),
    CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE PRECISION) FROM refs GROUP BY source
UNION ALL SELECT 'month', month, source, COUNT(*), NULL, NULL, NULL FROM refs GROUP BY month, source
UNION ALL SELECT 'wait', '', '', COUNT(*), AVG(wait), SUM(CASE WHEN wait <= 7 THEN 1 ELSE 0 END),
    NULL FROM w
UNION ALL SELECT 'wait_pct', '', '', AVG(CASE WHEN k IN ((n + 1) / 2, n / 2 + 1) THEN wait END),
    MAX(CASE WHEN k = {d["p90"]} THEN wait END), NULL, NULL FROM wr
UNION ALL SELECT 'status', status, '', COUNT(*), NULL, NULL, NULL FROM cases_episode GROUP BY status
UNION ALL SELECT 'reason', discharge_reason, '', COUNT(*), NULL, NULL, NULL FROM cases_episode
    WHERE discharge_reason <> '' GROUP BY discharge_reason
UNION ALL SELECT 'outcome', outcome, '', COUNT(*), NULL, NULL, NULL FROM appt GROUP BY outcome
UNION ALL SELECT 'attended', '', '', COUNT(*), AVG(n), NULL, NULL FROM att
UNION ALL SELECT 'attended_median', '', '', AVG(CASE WHEN k IN ((n + 1) / 2, n / 2 + 1) THEN v END),
    NULL, NULL, NULL FROM attr
UNION ALL SELECT 'mode', mode, '', COUNT(*), NULL, NULL, NULL FROM appt WHERE outcome = 'attended'
    GROUP BY mode
UNION ALL SELECT 'flagged', '', '', COUNT(*), NULL, NULL, NULL FROM flagged
UNION ALL SELECT 'recurring', code, '', COUNT(*), NULL, NULL, NULL FROM recur GROUP BY code
UNION ALL SELECT 'group', CAST(programme_id AS {d["text"]}), name, sessions, places, taken, waiting
    FROM g
UNION ALL SELECT 'group_total', '', '', SUM(sessions), SUM(places), SUM(taken), SUM(waiting) FROM g
"""  # noqa: S608 (no user input: constants and computed dates)
    return sql, [rule.window_start(as_of), as_of, rule.episodes]


def faithful_equity(vendor: str) -> tuple[str, list[Any]]:
    from django.utils import timezone

    eth = _ethnic_group_sql("p.ethnic_category")
    band = _age_band_sql("p.date_of_birth", timezone.localdate())
    sql = f"""
WITH pe AS (
    SELECT DISTINCT e.person_id, {eth} AS grp, p.sex AS sex,
        COALESCE(CAST(p.deprivation_decile AS TEXT), 'unknown') AS decile, {band} AS band
    FROM cases_episode e JOIN people_person p ON p.id = e.person_id
),
base AS (
    SELECT dimension, category, SUM(population) AS n FROM reports_populationbaseline
    GROUP BY dimension, category
)
SELECT 'ethnicity', grp, '', COUNT(*), 100.0 * COUNT(*) / SUM(COUNT(*)) OVER () FROM pe GROUP BY grp
UNION ALL SELECT 'sex', sex, '', COUNT(*), 100.0 * COUNT(*) / SUM(COUNT(*)) OVER () FROM pe
    GROUP BY sex
UNION ALL SELECT 'deprivation', decile, '', COUNT(*), 100.0 * COUNT(*) / SUM(COUNT(*)) OVER ()
    FROM pe GROUP BY decile
UNION ALL SELECT 'age_band', band, '', COUNT(*), 100.0 * COUNT(*) / SUM(COUNT(*)) OVER () FROM pe
    GROUP BY band
UNION ALL SELECT 'baseline', dimension, category, n,
    100.0 * n / SUM(n) OVER (PARTITION BY dimension) FROM base
UNION ALL SELECT 'cross', r.source, {eth}, COUNT(*), NULL FROM cases_episode e
    JOIN referrals_referral r ON r.id = e.referral_id JOIN people_person p ON p.id = e.person_id
    GROUP BY r.source, {eth}
"""  # noqa: S608
    return sql, []


def faithful_outcomes(vendor: str) -> tuple[str, list[Any]]:
    from linkwell.outcomes.change import RELIABLE_CHANGE, meaningful_change_thresholds
    from linkwell.referrals.models import ReferralSource
    from linkwell.reports.selectors.outcomes import EMPLOYMENT_NEED, SUPPORT_RECEIVED
    from linkwell.reports.selectors.scope import LOWER_IS_BETTER, PAIRED_MEASURES

    d = _dialect(vendor)
    thresholds = {k: float(v) for k, v in meaningful_change_thresholds().items()}
    thresholds.update({k: float(v) for k, v in RELIABLE_CHANGE.items()})
    measures = ", ".join(f"'{c}'" for c in PAIRED_MEASURES)
    lower = ", ".join(f"'{c}'" for c in sorted(LOWER_IS_BETTER))
    threshold = " ".join(
        f"WHEN '{c}' THEN {thresholds[c]!r}" for c in PAIRED_MEASURES if c in thresholds
    )
    received = ", ".join(f"'{s}'" for s in SUPPORT_RECEIVED)
    sql = f"""
WITH adv AS (
    SELECT c.episode_id FROM connections_connection c
    WHERE c.status IN ({received}) AND c.service_id IN (
        SELECT n.service_id FROM directory_serviceneed n WHERE n.need = '{EMPLOYMENT_NEED}')
),
ms AS (
    SELECT m.episode_id, m.instrument_code AS code, m.first_score AS f, m.latest_score AS l,
        m.latest_score - m.first_score AS d, COALESCE(r.source, '') AS source, t.name AS team,
        CASE WHEN m.episode_id IN (SELECT episode_id FROM adv) THEN 1 ELSE 0 END AS advisor,
        CASE WHEN m.instrument_code IN ({lower}) THEN m.first_score - m.latest_score
            ELSE m.latest_score - m.first_score END AS better,
        CASE m.instrument_code {threshold} END AS threshold
    FROM outcomes_measuresummary m JOIN cases_episode e ON e.id = m.episode_id
    JOIN accounts_team t ON t.id = e.team_id LEFT JOIN referrals_referral r ON r.id = e.referral_id
    WHERE m.instrument_code IN ({measures}) AND m.responses >= 2
)
SELECT 'measure', code, '', COUNT(*), AVG(f), AVG(l), AVG(d), {d["sd"].format("d")},
    SUM(CASE WHEN better >= threshold THEN 1 ELSE 0 END) FROM ms GROUP BY code
UNION ALL SELECT 'Referral source', code, source, COUNT(*), AVG(d), NULL, NULL, NULL, NULL FROM ms
    GROUP BY code, source
UNION ALL SELECT 'Team', code, team, COUNT(*), AVG(d), NULL, NULL, NULL, NULL FROM ms
    GROUP BY code, team
UNION ALL SELECT 'Employment advisor', code, CAST(advisor AS {d["text"]}), COUNT(*), AVG(d), NULL,
    NULL, NULL, NULL FROM ms GROUP BY code, advisor
UNION ALL SELECT 'measured', '', '', COUNT(DISTINCT episode_id), NULL, NULL, NULL, NULL, NULL
    FROM ms
UNION ALL SELECT 'improved', '', '', COUNT(DISTINCT episode_id), NULL, NULL, NULL, NULL, NULL
    FROM ms WHERE better >= threshold
UNION ALL SELECT 'episodes', '', '', COUNT(*),
    SUM(CASE WHEN e.discharge_reason = 'connected' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.closed_at IS NOT NULL THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.source = '{ReferralSource.GP_PRACTICE}' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.id IN (SELECT c.episode_id FROM connections_connection c
        WHERE c.status IN ('in-progress', 'completed')) THEN 1 ELSE 0 END), NULL
    FROM cases_episode e LEFT JOIN referrals_referral r ON r.id = e.referral_id
"""  # noqa: S608
    return sql, []


def faithful_extract(vendor: str) -> tuple[str, list[Any]]:
    from django.utils import timezone

    from linkwell.reports.selectors.scope import PAIRED_MEASURES

    d = _dialect(vendor)
    eth = _ethnic_group_sql("p.ethnic_category")
    band = _age_band_sql("p.date_of_birth", timezone.localdate())
    # One join per measure on the summaries' (episode, measure) unique index.
    joins = " ".join(
        f"LEFT JOIN outcomes_measuresummary s_{c} ON s_{c}.episode_id = k.id "
        f"AND s_{c}.instrument_code = '{c}' AND s_{c}.responses >= 2"
        for c in PAIRED_MEASURES
    )
    score_columns = ", ".join(
        f"s_{c}.{part}_score" for c in PAIRED_MEASURES for part in ("first", "latest")
    )
    month = d["month_r"]
    sql = f"""
WITH consenting AS (
    SELECT c.person_id FROM people_consent c
    WHERE c.purpose = 'evaluation' AND c.given AND NOT EXISTS (
        SELECT 1 FROM people_consent n WHERE n.person_id = c.person_id
        AND n.purpose = 'evaluation' AND (n.recorded_at > c.recorded_at
            OR (n.recorded_at = c.recorded_at AND n.id > c.id)))
),
b AS (
    SELECT e.id, e.number, e.status, e.discharge_reason, {d["whole_days"]} AS wait, p.uuid,
        {eth} AS grp, p.sex, p.deprivation_decile AS decile, {band} AS band, o.name AS service,
        COALESCE(r.source, '') AS source, COALESCE({month}, '') AS month
    FROM cases_episode e JOIN people_person p ON p.id = e.person_id
    JOIN accounts_team t ON t.id = e.team_id
    JOIN accounts_organisation o ON o.id = t.organisation_id
    LEFT JOIN referrals_referral r ON r.id = e.referral_id
    WHERE e.person_id IN (SELECT person_id FROM consenting)
),
k AS (
    SELECT b.*, COUNT(*) OVER (PARTITION BY band, sex, grp, decile) AS rare4,
        COUNT(*) OVER (PARTITION BY band, sex) AS rare2
    FROM b
)
SELECT k.uuid, k.number, k.service, k.source, k.month,
    CASE WHEN rare2 < 5 THEN 'suppressed' ELSE band END,
    CASE WHEN rare2 < 5 THEN 'suppressed' ELSE sex END,
    CASE WHEN rare4 < 5 THEN 'suppressed' ELSE grp END,
    CASE WHEN rare4 < 5 THEN 'suppressed' ELSE COALESCE(CAST(decile AS TEXT), '') END,
    k.status, k.discharge_reason, k.wait, {score_columns}
FROM k {joins} ORDER BY k.id
"""  # noqa: S608
    return sql, []


FAITHFUL = {
    "activity": (
        faithful_activity,
        "one statement: every section's figures (14 aggregates: referrals by source and by "
        "month, waits with median and 90th percentile, statuses, reasons, sessions, the "
        "revolving door, groups)",
    ),
    "equity": (
        faithful_equity,
        "one statement: distinct people by ethnic group, sex, decile and age band with "
        "shares, the population baseline, referral source by ethnic group",
    ),
    "outcomes": (
        faithful_outcomes,
        "one statement over the measure summaries: per measure n, means, sd, meaningful "
        "change; per cohort n and mean change; the framework's counts",
    ),
    "extract": (
        faithful_extract,
        "one statement: the same rows and columns (consent rule, month, age band, whole "
        "days, scores, small-number suppression by window counts; the uuid, not its HMAC)",
    ),
}


class Mismatch(Exception):
    pass


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or isinstance(a, str) or isinstance(b, str):
            return False
        return abs(float(a) - float(b)) <= 1e-9
    return bool(a == b)


def _compare_rows(title: str, got: list[list[Any]], expected: list[list[Any]]) -> None:
    if len(got) != len(expected) or not all(
        len(g) == len(e) and all(_same(x, y) for x, y in zip(g, e, strict=True))
        for g, e in zip(got, expected, strict=True)
    ):
        raise Mismatch(f"{title}:\n  report: {got}\n  raw:    {expected}")


def _sections(report: Any) -> dict[str, Any]:
    return {s.title: s for s in report.sections}


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _rounded(value: Any, places: int) -> float | None:
    return None if value is None else round(float(value), places)


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def check_activity(report: Any, raw_rows: list[tuple[Any, ...]], suppressed: bool) -> int:
    """The report's figures against the raw statement's; returns the number of cells checked."""
    from linkwell.cases.models import DischargeReason
    from linkwell.common.needs import NEED_LABELS
    from linkwell.reports.selectors.scope import SOURCE_LABELS
    from linkwell.reports.stats import suppress
    from linkwell.sessions.models import DeliveryMode
    from linkwell.sessions.models import Outcome as SessionOutcome

    def show(n: Any) -> Any:
        return suppress(int(n)) if suppressed else int(n)

    by: dict[str, list[tuple[Any, ...]]] = {}
    for kind, *rest in raw_rows:
        by.setdefault(kind, []).append(tuple(rest))
    s = _sections(report)
    checked = 0

    def compare(title: str, expected: list[list[Any]], ordered: bool = True) -> None:
        nonlocal checked
        got = s[title].rows
        if not ordered:
            got, expected = sorted(got, key=repr), sorted(expected, key=repr)
        _compare_rows(title, got, expected)
        checked += sum(len(r) for r in expected)

    totals = {k1: int(a) for k1, _k2, a, *_ in by.get("source", [])}
    sources = [src for src in SOURCE_LABELS if totals.get(src)]
    compare("Referrals by source", [[SOURCE_LABELS[src], show(totals[src])] for src in sources])
    months: dict[str, dict[str, int]] = {}
    for month, src, a, *_ in by.get("month", []):
        months.setdefault(month or "", {})[src] = int(a)
    compare(
        "Referrals by month and source",
        [
            [m] + [show(months[m].get(src, 0)) for src in sources] + [show(sum(months[m].values()))]
            for m in sorted(months)
        ],
    )
    (_k1, _k2, n, mean, within7, _), (_p1, _p2, median, p90, *_) = by["wait"][0], by["wait_pct"][0]
    wait_rows: list[list[Any]] = [["Episodes with a first contact", show(n)]]
    if n and (not suppressed or n >= 5):
        wait_rows += [
            ["Median days from referral to first contact", _rounded(median, 1)],
            ["Mean days", _rounded(mean, 1)],
            ["90th percentile days", _rounded(p90, 1)],
            ["Share contacted within 7 days (%)", _pct(int(within7), int(n))],
        ]
    compare("Time from referral to first contact", wait_rows)
    compare(
        "Episodes by status",
        [[k.capitalize(), show(a)] for k, _k2, a, *_ in sorted(by.get("status", []))],
    )
    reasons = dict(DischargeReason.choices)
    compare(
        "Reasons support ended",
        [[reasons.get(k, k), show(a)] for k, _k2, a, *_ in by.get("reason", [])],
        ordered=False,
    )
    outcomes = {k: int(a) for k, _k2, a, *_ in by.get("outcome", [])}
    labels = dict(SessionOutcome.choices)
    attended, dna = outcomes.get("attended", 0), outcomes.get("did_not_attend", 0)
    compare(
        "Sessions and missed appointments",
        [[labels.get(k, k), show(v)] for k, v in sorted(outcomes.items())]
        + [
            [
                "Did not attend rate (% of attended or missed)",
                None if suppressed and 0 < dna < 5 else _pct(dna, attended + dna),
            ]
        ],
    )
    (_k1, _k2, episodes, mean_attended, *_) = by["attended"][0]
    per_rows: list[list[Any]] = [["Episodes with an attended session", show(episodes)]]
    if episodes and (not suppressed or episodes >= 5):
        per_rows += [
            ["Mean attended sessions per episode", _rounded(mean_attended, 1)],
            ["Median", _num(by["attended_median"][0][2])],
        ]
    compare("Sessions per episode", per_rows)
    modes = dict(DeliveryMode.choices)
    compare(
        "Delivery mode of attended sessions",
        [[modes.get(k, k), show(a)] for k, _k2, a, *_ in by.get("mode", [])],
        ordered=False,
    )
    flagged = int(by["flagged"][0][2])
    got = s["Returning people (the revolving door)"].rows
    _compare_rows("Returning people", [r[1:] for r in got], [[show(flagged)]])
    checked += 1
    compare(
        "Needs that bring people back",
        [[NEED_LABELS[k], show(a)] for k, _k2, a, *_ in by.get("recurring", [])],
        ordered=False,
    )

    def group_row(name: str, sessions: Any, places: Any, taken: Any, waiting: Any) -> list[Any]:
        hidden = suppressed and 0 < taken < 5
        return [
            name,
            int(sessions),
            int(places),
            show(taken),
            None if hidden else _pct(int(taken), int(places)),
            show(waiting),
        ]

    groups = sorted(by.get("group", []), key=lambda r: (r[1], int(r[0])))
    group_rows = [group_row(name, *figures) for _pid, name, *figures in groups]
    if len(group_rows) > 1:
        group_rows.append(group_row("All programmes", *by["group_total"][0][2:]))
    compare("Groups: fill rates and waiting lists", group_rows)
    return checked


def check_equity(report: Any, raw_rows: list[tuple[Any, ...]], suppressed: bool) -> int:
    from linkwell.people.models import Sex
    from linkwell.reports.models import Dimension
    from linkwell.reports.selectors.scope import (
        AGE_BANDS,
        AGE_UNKNOWN,
        ETHNIC_GROUPS,
        SOURCE_LABELS,
    )
    from linkwell.reports.stats import suppress

    def show(n: Any) -> Any:
        return suppress(int(n)) if suppressed else int(n)

    counts: dict[str, dict[str, tuple[int, float]]] = {}
    baseline: dict[str, dict[str, tuple[int, float]]] = {}
    cross: dict[str, dict[str, int]] = {}
    for kind, k1, k2, n, share in raw_rows:
        if kind == "baseline":
            baseline.setdefault(k1, {})[k2] = (int(n), float(share))
        elif kind == "cross":
            cross.setdefault(k1, {})[k2] = int(n)
        else:
            counts.setdefault(kind, {})[k1] = (int(n), float(share))
    s = _sections(report)
    checked = 0
    dec_labels = {str(n): "" for n in range(1, 11)} | {AGE_UNKNOWN: ""}
    age_labels = {b[0]: "" for b in AGE_BANDS} | {AGE_UNKNOWN: ""}
    for title, dimension, keys in (
        ("Uptake by ethnic group", Dimension.ETHNICITY, list(ETHNIC_GROUPS)),
        ("Uptake by age band", Dimension.AGE_BAND, list(age_labels)),
        ("Uptake by sex", Dimension.SEX, [k for k, _ in Sex.choices]),
        ("Uptake by deprivation decile", Dimension.DEPRIVATION, list(dec_labels)),
    ):
        mine = counts.get(str(dimension), {})
        base = baseline.get(str(dimension), {})
        expected = []
        for key in keys:
            n, share_raw = mine.get(key, (0, 0.0))
            pop, pop_share_raw = base.get(key, (None, None))
            hidden = suppressed and 0 < n < 5
            share = round(share_raw, 1) if n or mine else None
            pop_share = None if pop is None else round(pop_share_raw, 1)
            ratio = (
                round(share / pop_share, 2)
                if share is not None and pop_share and not hidden
                else None
            )
            expected.append([show(n), None if hidden else share, pop, pop_share, ratio])
        _compare_rows(title, [r[1:] for r in s[title].rows], expected)
        checked += 5 * len(expected)
    expected = [
        [SOURCE_LABELS.get(src, src)] + [show(cross[src].get(g, 0)) for g in ETHNIC_GROUPS]
        for src in SOURCE_LABELS
        if cross.get(src)
    ]
    _compare_rows(
        "Referral source by ethnic group", s["Referral source by ethnic group"].rows, expected
    )
    checked += sum(len(r) for r in expected)
    return checked


def check_outcomes(report: Any, raw_rows: list[tuple[Any, ...]], suppressed: bool) -> int:
    """Every figure SQL computes; the p-values (t-test, Wilcoxon, the cohort tests) are not
    compared: no SQL aggregate computes them, so the raw statement leaves them out."""
    import math

    from scipy import stats as sps

    from linkwell.outcomes.change import RELIABLE_CHANGE, meaningful_change_thresholds
    from linkwell.reports.selectors.outcomes import EMPLOYMENT_COHORTS
    from linkwell.reports.selectors.scope import PAIRED_MEASURES, SOURCE_LABELS
    from linkwell.reports.stats import SUPPRESSED, suppress

    def show(n: Any) -> Any:
        return suppress(int(n)) if suppressed else int(n)

    thresholds = {k: float(v) for k, v in meaningful_change_thresholds().items()}
    thresholds.update({k: float(v) for k, v in RELIABLE_CHANGE.items()})
    by: dict[str, list[tuple[Any, ...]]] = {}
    for kind, *rest in raw_rows:
        by.setdefault(kind, []).append(tuple(rest))
    s = _sections(report)
    checked = 0
    measures = {code: figures for code, _k2, *figures in by.get("measure", [])}
    got_rows = s["Change from first to latest score (paired)"].rows
    expected_rows = []
    compared = [0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 12]  # not 7, 8: the two p-values
    for code, name in PAIRED_MEASURES.items():
        if code not in measures:
            continue
        n, mean_f, mean_l, mean_d, sd, meaningful, *_ = measures[code]
        n = int(n)
        if suppressed and n < 5:
            expected_rows.append([name, SUPPRESSED] + [None] * 11)
            continue
        ci_low = ci_high = effect = None
        if n >= 3:
            half = float(sps.t.ppf(0.975, n - 1)) * float(sd) / math.sqrt(n)
            ci_low, ci_high = float(mean_d) - half, float(mean_d) + half
            effect = float(mean_d) / float(sd) if sd else None
        t = thresholds.get(code)
        expected_rows.append(
            [
                name,
                n,
                _rounded(mean_f, 2),
                _rounded(mean_l, 2),
                _rounded(mean_d, 2),
                _rounded(ci_low, 2),
                _rounded(ci_high, 2),
                None,
                None,
                _rounded(effect, 2),
                t,
                show(meaningful) if t is not None else 0,
                round(100 * int(meaningful) / n, 1) if t is not None else None,
            ]
        )
    _compare_rows(
        "Change from first to latest score (paired)",
        [[r[i] for i in compared] for r in got_rows],
        [[r[i] for i in compared] for r in expected_rows],
    )
    checked += len(compared) * len(expected_rows)
    cohort_rows = []
    for code, name in PAIRED_MEASURES.items():
        if code not in measures or (suppressed and int(measures[code][0]) < 5):
            continue
        for label in ("Referral source", "Team", "Employment advisor"):
            groups: dict[str, tuple[int, float]] = {}
            for c, key, n, mean, *_ in by.get(label, []):
                if c != code:
                    continue
                if label == "Referral source":
                    key = SOURCE_LABELS.get(key, key or "Not known")
                elif label == "Employment advisor":
                    key = EMPLOYMENT_COHORTS[0] if str(key) == "1" else EMPLOYMENT_COHORTS[1]
                groups[key] = (int(n), float(mean))
            sizes = "; ".join(
                f"{g}: n={show(k)}"
                + (f", mean change {m:.2f}" if not (suppressed and k < 5) else "")
                for g, (k, m) in sorted(groups.items())
            )
            cohort_rows.append([name, label, sizes])
    _compare_rows(
        "Change compared between groups",
        [r[:3] for r in s["Change compared between groups"].rows],
        cohort_rows,
    )
    checked += 3 * len(cohort_rows)
    measured, improved = int(by["measured"][0][2]), int(by["improved"][0][2])
    total, connected, closed, gp, started = (int(v or 0) for v in by["episodes"][0][2:7])
    expected = [
        [show(improved), show(measured), _pct(improved, measured)],
        [show(started), show(total), _pct(started, total)],
        [show(connected), show(closed), _pct(connected, closed)],
        [show(gp), show(total), _pct(gp, total)],
    ]
    _compare_rows(
        "Common Outcomes Framework",
        [r[2:] for r in s["Common Outcomes Framework"].rows],
        expected,
    )
    checked += 12
    return checked


def check_extract(
    rows: list[dict[str, Any]], raw_rows: list[tuple[Any, ...]], suppressed: bool
) -> int:
    from linkwell.reports.selectors import EXTRACT_HEADERS, pseudonym

    if len(rows) != len(raw_rows):
        raise Mismatch(f"extract: {len(rows)} rows from the report, {len(raw_rows)} raw")
    for got, raw in zip(rows, raw_rows, strict=True):
        person = raw[0] if isinstance(raw[0], uuid.UUID) else uuid.UUID(hex=str(raw[0]))
        expected = [pseudonym(person), *raw[1:]]
        values = [got[h] for h in EXTRACT_HEADERS]
        if [str(v) for v in values] != [
            str("" if v is None and i in (4,) else v) for i, v in enumerate(expected)
        ]:
            raise Mismatch(f"extract row:\n  report: {values}\n  raw:    {expected}")
    return len(rows) * len(EXTRACT_HEADERS)


CHECKS = {
    "activity": check_activity,
    "equity": check_equity,
    "outcomes": check_outcomes,
    "extract": check_extract,
}


def best_of(fn, runs: int = 3) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The best wall clock time of ``runs`` calls, and this process's CPU time in that call."""
    best = (float("inf"), 0.0)
    for _ in range(runs):
        t, cpu = time.perf_counter(), time.process_time()
        fn()
        took = (time.perf_counter() - t, time.process_time() - cpu)
        best = min(best, took)
    return best


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
    builds = {**selectors.REPORTS, "extract": selectors.commissioner_extract}
    names = [n for n in builds if not args.only or n in set(args.only.split(","))]
    print(
        f"{'report':<9} {'report s':>9} {'raw s':>7} {'ratio':>6} {'cpu s':>6} {'raw cpu':>7} "
        f"{'cpu ratio':>9} {'queries':>7}  {'target':<7} {'old raw s':>9} {'old ratio':>9}  checked"
    )
    failures = []
    for name in names:
        build = builds[name]
        make_sql, what = FAITHFUL[name]
        sql, params = make_sql(connection.vendor)
        old_sql, old_what = OLD_RAW[name]
        results: dict[str, Any] = {}

        def raw(
            sql: str = sql, params: list[Any] = params, results: dict[str, Any] = results
        ) -> None:
            with connection.cursor() as c:
                c.execute(sql, params)
                results["raw"] = c.fetchall()

        def old_raw(sql: str = old_sql) -> None:
            with connection.cursor() as c:
                c.execute(sql, [])
                c.fetchall()

        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):  # type: ignore[no-untyped-def]
            queries.append(sql)
            return execute(sql, params, many, context)

        def report(build=build, results: dict[str, Any] = results) -> None:  # type: ignore[no-untyped-def]
            results["report"] = build(user=user, filters=filters)

        raw_s, raw_cpu = best_of(raw)
        with connection.execute_wrapper(count):
            report_s, report_cpu = best_of(report)
        old_s, _ = best_of(old_raw)
        try:
            checked = f"{CHECKS[name](results['report'], results['raw'], True):,} figures equal"
        except Mismatch as e:
            checked = "MISMATCH"
            failures.append(f"{name}: {e}")
        ratio = report_s / raw_s if raw_s else float("inf")
        # This process's CPU: on SQLite the database's work too, on PostgreSQL only the client's
        # (the server's is in its own processes), so no CPU ratio is shown there.
        cpu_ratio = (
            f"{report_cpu / raw_cpu:.1f}" if connection.vendor == "sqlite" and raw_cpu else "-"
        )
        ok = "met" if report_s <= 5 and ratio <= 3 else "MISSED"
        print(
            f"{name:<9} {report_s:>9.3f} {raw_s:>7.3f} {ratio:>6.1f} {report_cpu:>6.2f} "
            f"{raw_cpu:>7.2f} {cpu_ratio:>9} "
            f"{len(queries) // 3:>7}  {ok:<7} {old_s:>9.3f} {report_s / old_s:>9.1f}  {checked}",
            flush=True,
        )
        print(f"          raw: {what}\n          old raw: {old_what}", flush=True)
        if name == "extract":
            rows_s, _ = best_of(lambda: old_raw(OLD_EXTRACT_ROWS[0]))
            print(
                f"          old rows query: {rows_s:.3f} s ({report_s / rows_s:.1f}x): "
                f"{OLD_EXTRACT_ROWS[1]}",
                flush=True,
            )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if failures:
        print("\nMISMATCH between a report and its raw query:", file=sys.stderr)
        for failure in failures:
            print(failure, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
