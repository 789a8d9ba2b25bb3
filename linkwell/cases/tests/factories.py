import factory
from django.utils import timezone

from linkwell.accounts.tests.factories import TeamFactory
from linkwell.cases.models import Episode
from linkwell.people.tests.factories import PersonFactory


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    person = factory.SubFactory(PersonFactory)
    number = factory.Sequence(lambda n: n + 1)
    team = factory.SubFactory(TeamFactory)
    opened_at = factory.LazyFunction(timezone.now)
