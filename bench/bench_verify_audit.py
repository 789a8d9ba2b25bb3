"""How long `linkwell verify_audit` takes over a long audit log, and that its memory stays flat.

    .venv/bin/python bench/bench_verify_audit.py                 # 1,000,000 rows, SQLite
    .venv/bin/python bench/bench_verify_audit.py --rows 200000
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lw_bench_audit \\
        .venv/bin/python bench/bench_verify_audit.py

The log is written once into its own database (a SQLite file under /tmp by default, reused by
later runs) with genuine chained hashes, the rows dealt in turn over every chain (as concurrent
appends spread them), so the check follows all the chains at once. verify_audit then runs in a
child process, over the last tenth of the log (--since-id) and over all of it: rows per second for
each, and the child's peak resident memory, which should be about the same for both if memory does
not grow with the log.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "sqlite:////tmp/linkwell_bench_audit.sqlite3"


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": url,
        "DEBUG": "false",
        "LINKWELL_VAR_DIR": str(Path(tempfile.gettempdir()) / "linkwell_bench_var"),
    }


def _fill(rows: int) -> None:
    """Append rows until the log holds ``rows``, hashing each exactly as audit_log does."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from linkwell.audit.models import AUDIT_CHAINS, AuditChainHead, AuditEvent
    from linkwell.audit.services import GENESIS_HASH, audit_row_fields, audit_row_hash

    call_command("migrate", verbosity=0, interactive=False)
    have = AuditEvent.objects.count()
    if have >= rows:
        print(f"log already holds {have:,} rows")
        return
    heads = {head.id: head.last_hash for head in AuditChainHead.objects.all()}
    if not heads:
        heads = dict.fromkeys(range(1, AUDIT_CHAINS + 1), GENESIS_HASH)
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(id=chain, last_hash=h) for chain, h in heads.items()]
        )
    chains = sorted(heads)
    n = have
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch_size = 10_000
    began = time.perf_counter()
    while have < rows:
        batch = []
        for _ in range(min(batch_size, rows - have)):
            n += 1
            chain = chains[n % len(chains)]
            event = AuditEvent(
                at=start + timedelta(seconds=n),
                actor_label="bench",
                action="read",
                object_type="Person",
                object_id=f"{n:032x}",
                request_id=f"bench-{n // 20}",
                ip_address="10.0.0.1",
                detail={"fields": ["given_name", "family_name"], "n": n},
                chain=chain,
                prev_hash=heads[chain],
            )
            event.row_hash = audit_row_hash(prev_hash=heads[chain], fields=audit_row_fields(event))
            heads[chain] = event.row_hash
            batch.append(event)
        with transaction.atomic():
            # Both engines return the new ids (INSERT … RETURNING), so the heads can point at them.
            AuditEvent.objects.bulk_create(batch)
            last = {event.chain: event for event in batch}
            for chain, event in last.items():
                AuditChainHead.objects.filter(id=chain).update(
                    last_id=event.id, last_hash=event.row_hash
                )
        have += len(batch)
        if have % 100_000 == 0 or have == rows:
            print(f"  wrote {have:,} rows ({time.perf_counter() - began:.0f} s)", flush=True)


def _verify(url: str, *extra: str) -> tuple[float, int, str]:
    """Run verify_audit in a child; return seconds, the child's peak RSS in MiB, and its output."""
    began = time.perf_counter()
    result = subprocess.run(  # noqa: S603  # our own interpreter and command
        [sys.executable, "-m", "linkwell", "verify_audit", *extra],
        cwd=ROOT,
        env=_env(url),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if result.returncode != 0:
        raise SystemExit(f"verify_audit failed: {result.stderr.strip()}")
    # ru_maxrss of children is the largest so far; the runs go smallest first so each is its own.
    return seconds, peak // 1024, result.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ.update(_env(url))
    sys.path.insert(0, str(ROOT))

    print(f"== verify_audit over {args.rows:,} rows ({url.split('://')[0]})")
    _fill(args.rows)

    from django.db.models import Max

    from linkwell.audit.models import AuditChainHead

    last_id = AuditChainHead.objects.aggregate(last=Max("last_id"))["last"]
    tenth = max(1, last_id - args.rows // 10 + 1)
    small_s, small_mib, _ = _verify(url, "--since-id", str(tenth))
    full_s, full_mib, output = _verify(url)
    tenth_rows = last_id - tenth + 1
    print(output)
    print(
        f"last tenth ({tenth_rows:,} rows): {small_s:.1f} s, "
        f"{tenth_rows / small_s:,.0f} rows/s, peak memory {small_mib} MiB"
    )
    print(
        f"whole log ({last_id:,} rows):   {full_s:.1f} s, "
        f"{last_id / full_s:,.0f} rows/s, peak memory {full_mib} MiB"
    )
    print(f"memory growth for {last_id / tenth_rows:.0f}x the rows: {full_mib - small_mib} MiB")


if __name__ == "__main__":
    main()
