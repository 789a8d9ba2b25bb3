import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from linkwell.volunteers.models import Volunteer
from linkwell.volunteers.rules import REMINDER_DAYS, expiring_soon, match_blockers

from .helpers import ready_volunteer

pytestmark = pytest.mark.django_db


def test_blockers_and_reminders_follow_the_expiry_dates(world):
    volunteer = ready_volunteer(world)
    today = timezone.localdate()

    @settings(max_examples=40, deadline=None)
    @given(dbs_days=st.integers(-400, 400), training_days=st.integers(-400, 400))
    def check(dbs_days: int, training_days: int) -> None:
        Volunteer.objects.filter(pk=volunteer.pk).update(
            dbs_renew_by=today + dt.timedelta(days=dbs_days)
        )
        volunteer.training.update(expires_on=today + dt.timedelta(days=training_days))
        fresh = Volunteer.objects.get(pk=volunteer.pk)
        blockers = match_blockers(fresh, today=today)
        assert (blockers == []) == (dbs_days >= 0 and training_days >= 0)
        reminders = expiring_soon(fresh, today=today)
        expected = int(dbs_days <= REMINDER_DAYS) + int(training_days <= REMINDER_DAYS)
        assert len(reminders) == expected

    check()
