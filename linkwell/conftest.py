"""Personas shared by every app's tests: the owner, a teammate and an outsider (CONVENTIONS.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from linkwell.accounts.models import OrganisationKind, Role, Team, User
from linkwell.accounts.tests.factories import OrganisationFactory, TeamFactory, UserFactory

PASSWORD = "correct horse battery"  # noqa: S105  # the test users' fixed password
# The shared standards and Open Referral files live beside the checkout (../shared); tests read them
# from there rather than keeping copies in the project.
SHARED_DIR = Path(
    os.environ.get("LINKWELL_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared")
)
# Browser tests drive Debian's Chromium (never a downloaded build), headless, without a sandbox
# and without reaching out to the network on its own.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, from a started Playwright (``sync_playwright()``)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Debian's Chromium at {CHROMIUM} (make browser).")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture
def shared_dir() -> Path:
    assert SHARED_DIR.is_dir(), f"the shared standards folder is missing: {SHARED_DIR}"
    return SHARED_DIR


@dataclass
class World:
    service_team: Team
    other_team: Team
    link_worker: User  # the owner of a case
    teammate: User  # same team
    supervisor: User
    outsider: User  # a link worker in another service's team: must be refused
    referrer: User  # works at a GP practice
    other_referrer: User  # another GP practice
    provider: User
    volunteer: User
    commissioner: User
    admin: User


@pytest.fixture
def world(db) -> World:
    service = OrganisationFactory(name="Northside Wellbeing Service")
    team = TeamFactory(organisation=service, name="Link workers")
    other_service = OrganisationFactory(name="Elsewhere Wellbeing")
    other_team = TeamFactory(organisation=other_service, name="Elsewhere team")
    gp = OrganisationFactory(name="Meadow Lane Surgery", kind=OrganisationKind.GP_PRACTICE)
    other_gp = OrganisationFactory(name="Hill Top Practice", kind=OrganisationKind.GP_PRACTICE)
    provider_org = OrganisationFactory(
        name="Money Matters Advice", kind=OrganisationKind.COMMUNITY_PROVIDER
    )
    return World(
        service_team=team,
        other_team=other_team,
        link_worker=UserFactory(username="lw", team=team, role=Role.LINK_WORKER),
        teammate=UserFactory(username="mate", team=team, role=Role.LINK_WORKER),
        supervisor=UserFactory(username="sup", team=team, role=Role.SUPERVISOR),
        outsider=UserFactory(username="outsider", team=other_team, role=Role.LINK_WORKER),
        referrer=UserFactory(username="gp", organisation=gp, role=Role.REFERRER),
        other_referrer=UserFactory(username="gp2", organisation=other_gp, role=Role.REFERRER),
        provider=UserFactory(username="prov", organisation=provider_org, role=Role.PROVIDER),
        volunteer=UserFactory(username="vol", organisation=service, role=Role.VOLUNTEER),
        commissioner=UserFactory(username="comm", role=Role.COMMISSIONER),
        admin=UserFactory(username="admin", organisation=service, role=Role.ADMIN),
    )


def login(user: User) -> Client:
    """A client signed in as the user, with the second factor already verified where required."""
    client = Client()
    client.force_login(user)
    from django_otp.plugins.otp_static.models import StaticDevice

    device, _ = StaticDevice.objects.get_or_create(user=user, name="test", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for():
    return login


@pytest.fixture(autouse=True)
def _forget_cached_intake_team():
    """The intake team is cached per process; a test's rolled-back teams must not outlive it."""
    from linkwell.referrals.services._common import intake_team_cache_clear

    intake_team_cache_clear()
    yield
    intake_team_cache_clear()


@pytest.fixture(autouse=True)
def _lift_audit_guard_for_transactional_flush(request):
    """Transactional tests (live server, browser) end with Django emptying every table, which the
    audit log's append-only triggers refuse. The guard is lifted just before that flush; the audit
    app puts it back when the flush signals post_migrate. Tests that roll back need nothing."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(
        (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
        or {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not transactional:
        yield
        return
    # Requested here so that this fixture's teardown runs before the database is flushed.
    request.getfixturevalue("transactional_db")
    from django.db import connection

    from linkwell.audit import guard

    if not guard.is_installed(connection):  # a flush that skipped post_migrate (available_apps)
        guard.install(connection)
    yield
    guard.remove(connection)


@pytest.fixture(autouse=True)
def _close_connections_left_by_the_browser(request):
    """Inside Playwright's sync API (the browser tests) the test's ORM calls get a database
    connection that Django's connection handler no longer holds once Playwright has finished, so
    nothing closes it: on PostgreSQL it stayed open to the end of the run, and the test database
    could not be dropped. Connections this thread opened during the test and no longer in use
    are closed when it ends (after the browser, which was set up after this fixture)."""
    if request.node.get_closest_marker("browser") is None:
        yield
        return
    import threading

    from django.db import connections
    from django.db.backends.signals import connection_created

    made = []
    here = threading.get_ident()

    def remember(sender, connection, **kwargs):
        if threading.get_ident() == here:
            made.append(connection)

    connection_created.connect(remember, weak=False)
    try:
        yield
    finally:
        connection_created.disconnect(remember)
        for wrapper in made:
            if wrapper is not connections[wrapper.alias] and wrapper.connection is not None:
                wrapper.close()
