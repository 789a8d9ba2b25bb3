"""The revolving door: people who keep coming back, and the needs that bring them back.

A person is flagged when they have ``REVOLVING_DOOR_EPISODES`` (3) or more episodes opened in the
``REVOLVING_DOOR_MONTHS`` (24) months up to now (both in settings.LINKWELL). Only the episodes the
caller passes in are counted, so a link worker's flag is built from their team's episodes and a
report's from its scope: nobody learns of episodes, or needs, they may not see. A merged person's
episodes belong to the record they were merged into, so they are counted together.

An episode's needs are every need recorded in any version of its "what matters to you"
conversation, plus the needs suggested on the referral it came from. A need *recurs* when it is
among the needs of two or more of the counted episodes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from linkwell.common.needs import NEED_CODES, NEED_DOMAINS, NEED_LABELS

from ..models import Episode

LONDON = ZoneInfo("Europe/London")
_NEED_ORDER = {d.code: i for i, d in enumerate(NEED_DOMAINS)}


@dataclass(frozen=True)
class RevolvingDoorRule:
    episodes: int
    months: int

    def window_start(self, as_of: dt.datetime) -> dt.datetime:
        """The same London date and time ``months`` earlier (the month's last day if shorter)."""
        return months_before(as_of, self.months)


def revolving_door_rule() -> RevolvingDoorRule:
    conf: dict[str, Any] = settings.LINKWELL  # type: ignore[assignment]  # a plain settings dict
    return RevolvingDoorRule(
        episodes=int(conf["REVOLVING_DOOR_EPISODES"]), months=int(conf["REVOLVING_DOOR_MONTHS"])
    )


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    local = moment.astimezone(LONDON)
    index = local.year * 12 + (local.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return local.replace(year=year, month=month, day=min(local.day, last_day))


@dataclass(frozen=True)
class RevolvingDoor:
    """One flagged person: episodes counted in the window and the needs that recur across them."""

    episodes: int
    recurring_needs: tuple[str, ...]  # need codes, the most frequent first

    @property
    def recurring_need_labels(self) -> list[str]:
        return [NEED_LABELS[code] for code in self.recurring_needs]


def revolving_door_for_people(
    *,
    episodes: QuerySet[Episode],
    person_ids: Iterable[int] | None = None,
    as_of: dt.datetime | None = None,
    rule: RevolvingDoorRule | None = None,
) -> dict[int, RevolvingDoor]:
    """Flagged people among ``person_ids`` (every person in ``episodes`` when None), by person id.

    ``episodes`` is the pool the caller may see (already limited by access or report scope).
    Two queries whatever the number of people: the flagged people's episodes with their
    referral's needs, and their conversations' needs.
    """
    rule = rule or revolving_door_rule()
    as_of = as_of or timezone.now()
    window = episodes.filter(opened_at__gte=rule.window_start(as_of), opened_at__lte=as_of)
    if person_ids is not None:
        ids = {pk for pk in person_ids if pk is not None}
        if not ids:
            return {}
        window = window.filter(person_id__in=ids)
    # Subqueries rather than id lists: a report's scope can flag more people than a database
    # accepts as query parameters.
    flagged = (
        window.order_by()
        .values("person_id")
        .annotate(n=Count("id"))
        .filter(n__gte=rule.episodes)
        .values("person_id")
    )
    counted = window.filter(person_id__in=flagged)
    episode_needs: dict[int, set[str]] = {}
    person_episodes: dict[int, list[int]] = defaultdict(list)
    for pk, person_id, suggested in counted.order_by().values_list(
        "pk", "person_id", "referral__suggested_needs"
    ):
        person_episodes[person_id].append(pk)
        episode_needs[pk] = _codes(suggested or [])
    if not episode_needs:
        return {}
    from linkwell.conversations.models import Conversation

    conversations = (
        Conversation.objects.filter(episode__in=counted.order_by().values("pk"))
        .order_by()
        .values_list("episode_id", "needs")
    )
    for episode_id, needs in conversations:
        recorded = needs or []
        episode_needs[episode_id] |= _codes(n.get("code") for n in recorded if isinstance(n, dict))
    result: dict[int, RevolvingDoor] = {}
    for person_id, pks in person_episodes.items():
        counts: Counter[str] = Counter()
        for pk in pks:
            counts.update(episode_needs[pk])
        recurring = sorted(
            (code for code, n in counts.items() if n >= 2),
            key=lambda code: (-counts[code], _NEED_ORDER[code]),
        )
        result[person_id] = RevolvingDoor(episodes=len(pks), recurring_needs=tuple(recurring))
    return result


def _codes(values: Iterable[Any]) -> set[str]:
    # Codes outside the taxonomy (an old record) are left out rather than shown unlabelled.
    return {v for v in values if isinstance(v, str) and v in NEED_CODES}


def recurring_need_counts(flags: Iterable[RevolvingDoor]) -> list[tuple[str, int]]:
    """(need code, flagged people for whom it recurs), the most common first."""
    counts: Counter[str] = Counter()
    for flag in flags:
        counts.update(flag.recurring_needs)
    return sorted(counts.items(), key=lambda item: (-item[1], _NEED_ORDER[item[0]]))
