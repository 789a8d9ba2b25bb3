"""`linkwell verify_audit`: recompute every audit chain and say whether the log is intact.

Exit status 0 when intact, 1 at the first fault (the row id, its chain and why), so it can run from
cron or a monitoring check. Print the last hash of each chain somewhere outside the database to be
able to notice, later, that the end of a chain was cut off and its head moved back with it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from linkwell.audit.verification import audit_chain_verify


class Command(BaseCommand):
    help = "Check that the audit log's hash chain is intact (exit 0) or show the first fault (1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since-id",
            type=int,
            default=None,
            help="Check rows from this id on, trusting the stored hash of the row before it.",
        )
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="Rows fetched per batch (default 2000)."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        since_id = options["since_id"]
        chunk_size = options["chunk_size"]
        if since_id is not None and since_id < 1:
            raise CommandError("--since-id must be a row id of 1 or more.")
        if chunk_size < 1:
            raise CommandError("--chunk-size must be 1 or more.")

        def progress(count: int) -> None:
            if options["verbosity"] >= 2:
                self.stderr.write(f"  {count:,} rows checked…")

        report = audit_chain_verify(
            since_id=since_id, chunk_size=chunk_size, using=options["database"], progress=progress
        )
        scope = f" from id {report.first_id}" if since_id is not None and report.first_id else ""
        if report.problem is None:
            self.stdout.write(
                f"Audit log intact: {report.rows_checked} rows{scope}, last hash {report.last_hash}"
            )
            if len(report.chain_ends) > 1:
                for end in report.chain_ends:
                    self.stdout.write(
                        f"  chain {end.chain}: last row {end.last_id}, hash {end.last_hash}"
                    )
            return
        problem = report.problem
        where = f"row {problem.row_id}" if problem.row_id is not None else "the chain heads"
        if problem.chain is not None:
            where += f" in chain {problem.chain}"
        self.stderr.write(
            f"Audit log broken at {where}: {problem.fault} ({problem.explanation}). "
            f"{report.rows_checked} rows{scope} were intact before it."
        )
        raise SystemExit(1)
