import datetime as dt

import factory

from linkwell.people.models import Person


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    # Spread over 1940-2008 and wrapping round, so a long test run never reaches a future date.
    date_of_birth = factory.Sequence(
        lambda n: dt.date(1940, 1, 1) + dt.timedelta(days=(97 * n) % 25_000)
    )
    postcode = "LS6 1AB"
    phone = "07700 900123"
