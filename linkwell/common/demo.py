"""The demo-data framework behind ``linkwell load_demo``.

Each app that has something to show adds a module ``linkwell/<app>/demo.py`` with one function,
``build(ctx: DemoContext) -> None``. ``load_demo`` runs the builders in a fixed order (accounts,
people, referrals, cases, then every later installed app that has one, in INSTALLED_APPS order),
all inside one transaction, so a failed load leaves nothing behind. The shared ``DemoContext``
carries the random generator (one seed makes the same area every time), what earlier builders
made, the one demo password and the progress callback, so a later builder can use the teams,
users and people an earlier one made.

Everything a builder makes is fictional: names from mixed lists, phone numbers from Ofcom's
drama ranges (07700 900000–900999, 0113 496 0000–0999), email addresses at example.org, NHS
numbers from the 999 range that NHS England keeps for testing, and made-up street names.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.apps import apps
from django.db import transaction
from django.utils import timezone

if TYPE_CHECKING:
    from linkwell.accounts.models import Organisation, Team, User
    from linkwell.people.models import Person

T = TypeVar("T")

# The one demo password: memorable, and it passes every validator in AUTH_PASSWORD_VALIDATORS.
DEMO_PASSWORD = "northside-demo"  # noqa: S105  # printed on purpose: it is the demo's login
# The name that marks a database as holding the demo (and nothing else).
DEMO_SERVICE_NAME = "Northside Community Wellbeing"
# Builders that must run first, in this order; other apps' builders follow in INSTALLED_APPS order.
BUILDER_ORDER: tuple[str, ...] = ("accounts", "people", "referrals", "cases")
DEFAULT_PEOPLE = 300
DEFAULT_SEED = 2024
# How far back the demo's history reaches.
HISTORY_DAYS = 548
# Outward codes shaped like real ones; the street names that go with them are invented.
OUTWARD_CODES: tuple[str, ...] = ("LS6", "LS7", "LS8", "LS9", "LS11", "LS12", "LS14", "LS15")
# Letters used in the inward half of a UK postcode (never C, I, K, M, O or V).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


class Progress(Protocol):
    def update(self, n: int = 1) -> object: ...


ProgressFactory = Callable[[str, int], AbstractContextManager[Progress]]


class _NoProgress:
    def update(self, n: int = 1) -> object:
        return None


def no_progress(label: str, total: int) -> AbstractContextManager[Progress]:
    """The progress callback for callers that want silence (tests, the benchmark)."""
    return nullcontext(_NoProgress())


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role_label: str
    description: str
    backup_codes: tuple[str, ...] = ()


@dataclass
class DemoContext:
    """What the builders share. Keys are short stable names such as "service" or "gp_meadow"."""

    rng: random.Random
    people_count: int
    password: str = DEMO_PASSWORD
    now: dt.datetime = field(default_factory=timezone.now)
    progress: ProgressFactory = no_progress
    organisations: dict[str, Organisation] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)
    # The demo logins printed at the end, in the order they are printed.
    logins: list[DemoLogin] = field(default_factory=list)
    # Figures for the summary: "referrals" -> 412 and so on.
    counts: dict[str, int] = field(default_factory=dict)
    # Anything else a builder wants to hand on to a later one.
    extra: dict[str, Any] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def organisations_of_kind(self, kind: str) -> list[Organisation]:
        return [org for org in self.organisations.values() if org.kind == kind]

    def users_with_role(self, role: str) -> list[User]:
        return [user for user in self.users.values() if user.role == role]

    # Random helpers, so every builder draws from the one seeded generator.
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, items: Sequence[T]) -> T:
        return self.rng.choice(items)

    def weighted(self, pairs: Sequence[tuple[T, float]]) -> T:
        values = [value for value, _ in pairs]
        weights = [weight for _, weight in pairs]
        return self.rng.choices(values, weights=weights, k=1)[0]

    def days_ago(self, days: float) -> dt.datetime:
        """A moment ``days`` before now, at a plausible office hour (09:00 to 17:00 London)."""
        moment = timezone.localtime(self.now - dt.timedelta(days=days))
        hour = self.rng.randint(9, 16)
        minute = self.rng.randint(0, 59)
        return moment.replace(hour=hour, minute=minute, second=0, microsecond=0)

    def drama_mobile(self) -> str:
        """A mobile number from Ofcom's range reserved for drama: never a real person's."""
        return f"07700 900{self.rng.randint(0, 999):03d}"

    def postcode(self) -> str:
        """A validly shaped postcode in the demo's area, e.g. "LS7 3QD"."""
        inward = f"{self.rng.randint(1, 9)}{self.pick(INWARD_LETTERS)}{self.pick(INWARD_LETTERS)}"
        return f"{self.pick(OUTWARD_CODES)} {inward}"

    def drama_landline(self) -> str:
        """A Leeds-shaped landline from Ofcom's drama range 0113 496 0000-0999."""
        return f"0113 496 {self.rng.randint(0, 999):04d}"


