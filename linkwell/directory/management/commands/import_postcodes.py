"""linkwell import_postcodes CSV: load ONS Postcode Directory centroids for the geocoder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linkwell.common.errors import ApplicationError
from linkwell.directory.services.geography import postcodes_import


class Command(BaseCommand):
    help = "Load postcode positions from an ONS Postcode Directory CSV (columns pcds, lat, long)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path} does not exist.")
        try:
            loaded, skipped = postcodes_import(path=path)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Loaded {loaded} postcodes; skipped {skipped} without a position.")
