"""Issue 2 benchmark: referral intake through the API beside a trivial endpoint, 100,000 people.

    .venv/bin/python bench/bench_referral_intake.py                 # SQLite in bench/out/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lw_bench \\
        .venv/bin/python bench/bench_referral_intake.py             # PostgreSQL

What it does, in one run:
1. makes a fresh database (the SQLite file bench/out/bench.sqlite3, or the PostgreSQL database
   named in DATABASE_URL, which is dropped and re-created: its name must contain "bench") and
   migrates it;
2. bulk-loads 100,000 fictional people (bulk_create: the benchmark measures intake, not loading),
   a service with a team, a GP practice with a referrer and the referrer's API token;
3. serves the app with gunicorn (sync workers) in a subprocess and drives it over loopback with
   N client threads: GET /api/v1/me (the trivial authenticated endpoint), then
   POST /api/v1/referrals (bearer token, a new Idempotency-Key each time, a new person each time,
   so the duplicate check runs against the 100,000), then GET /api/v1/me again; each phase runs
   for a fixed time. The trivial figure is the mean of its two phases, so a change in the
   machine's background load during the run is not counted for or against intake. Each phase's
   CPU time per request is read from /proc: gunicorn's processes, the client threads (this
   process) and the whole machine, with the share of the phase the machine was idle;
4. times people.selectors.person_find_duplicates in-process over 1,000 lookups, half of them
   for people already on the register (with a slip in the name), half for new people;
5. measures the CPU time per request of both endpoints in-process (Django's test client, the
   cheapest of several batches) and counts the SQL statements of one intake: figures that a busy
   machine hardly moves, for comparing changes.

Prints a table and the two targets: intake req/s at least half the trivial endpoint's, and the
duplicate check's p95 under 20 ms. Not part of the test suite.

``--reuse`` keeps the database of an earlier run (migrated again, no people loaded): the people
and referrals earlier runs made stay, so the register is a little bigger than ``--people``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent

_GIVEN_WORDS = (
    "Margaret Susan Karen Emma Chloe Priya Ayesha Fatima Grace Blessing Mei Agnieszka Siobhan "
    "Beverley Jade Leila Sunita Nasreen Rahima Joanne Claire Gemma Jean Dorothy Amina Hiwet "
    "David John Paul Mark Liam Connor Mohammed Imran Tariq Emmanuel Kwame Wei Tomasz Sean "
    "Winston Marcus Omar Rajesh Abdul Brian Keith Gary Daniel Ryan Callum Ronald Derek Yonas"
)
_FAMILY_WORDS = (
    "Smith Jones Taylor Brown Wilson Walker Wood Robinson Thompson Wright Hall Green Clarke "
    "Jackson Harrison Mitchell Hughes Shaw Holmes Barker Marshall Atkinson Dawson Hirst "
    "Sutcliffe Ackroyd Greenwood Bairstow Haigh Lister Khan Hussain Akhtar Iqbal Mahmood Shah "
    "Patel Sharma Singh Gill Sandhu Mistry Okafor Mensah Adeyemi Osei Mohamed Tesfaye Chen "
    "Wang Wong Nowak Kaminski Popescu Murphy Kelly Byrne Campbell Williams Francis Bailey "
    "Uddin Miah Rahman Chowdhury Begum Hassan Karimi Rashid Moyo Abdullahi Nwosu Reid Henry"
)
GIVEN = _GIVEN_WORDS.split()
FAMILY = _FAMILY_WORDS.split()
OUTWARD = ("LS6", "LS7", "LS8", "LS9", "LS11", "LS12", "LS14", "LS15")
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
REASONS = (
    "I lost my job in March and the debts are piling up.",
    "Since my husband died I don't see anyone from one week to the next.",
    "The flat is damp and the landlord won't do anything.",
    "I look after my mum and I'm exhausted.",
)


def postcode(rng: random.Random) -> str:
    inward = f"{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    return f"{rng.choice(OUTWARD)} {inward}"


def birth_date(rng: random.Random) -> dt.date:
    return dt.date(1930, 1, 1) + dt.timedelta(days=rng.randint(0, 77 * 365))


def nhs_number(rng: random.Random) -> str:
    """A valid NHS number from the 999 range kept for testing (modulus 11)."""
    while True:
        nine = f"999{rng.randint(0, 999999):06d}"
        total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return f"{nine}{check}"


# --- database ----------------------------------------------------------------------------------


def fresh_database() -> tuple[str, str]:
    """Make an empty database; returns (DATABASE_URL, a description)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parsed = urlparse(url)
        name = parsed.path.lstrip("/")
        if "bench" not in name:
            sys.exit(
                f"Refusing to drop the database {name!r}: the benchmark re-creates the database "
                "named in DATABASE_URL, so its name must contain 'bench' (e.g. .../lw_bench)."
            )
        admin = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return url, f"PostgreSQL ({parsed.hostname}:{parsed.port or 5432}/{name})"
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}", f"SQLite ({path.relative_to(ROOT)}, WAL)"


