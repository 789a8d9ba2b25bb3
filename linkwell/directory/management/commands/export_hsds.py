"""linkwell export_hsds --format json|csv --output PATH: publish the directory as HSDS 3.0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from linkwell.hsds.export import write_csv_package, write_json


class Command(BaseCommand):
    help = (
        "Export the directory as HSDS 3.0: a JSON array of organizations (with their services) "
        "and taxonomy terms, or a CSV data package folder with datapackage.json."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "--output", required=True, help="a .json file, or a folder for the CSV package"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        if options["format"] == "json":
            output.parent.mkdir(parents=True, exist_ok=True)
            with output.open("w", encoding="utf-8") as f:
                count = write_json(f)
            self.stdout.write(f"Wrote {count} HSDS objects to {output}.")
        else:
            counts = write_csv_package(output)
            rows = sum(counts.values())
            self.stdout.write(f"Wrote {rows} rows in {len(counts)} tables to {output}.")
