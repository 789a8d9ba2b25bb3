"""Rebuild the match index for the whole directory (after changing its tables by hand)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from linkwell.matching.index import match_index_rebuild


class Command(BaseCommand):
    help = (
        "Rewrite the matcher's index rows of every directory service. Edits, imports and the "
        "demo keep them current; this is for data written around them (SQL, bulk loads)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        count = match_index_rebuild()
        self.stdout.write(
            f"Match index: {count:,} services in {time.perf_counter() - started:.1f} s."
        )
