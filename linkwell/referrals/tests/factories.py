import factory
from django.utils import timezone

from linkwell.accounts.tests.factories import TeamFactory
from linkwell.people.tests.factories import PersonFactory
from linkwell.referrals.models import Referral, ReferralSource


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral row as stored; tests of the intake itself go through referral_create."""

    class Meta:
        model = Referral

    reference = factory.Sequence(lambda n: f"LW-T{n:03d}-TEST")
    person = factory.SubFactory(PersonFactory)
    source = ReferralSource.GP_PRACTICE
    team = factory.SubFactory(TeamFactory)
    reason = "Struggling with debts since losing my job, not sleeping."
    consent_confirmed = True
    status_changed_at = factory.LazyFunction(timezone.now)