def existing_database() -> tuple[str, str]:
    """The database an earlier run made (``--reuse``); returns (DATABASE_URL, a description)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parsed = urlparse(url)
        name = parsed.path.lstrip("/")
        return url, f"PostgreSQL ({parsed.hostname}:{parsed.port or 5432}/{name}, reused)"
    path = OUT / "bench.sqlite3"
    if not path.exists():
        sys.exit(f"--reuse: there is no {path.relative_to(ROOT)} yet; run once without --reuse.")
    return f"sqlite:///{path}", f"SQLite ({path.relative_to(ROOT)}, WAL, reused)"


def app_env(database_url: str) -> dict[str, str]:
    var = OUT / "var"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEBUG="false",
        DATABASE_URL=database_url,
        LINKWELL_VAR_DIR=str(var),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="ERROR",
    )
    return env


def reuse_seed(people: int) -> tuple[str, float]:
    """A new API token for the referrer an earlier run made; the people are already there."""
    from linkwell.accounts.models import User
    from linkwell.accounts.services import api_token_create
    from linkwell.people.models import Person

    referrer = User.objects.filter(username="bench-referrer").first()
    have = Person.objects.count()
    if referrer is None or have < people:
        sys.exit(
            f"--reuse: the database holds {have:,} people (and needs the bench referrer); "
            f"run once without --reuse to load {people:,}."
        )
    _, token = api_token_create(user=referrer, name="benchmark", actor=None)
    return token, 0.0


def seed(people: int, rng: random.Random) -> tuple[str, float]:
    """Organisations, a referrer with an API token, and ``people`` people. Returns the token and
    the seconds the people took to load."""
    from django.db import transaction

    from linkwell.accounts.models import Organisation, OrganisationKind, Role, Team
    from linkwell.accounts.services import (
        api_token_create,
        organisation_save,
        team_save,
        user_create,
    )

    service = organisation_save(
        organisation=Organisation(
            name="Bench Wellbeing", kind=OrganisationKind.SOCIAL_PRESCRIBING_SERVICE
        ),
        actor=None,
    )
    team_save(team=Team(organisation=service, name="Intake"), actor=None)
    gp = organisation_save(
        organisation=Organisation(
            name="Bench Surgery", kind=OrganisationKind.GP_PRACTICE, ods_code="Y99999"
        ),
        actor=None,
    )
    referrer = user_create(
        username="bench-referrer", role=Role.REFERRER, organisation=gp, actor=None
    )
    _, token = api_token_create(user=referrer, name="benchmark", actor=None)

    started = time.perf_counter()
    with transaction.atomic():  # one commit, not one per batch
        _bulk_people(people, rng)
    # A live database has planner statistics; a freshly bulk-loaded one has none until autovacuum
    # runs, and PostgreSQL then picks poor plans for the duplicate check's lookups.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return token, time.perf_counter() - started


def _bulk_people(people: int, rng: random.Random) -> None:
    from linkwell.people.models import Person

    used: set[str] = set()
    batch: list[Person] = []
    for _ in range(people):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        number = ""
        if rng.random() < 0.85:
            number = nhs_number(rng)
            while number in used:
                number = nhs_number(rng)
            used.add(number)
        batch.append(
            Person(
                nhs_number=number,
                given_name=given,
                family_name=family,
                search_given_name=given.lower(),
                search_family_name=family.lower(),
                date_of_birth=birth_date(rng),
                postcode=postcode(rng),
                phone=f"07700 900{rng.randint(0, 999):03d}",
                deprivation_decile=rng.randint(1, 10),
            )
        )
        if len(batch) == 5000:
            Person.objects.bulk_create(batch, batch_size=1000)
            batch.clear()
    if batch:
        Person.objects.bulk_create(batch, batch_size=1000)


# --- HTTP load ---------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[int | str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # CPU seconds over the phase (cpu_snapshot): gunicorn's processes, this process (the client
    # threads), the whole machine busy and idle; None where /proc cannot be read.
    cpu: tuple[float, float, float, float] | None = None

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def referral_body(rng: random.Random) -> bytes:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    payload = {
        "person": {
            "given_name": given,
            "family_name": family,
            "date_of_birth": birth_date(rng).isoformat(),
            "nhs_number": nhs_number(rng),
            "postcode": postcode(rng),
            "phone": f"07700 900{rng.randint(0, 999):03d}",
        },
        "source": "gp_practice",
        "reason": rng.choice(REASONS),
        "suggested_needs": ["money"],
        "consent_confirmed": True,
    }
    return json.dumps(payload).encode()


def _process_cpu(stat: str) -> float:
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def cpu_snapshot(server_pid: int | None) -> tuple[float, float, float, float] | None:
    """CPU seconds used so far by the gunicorn master ``server_pid`` and its workers, by this
    process, and by the whole machine (busy, idle including I/O wait), from /proc; None where
    /proc cannot be read. A worker that exits during a phase takes its CPU time with it."""
    try:
        server = 0.0
        if server_pid is not None:
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(entry) == server_pid or int(stat.rsplit(")", 1)[1].split()[1]) == server_pid:
                    server += _process_cpu(stat)
        own = _process_cpu(Path("/proc/self/stat").read_text())
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    idle = (ticks[3] + ticks[4]) / tick  # idle + iowait
    return server, own, sum(ticks[:8]) / tick - idle, idle


def run_phase(
    name: str,
    port: int,
    clients: int,
    seconds: float,
    make: object,
    expect: set[int],
    server_pid: int | None = None,
) -> Phase:
    phase = Phase(name)
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(index: int) -> None:
        rng = random.Random(index * 7919 + int(time.time()))
        while time.perf_counter() < deadline:
            method, path, headers, body = make(rng)  # type: ignore[operator]
            start = time.perf_counter()
            try:
                status, _ = request(port, method, path, headers, body)
            except OSError as exc:
                status = type(exc).__name__  # type: ignore[assignment]
            took = time.perf_counter() - start
            with lock:
                if status in expect:
                    phase.latencies.append(took)
                else:
                    phase.errors[status] = phase.errors.get(status, 0) + 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    cpu_before = cpu_snapshot(server_pid)
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.seconds = time.perf_counter() - started
    cpu_after = cpu_snapshot(server_pid)
    if cpu_before is not None and cpu_after is not None:
        server_s, client_s, busy_s, idle_s = (
            b - a for a, b in zip(cpu_before, cpu_after, strict=True)
        )
        phase.cpu = (server_s, client_s, busy_s, idle_s)
    return phase


def start_server(
    env: dict[str, str], port: int, workers: int, threads: int = 1
) -> subprocess.Popen[bytes]:
    log = open(OUT / "gunicorn.log", "wb")  # noqa: SIM115  # closed with the process
    server = subprocess.Popen(  # noqa: S603  # our own venv's gunicorn, fixed arguments
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync" if threads == 1 else "gthread",
            "--threads",
            str(threads),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            status, _ = request(port, "GET", "/api/v1/me", {})
            if status in (200, 401):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    sys.exit(f"gunicorn did not start; see {OUT / 'gunicorn.log'}")


# --- duplicate check ---------------------------------------------------------------------------


def time_duplicate_check(lookups: int, rng: random.Random) -> list[float]:
    from linkwell.people.models import Person
    from linkwell.people.selectors import person_find_duplicates

    top = Person.objects.order_by("-id").values_list("id", flat=True).first() or 1
    timings: list[float] = []
    for i in range(lookups):
        if i % 2 == 0:
            existing = (
                Person.objects.filter(id__gte=rng.randint(1, top))
                .values("given_name", "family_name", "date_of_birth", "postcode")
                .first()
            )
            assert existing is not None
            given = existing["given_name"]
            slip = given[:2] + given[3] + given[2] + given[4:] if len(given) > 4 else given
            query = {**existing, "given_name": slip, "nhs_number": ""}
        else:
            query = {
                "given_name": rng.choice(GIVEN),
                "family_name": rng.choice(FAMILY),
                "date_of_birth": birth_date(rng),
                "postcode": postcode(rng),
                "nhs_number": nhs_number(rng),
            }
        start = time.perf_counter()
        person_find_duplicates(**query)
        timings.append(time.perf_counter() - start)
    return timings


# --- in-process cost ---------------------------------------------------------------------------


def _server_cpu_reader() -> object:
    """A function giving the CPU seconds used so far by this process's PostgreSQL backend, or
    None when that cannot be read (SQLite, or a server on another machine)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def used() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

    return used