@dataclass(frozen=True)
class Builder:
    app_label: str
    module: str
    build: Callable[[DemoContext], None]


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def discover_builders() -> list[Builder]:
    """The demo builders of the installed Linkwell apps, in the order they must run."""
    found: list[Builder] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("linkwell."):
            continue
        module_name = f"{config.name}.demo"
        if not _has_module(module_name):
            continue
        module = importlib.import_module(module_name)
        build = getattr(module, "build", None)
        if not callable(build):
            continue
        found.append(Builder(app_label=config.label, module=module_name, build=build))
    first = {label: index for index, label in enumerate(BUILDER_ORDER)}
    # sorted() is stable: apps outside BUILDER_ORDER keep their INSTALLED_APPS order.
    return sorted(found, key=lambda b: first.get(b.app_label, len(BUILDER_ORDER)))


class DemoAlreadyLoaded(Exception):
    """The database already holds the demo: loading it again would duplicate it."""


class DatabaseNotEmpty(Exception):
    """The database holds data that is not the demo's: the demo is never mixed into real data."""


def demo_state() -> str:
    """'empty', 'demo' (the demo is loaded) or 'other' (someone's real data is there)."""
    from linkwell.accounts.models import Organisation, User
    from linkwell.people.models import Person

    if Organisation.objects.filter(name=DEMO_SERVICE_NAME).exists():
        return "demo"
    if Organisation.objects.exists() or Person.objects.exists():
        return "other"
    if User.objects.filter(is_superuser=False).exists():
        return "other"
    return "empty"


@contextmanager
def _quiet_load() -> Iterator[None]:
    """Demo referrals with risk flags alert a supervisor by email: keep those in memory, so the
    terminal shows the load's progress rather than a hundred fictional emails."""
    from django.test.utils import override_settings

    # DEBUG off as well: with it on, Django keeps a copy of every SQL statement, which costs
    # memory and time over the tens of thousands the demo runs.
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", DEBUG=False
    ):
        yield


def load_demo(
    *,
    people: int = DEFAULT_PEOPLE,
    seed: int = DEFAULT_SEED,
    progress: ProgressFactory = no_progress,
    builders: list[Builder] | None = None,
) -> DemoContext:
    """Build the demo area in an empty database and return the context (logins, counts).

    Raises DemoAlreadyLoaded or DatabaseNotEmpty, changing nothing, when the database is not
    empty. Everything is made in one transaction: a failure part-way leaves the database empty.
    """
    if people < 1:
        raise ValueError("The demo needs at least one person.")
    state = demo_state()
    if state == "demo":
        raise DemoAlreadyLoaded("The demo data is already loaded in this database.")
    if state == "other":
        raise DatabaseNotEmpty(
            "This database already holds organisations, people or users that are not the demo's."
        )
    ctx = DemoContext(rng=random.Random(seed), people_count=people, progress=progress)
    with _quiet_load(), transaction.atomic():
        for builder in builders if builders is not None else discover_builders():
            builder.build(ctx)
    return ctx


def demo_logins_from_database() -> list[DemoLogin]:
    """The demo logins as stored, for reprinting when the demo is already loaded (a second
    ``make demo``): static backup codes still unused are shown again."""
    from django_otp.plugins.otp_static.models import StaticToken

    from linkwell.accounts.demo import DEMO_LOGINS
    from linkwell.accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__in=[d[0] for d in DEMO_LOGINS])}
    logins: list[DemoLogin] = []
    for username, role_label, description in DEMO_LOGINS:
        user = users.get(username)
        if user is None:
            continue
        codes = tuple(
            StaticToken.objects.filter(device__user=user, device__name="Demo backup codes")
            .order_by("id")
            .values_list("token", flat=True)
        )
        logins.append(DemoLogin(username, role_label, description, codes))
    return logins
