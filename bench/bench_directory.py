"""Issue 3 benchmark: the community directory with 100,000 generated services.

    .venv/bin/python bench/bench_directory.py                      # SQLite in bench/out/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lw_bench_directory \\
        .venv/bin/python bench/bench_directory.py                  # PostgreSQL
    .venv/bin/python bench/bench_directory.py --services 20000     # a quicker run
    .venv/bin/python bench/bench_directory.py --db-file bench/out/other.sqlite3 \\
        --data-file bench/out/other.json --import-only             # own files, no search

What it does, in one run:
1. makes a fresh database (bench/out/bench_directory.sqlite3 or the file given by --db-file, or the
   PostgreSQL database named in DATABASE_URL, dropped and re-created: its name must contain
   "bench") and migrates it;
2. writes an HSDS 3.0 JSON array (bench/out/directory_<services>.json or --data-file): 1,000
   organizations, then the services, each with
   a location (address, coordinates around Leeds), a weekly schedule, a phone, a language and
   Linkwell's facts (needs, delivery modes, cost, access, verification) as attributes;
3. imports it with ``linkwell.directory.services.hsds_import`` (what ``linkwell import_hsds``
   runs), timing it, and reads the process's peak RSS (the generator streams to disk, so the
   peak is the import's), its CPU time and, on a local PostgreSQL, the server process's;
4. runs 50 fixed queries through ``service_search`` four ways (text only; text with filters;
   text with a distance from a point, sorted by distance; filters within a distance without
   text) and, on the same data in the same run, the raw full-text index query alone (FTS5
   MATCH ... ORDER BY bm25, or the tsvector @@ query ORDER BY ts_rank), each with LIMIT 20.
   Every query runs once to warm up, then five times; p50/p95 are over the 250 timings.

Targets: import >= 2,000 services/s with peak RSS < 500 MB; search p95 <= 30 ms and <= 3x the
raw index query. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

WORDS = {
    "money": ["debt", "benefits", "budgeting", "money", "advice", "credit", "bills"],
    "housing": ["housing", "tenancy", "homeless", "repairs", "rent"],
    "loneliness": ["friendship", "befriending", "lunch", "club", "social", "company"],
    "physical_activity": ["walking", "football", "yoga", "swimming", "dance", "cycling"],
    "mental_wellbeing": ["wellbeing", "stress", "anxiety", "mindfulness", "counselling"],
    "bereavement": ["bereavement", "grief", "loss"],
    "employment": ["jobs", "cv", "interview", "work", "careers"],
    "food": ["food", "pantry", "cooking", "meals"],
    "digital": ["computer", "internet", "tablet", "online"],
    "caring": ["carers", "respite", "caring"],
}
KINDS = ["group", "drop-in", "service", "project", "club", "clinic", "network", "hub"]
AREAS = ["Headingley", "Chapel Allerton", "Roundhay", "Beeston", "Armley", "Seacroft", "Otley"]
MODES = ["face_to_face", "telephone", "video", "home_visit", "community_venue", "online_group"]
QUERIES = [
    "debt advice", "walking", "benefits", "friendship club", "yoga", "bereavement support",
    "housing repairs", "jobs cv", "food pantry", "computer help", "carers respite", "stress",
    "mindfulness group", "football", "swimming", "lunch club", "tenancy", "anxiety", "grief",
    "interview", "cooking", "internet", "dance", "cycling", "money", "homeless", "counselling",
    "befriending", "budgeting", "careers", "meals", "tablet", "rent", "bills", "credit", "social",
    "wellbeing hub", "loss", "respite", "work", "company", "online", "pantry", "club", "advice",
    "clinic", "network", "project", "beeston", "armley",
]  # fmt: skip


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def reused_database(path: Path) -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url, f"PostgreSQL ({urlparse(url).path.lstrip('/')}, reused)"
    if not path.exists():
        sys.exit(f"No database to reuse at {path}: run once without --reuse.")
    return f"sqlite:///{path}", f"SQLite ({shown(path)}, reused)"


def fresh_database(path: Path) -> tuple[str, str]:
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
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}", f"SQLite ({shown(path)}, WAL)"


def generate(path: Path, services: int, rng: random.Random) -> None:
    """Stream the HSDS JSON array to disk: organizations first, then services.

    Written under a temporary name and renamed at the end, so a run that starts meanwhile with
    the same file never reads it half-written.
    """
    from linkwell.hsds import linkwell_terms as lt

    orgs = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(1000)]
    verified = "2026-06-01T12:00:00+00:00"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    with partial.open("w") as f:
        f.write("[")
        for i, oid in enumerate(orgs):
            org = {"id": oid, "name": f"{rng.choice(AREAS)} Community Trust {i}",
                   "description": "A local charity."}  # fmt: skip
            f.write(("," if i else "") + json.dumps(org))
        for n in range(services):
            sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            need = rng.choice(list(WORDS))
            words = rng.sample(WORDS[need], k=min(2, len(WORDS[need])))
            area = rng.choice(AREAS)
            name = f"{area} {' '.join(words).title()} {rng.choice(KINDS)} {n}"
            lid = str(uuid.uuid4())
            facts = lt.ServiceFacts()
            facts.add("need", need)
            for mode in rng.sample(MODES, k=2):
                facts.add("delivery_mode", mode)
            facts.add("cost", rng.choice(["free", "free", "paid"]))
            facts.add("access", rng.choice(["self_referral", "referral_needed"]))
            facts.add("verified_at", verified)
            service = {
                "id": sid,
                "organization_id": rng.choice(orgs),
                "name": name,
                "status": "active",
                "description": f"{' '.join(rng.choices(sum(WORDS.values(), []), k=12))} in {area}.",
                "minimum_age": rng.choice([None, 16, 18, 50]),
                "phones": [{"id": str(uuid.uuid4()), "number": "0113 496 0000"}],
                "languages": [{"id": str(uuid.uuid4()), "code": rng.choice(["en", "en", "ur"])}],
                "schedules": [
                    {
                        "id": str(uuid.uuid4()),
                        "freq": "WEEKLY",
                        "byday": rng.choice(["MO", "TU,TH", "WE,FR", "SA"]),
                        "opens_at": "10:00",
                        "closes_at": "15:00",
                    }
                ],  # fmt: skip
                "service_at_locations": [
                    {
                        "id": str(uuid.uuid4()),
                        "location": {
                            "id": lid,
                            "location_type": "physical",
                            "name": f"{area} venue",
                            "latitude": round(53.80 + rng.uniform(-0.25, 0.25), 5),
                            "longitude": round(-1.55 + rng.uniform(-0.4, 0.4), 5),
                            "addresses": [
                                {
                                    "id": str(uuid.uuid4()),
                                    "address_1": "1 High Street",
                                    "city": "Leeds",
                                    "region": area,
                                    "state_province": "West Yorkshire",
                                    "postal_code": "LS1 1AA",
                                    "country": "GB",
                                    "address_type": "physical",
                                }
                            ],
                        },
                    }
                ],  # fmt: skip
                "attributes": lt.facts_to_attributes(sid, facts),
            }
            if service["minimum_age"] is None:
                del service["minimum_age"]
            f.write("," + json.dumps(service))
        f.write("]")
    partial.replace(path)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(fn, repeats: int = 5, cpu: list[float] | None = None) -> list[float]:  # type: ignore[no-untyped-def]
    """Wall-clock milliseconds of each timed call; the process's CPU milliseconds into ``cpu``."""
    out = []
    for query in QUERIES:
        fn(query)
        for _ in range(repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            fn(query)
            out.append((time.perf_counter() - start) * 1000)
            if cpu is not None:
                cpu.append((time.process_time() - start_cpu) * 1000)
    return out


def raw_index_query(query: str) -> list:  # type: ignore[type-arg]
    from django.db import connection

    from linkwell.directory.search import TSVECTOR, words

    terms = words(query)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT rowid, bm25(directory_service_fts, 10.0, 1.0) AS s "
                "FROM directory_service_fts WHERE directory_service_fts MATCH %s "
                "ORDER BY s LIMIT 20",
                [" ".join(f'"{w}"*' for w in terms)],
            )
        else:
            cursor.execute(
                f"SELECT d.id, ts_rank({TSVECTOR}, q) AS s "  # noqa: S608  # a constant expression
                "FROM directory_servicesearchdocument d, "
                f"to_tsquery('english', %s) q WHERE {TSVECTOR} @@ q ORDER BY s DESC LIMIT 20",
                [" & ".join(f"{w}:*" for w in terms)],
            )
        return cursor.fetchall()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of the last run: search only"
    )
    parser.add_argument(
        "--db-file",
        type=Path,
        default=OUT / "bench_directory.sqlite3",
        help="the SQLite database file (default bench/out/bench_directory.sqlite3)",
    )
    parser.add_argument(
        "--data-file",
        type=Path,
        help="the generated HSDS JSON file (default bench/out/directory_<services>.json)",
    )
    parser.add_argument("--import-only", action="store_true", help="load the data, no search")
    args = parser.parse_args()
    if args.reuse and args.import_only:
        parser.error("--reuse searches only and --import-only loads only: choose one")
    db_file = args.db_file.resolve()
    url, label = reused_database(db_file) if args.reuse else fresh_database(db_file)
    var = OUT / "var_directory"
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

    call_command("migrate", verbosity=0)

    print(f"Database: {label}")
    if not args.reuse:
        load(args.services, args.data_file or OUT / f"directory_{args.services}.json")
    if not args.import_only:
        search()


