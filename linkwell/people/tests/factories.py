import datetime as dt

import factory

from linkwell.people.models import Person


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.Sequence(lambda n: dt.date(1950, 1, 1) + dt.timedelta(days=97 * n))
    postcode = "LS6 1AB"
    phone = "07700 900123"