def in_process_cost(
    token: str, rounds: int, rng: random.Random
) -> tuple[float, float, int, dict[str, float] | None]:
    """CPU milliseconds per request of each endpoint, served in this process by Django's test
    client (no HTTP, no other workers), and the SQL statements of one intake.

    Each endpoint runs in alternating batches and the cheapest batch counts: CPU time of this
    process alone, so other work on the machine hardly moves it. A figure to compare changes by
    on a busy machine; the target is the HTTP ratio above. On PostgreSQL also the database
    server's CPU per request (its backend process's, mean over every batch: the clock ticks in
    hundredths of a second), when the server runs on this machine.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")  # a host in ALLOWED_HOSTS (app_env)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def me() -> None:
        assert client.get("/api/v1/me", **auth).status_code == 200

    def intake() -> None:
        response = client.post(
            "/api/v1/referrals",
            referral_body(rng),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
            **auth,
        )
        assert response.status_code == 201, response.content

    server = _server_cpu_reader()
    server_total = {"me": 0.0, "intake": 0.0}
    best = {"me": float("inf"), "intake": float("inf")}
    for _ in range(rounds):
        for name, call in (("me", me), ("intake", intake)):
            server_started = server() if server else 0.0  # type: ignore[operator]
            started = time.process_time()
            for _ in range(15):
                call()
            best[name] = min(best[name], (time.process_time() - started) / 15 * 1000)
            if server:
                server_total[name] += server() - server_started  # type: ignore[operator]
    with CaptureQueriesContext(connection) as queries:
        intake()
    server_ms = None
    if server:
        server_ms = {name: total / (rounds * 15) * 1000 for name, total in server_total.items()}
    return best["me"], best["intake"], len(queries.captured_queries), server_ms


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker (1: sync workers; more: gunicorn's gthread workers)",
    )
    parser.add_argument("--seconds", type=float, default=20, help="length of each load phase")
    parser.add_argument("--lookups", type=int, default=1000, help="duplicate checks to time")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument(
        "--rounds", type=int, default=10, help="batches of the in-process CPU measure"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database of an earlier run instead of making and loading a fresh one",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    wall = time.perf_counter()
    load_before = os.getloadavg()[0]

    database_url, where = existing_database() if args.reuse else fresh_database()
    env = app_env(database_url)
    print(f"Migrating the database: {where}", flush=True)
    subprocess.run(  # noqa: S603  # our own venv's linkwell, fixed arguments
        [str(BIN / "linkwell"), "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if args.reuse:
        token, load_seconds = reuse_seed(args.people)
    else:
        print(f"Loading {args.people:,} people...", flush=True)
        token, load_seconds = seed(args.people, rng)
    from django.db import connections

    connections.close_all()

    port = free_port()
    print(f"Starting gunicorn ({args.workers} workers) on 127.0.0.1:{port}...", flush=True)
    server = start_server(env, port, args.workers, args.threads)
    auth = {"Authorization": f"Bearer {token}"}

    def trivial(r: random.Random) -> tuple[str, str, dict[str, str], None]:
        return "GET", "/api/v1/me", auth, None

    def intake(r: random.Random) -> tuple[str, str, dict[str, str], bytes]:
        headers = {
            **auth,
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        return "POST", "/api/v1/referrals", headers, referral_body(r)

    try:
        # Warm every worker (imports, first connections) before measuring.
        run_phase("warm-up", port, args.clients, 2, trivial, {200})
        run_phase("warm-up", port, args.clients, 2, intake, {201})
        print(f"Measuring: {args.clients} clients, {args.seconds:g} s per phase...", flush=True)
        pid = server.pid
        me_1 = run_phase("GET /api/v1/me", port, args.clients, args.seconds, trivial, {200}, pid)
        post = run_phase(
            "POST /api/v1/referrals", port, args.clients, args.seconds, intake, {201}, pid
        )
        me_2 = run_phase("GET /api/v1/me", port, args.clients, args.seconds, trivial, {200}, pid)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"Timing {args.lookups:,} duplicate checks...", flush=True)
    connections.close_all()
    dup = time_duplicate_check(args.lookups, rng)
    from linkwell.people.models import Person
    from linkwell.referrals.models import Referral

    # New people for the in-process intakes on every run: the seeded sequence would make the
    # same people on every --reuse run, each then flagged as a possible duplicate of the last
    # run's (a pair row and its audit row more per intake than a new person costs).
    me_cpu, intake_cpu, statements, server_ms = in_process_cost(token, args.rounds, random.Random())
    people_now = Person.objects.count()
    referrals_now = Referral.objects.count()

    trivial_rps = (me_1.rps + me_2.rps) / 2
    ratio = post.rps / trivial_rps if trivial_rps else 0.0
    dup_p95 = pct(dup, 95)
    load_after = os.getloadavg()[0]

    print()
    print("Linkwell referral intake benchmark (issue 2)")
    print(f"  database        {where}")
    loaded = "from an earlier run" if args.reuse else f"bulk-loaded in {load_seconds:.1f} s"
    print(f"  people          {args.people:,} {loaded}")
    print(f"                  {people_now:,} people and {referrals_now:,} referrals at the end")
    kind = "sync workers" if args.threads == 1 else f"gthread workers x {args.threads} threads"
    print(f"  server          gunicorn, {args.workers} {kind}, loopback")
    print(f"  clients         {args.clients} threads, {args.seconds:g} s per phase")
    print(f"  machine         {os.cpu_count()} CPUs; load average {load_before:.1f} before, "
          f"{load_after:.1f} after")  # fmt: skip
    print()
    print(f"  {'endpoint':<28}{'ok':>8}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for phase in (me_1, post, me_2):
        errors = sum(phase.errors.values())
        print(
            f"  {phase.name:<28}{phase.ok:>8}{errors:>8}{phase.rps:>9.1f}"
            f"{phase.percentile(50):>9.1f}{phase.percentile(95):>9.1f}"
        )
        if phase.errors:
            print(f"  {'':<28}errors by status: {phase.errors}")
    print()
    cpus = [(phase, phase.cpu) for phase in (me_1, post, me_2) if phase.ok]
    if len(cpus) == 3 and all(cpu is not None for _, cpu in cpus):
        # Where each request's machine time went: gunicorn (master and workers), the client
        # threads (this process: building and sending requests, reading responses), and the
        # whole machine's busy time (the database server and everything else running included).
        print(f"  {'CPU ms per request':<28}{'gunicorn':>10}{'client':>8}{'machine':>9}{'idle':>7}")
        for phase, cpu in cpus:
            if cpu is None:
                continue
            server_s, client_s, busy_s, idle_s = cpu
            idle = idle_s / (busy_s + idle_s) * 100 if busy_s + idle_s else 0.0
            print(
                f"  {phase.name:<28}{server_s / phase.ok * 1000:>10.2f}"
                f"{client_s / phase.ok * 1000:>8.2f}{busy_s / phase.ok * 1000:>9.2f}{idle:>6.0f}%"
            )
        print()
    verdict = "met" if ratio >= 0.5 else "MISSED"
    print(f"  intake / trivial req/s        {ratio:.2f}   (target >= 0.5: {verdict})")
    verdict = "met" if dup_p95 < 20 else "MISSED"
    print(
        f"  duplicate check ({len(dup):,} lookups) p50 {pct(dup, 50):.2f} ms, "
        f"p95 {dup_p95:.2f} ms   (target p95 < 20 ms: {verdict})"
    )
    print(
        f"  in-process CPU per request: GET /api/v1/me {me_cpu:.2f} ms, "
        f"POST /api/v1/referrals {intake_cpu:.2f} ms ({statements} SQL statements per intake)"
    )
    if server_ms is not None:
        print(
            f"  PostgreSQL server CPU per request (same requests): GET /api/v1/me "
            f"{server_ms['me']:.2f} ms, POST /api/v1/referrals {server_ms['intake']:.2f} ms"
        )
    print(f"  whole run {time.perf_counter() - wall:.0f} s")


if __name__ == "__main__":
    main()