def load(count: int, data: Path) -> None:
    from linkwell.directory.services import hsds_import

    started = time.perf_counter()
    generate(data, count, random.Random(3))
    print(f"Generated {count:,} services in {time.perf_counter() - started:.1f}s "
          f"({data.stat().st_size / 1e6:.0f} MB)")  # fmt: skip
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load_before = os.getloadavg()[0]
    server = server_cpu()
    cpu = time.process_time()
    report = hsds_import(source=str(data))
    cpu = time.process_time() - cpu
    server = server_cpu() - server if server is not None else None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    services = report.created["service"]
    rate = services / report.seconds
    print(f"Import: {services:,} services in {report.seconds:.1f}s = {rate:,.0f} services/s "
          f"(target >= 2,000); refused {len(report.problems)}")  # fmt: skip
    # On a shared machine the wall clock counts the other processes too; the import's own CPU
    # time (all of it on SQLite, the Python side on PostgreSQL) does not.
    print(f"  this process's CPU: {cpu:.1f}s = {services / cpu:,.0f} services per CPU-second; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
          f"on {os.cpu_count()} CPUs")  # fmt: skip
    if server is not None:
        print(f"  the PostgreSQL server's CPU for this connection: {server:.1f}s; together "
              f"{services / (cpu + server):,.0f} services per CPU-second")  # fmt: skip
    print(f"Peak RSS: {rss:,.0f} MB (before import {rss_before:,.0f} MB; target < 500 MB)")


