"""Print need suggestion's precision and recall per domain on the labelled statements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from linkwell.matching.evaluation import EVAL_FILE, evaluate


class Command(BaseCommand):
    help = "Precision, recall and F1 of need suggestion per domain and micro-averaged."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--file",
            default=str(EVAL_FILE),
            help="A JSON-lines file of {text, needs}; default: the development set. "
            "needs_holdout.jsonl beside it was never used to tune the lexicon.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            from django.core.management.base import CommandError

            raise CommandError(f"No such file: {path}")
        self.stdout.write(evaluate(path=path).table())
