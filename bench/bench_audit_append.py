"""Audited write transactions per second from several processes at once, with the audit log's
one chain head that every append used to lock, and with its eight chains (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lw_bench_audit_append \\
        .venv/bin/python bench/bench_audit_append.py [--processes 4] [--seconds 8] [--rounds 2]

Each process runs transactions of four audit rows (``audit_batch``, as referral intake writes
them) and commits, for a fixed time. "1 head": another connection holds the heads of chains 2-8
locked meanwhile, so every append locks chain 1's head until its COMMIT (and the commit's WAL
flush), as before the log had chains. "8 heads": every head free, as in use. The rounds
alternate, so a change in the machine's load falls on both. The log is verified at the end. The
database named in DATABASE_URL is dropped and re-created (its name must contain "bench"). Not
part of the test suite.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": url,
        "LINKWELL_VAR_DIR": str(ROOT / "bench" / "out" / "var_audit_append"),
        "LOG_LEVEL": "ERROR",
    }


def _worker(seconds: float, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import transaction

    from linkwell.audit.services import audit_batch, audit_log

    done = 0
    cpu = time.process_time()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        with transaction.atomic(), audit_batch():
            for i in range(4):
                audit_log(action="read", object_type="Thing", object_id=str(i), detail={"n": done})
        done += 1
    results.put((done, time.process_time() - cpu))


def _run(processes: int, seconds: float) -> tuple[float, float]:
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    workers = [
        multiprocessing.Process(target=_worker, args=(seconds, results)) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    counts = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    total = sum(n for n, _ in counts)
    return total / seconds, sum(c for _, c in counts) / max(total, 1) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Give a PostgreSQL DATABASE_URL (SQLite has one writer at a time anyway).")
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop the database {name!r}: its name must contain 'bench'.")
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(_env(url))
    Path(os.environ["LINKWELL_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    print(f"Migrating {name}...", flush=True)
    subprocess.run(  # noqa: S603  # our own venv's linkwell, fixed arguments
        [str(BIN / "linkwell"), "migrate", "--noinput", "-v0"], cwd=ROOT, check=True
    )
    print(f"{os.cpu_count()} CPUs; {args.processes} processes, {args.seconds:g} s per measure")
    with psycopg.connect(url, autocommit=True) as blocker:
        for round_ in range(1, args.rounds + 1):
            for heads in (1, 8):
                if heads == 1:
                    blocker.execute("BEGIN")
                    blocker.execute("SELECT id FROM audit_auditchainhead WHERE id > 1 FOR UPDATE")
                load = os.getloadavg()[0]
                rate, cpu = _run(args.processes, args.seconds)
                if heads == 1:
                    blocker.execute("ROLLBACK")
                print(
                    f"  round {round_}: {heads} head{'s' if heads > 1 else ''}: "
                    f"{rate:6.0f} audited transactions/s, CPU {cpu:.2f} ms each "
                    f"(this process's workers), load average {load:.1f}",
                    flush=True,
                )
    verify = subprocess.run(  # noqa: S603  # our own venv's linkwell, fixed arguments
        [str(BIN / "linkwell"), "verify_audit"], cwd=ROOT, capture_output=True, text=True
    )
    print((verify.stdout or verify.stderr).splitlines()[0])


if __name__ == "__main__":
    main()