def server_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (a local server)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None  # the server is on another machine
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def search() -> None:
    from linkwell.directory.models import Service
    from linkwell.directory.selectors import Origin, ServiceFilters, service_search

    print(f"Services: {Service.objects.count():,}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")  # fmt: skip

    leeds = Origin(53.7997, -1.5492)
    filters = ServiceFilters(cost="free", delivery_modes=("face_to_face", "telephone"), age=30)
    runs = {
        "raw index query (LIMIT 20)": lambda q: raw_index_query(q),
        "service_search text": lambda q: service_search(query=q),
        "service_search text + filters": lambda q: service_search(query=q, filters=filters),
        "service_search text + 5 km, by distance": lambda q: service_search(
            query=q, origin=leeds, filters=ServiceFilters(max_distance_km=5), sort="distance"
        ),
        "service_search filters only + 5 km": lambda q: service_search(
            origin=leeds, filters=ServiceFilters(max_distance_km=5, cost="free")
        ),
    }
    results = {}
    # The CPU column is this process's time (all of the query's work on SQLite; on PostgreSQL
    # the server's share is not in it): the load of other work disturbs it much less. On a
    # local PostgreSQL the server's CPU per call follows: the mean over all of a way's calls
    # (warm-up included), since /proc counts in 10 ms ticks.
    server = server_cpu() is not None
    print(f"\n{'search (50 queries x 5)':<44}{'p50 ms':>9}{'p95 ms':>9}{'CPU p50':>9}"
          + (f"{'server CPU':>12}" if server else ""))  # fmt: skip
    for name, fn in runs.items():
        cpu: list[float] = []
        before = server_cpu()
        times = timed(fn, cpu=cpu)
        after = server_cpu()
        results[name] = (pct(times, 50), pct(times, 95))
        line = f"{name:<44}{results[name][0]:>9.1f}{results[name][1]:>9.1f}{pct(cpu, 50):>9.1f}"
        if before is not None and after is not None:
            line += f"{(after - before) * 1000 / (len(times) + len(QUERIES)):>12.1f}"
        print(line)
    raw95 = results["raw index query (LIMIT 20)"][1]
    worst = max(v[1] for k, v in results.items() if k.startswith("service_search"))
    print(f"\nWorst service_search p95: {worst:.1f} ms (target <= 30 ms); "
          f"{worst / raw95:.1f}x the raw index query's p95 (target <= 3x); "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
