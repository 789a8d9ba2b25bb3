"""linkwell import_hsds PATH_OR_URL [--atomic] [--type service]: load HSDS 3.0 data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from linkwell.directory.models import HSDS_MODELS
from linkwell.directory.services import hsds_import
from linkwell.hsds.reader import SourceError

SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = (
        "Import Open Referral HSDS 3.0 (or UK profile) data: a JSON object, array or API page, "
        "a URL, or a CSV data package folder. Re-importing updates records in place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="a file, a data package folder, or an http(s) URL")
        parser.add_argument(
            "--atomic", action="store_true", help="load nothing if any record is refused"
        )
        parser.add_argument(
            "--type",
            dest="table",
            choices=sorted(HSDS_MODELS),
            help="the HSDS object type of JSON records (told from their fields otherwise)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        bar = tqdm(
            desc="Importing", unit=" records", disable=options["no_progress"], file=self.stderr
        )
        try:
            report = hsds_import(
                source=options["source"],
                atomic=options["atomic"],
                table=options["table"],
                on_progress=bar.update,
                on_stage=bar.set_description_str,
            )
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        for where, reason in report.problems[:SHOWN_PROBLEMS]:
            self.stderr.write(f"Refused {where}: {reason}")
        if len(report.problems) > SHOWN_PROBLEMS:
            self.stderr.write(f"... and {len(report.problems) - SHOWN_PROBLEMS} more refused.")
        for warning in report.warnings[:SHOWN_PROBLEMS]:
            self.stderr.write(f"Warning {warning}")
        for line in report.summary_lines():
            self.stdout.write(line)
        if report.rolled_back:
            raise CommandError("Import rolled back.")
