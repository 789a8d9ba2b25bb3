"""load_demo refuses, changing nothing: a database that holds other data, and no people.

Apart from test_demo.py, whose tests share one demo loaded for the module: these need a database
without it, whatever order the tests run in."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from linkwell.accounts.models import Organisation, OrganisationKind
from linkwell.common.demo import DEMO_SERVICE_NAME, demo_state

pytestmark = pytest.mark.django_db


def _load(**options) -> None:
    call_command("load_demo", stdout=StringIO(), stderr=StringIO(), verbosity=0, **options)


def test_demo_is_never_mixed_into_a_database_with_other_data():
    Organisation.objects.create(name="A real service", kind=OrganisationKind.OTHER)
    with pytest.raises(CommandError, match="empty database"):
        _load(people=3)
    assert not Organisation.objects.filter(name=DEMO_SERVICE_NAME).exists()
    assert Organisation.objects.filter(name="A real service").exists()


def test_people_below_one_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="at least 1"):
        _load(people=0)
    assert demo_state() == "empty"
