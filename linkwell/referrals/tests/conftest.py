import datetime as dt

import pytest

from linkwell.referrals.services import referral_create


def person_details(**overrides):
    details = {
        "given_name": "Sam",
        "family_name": "Okafor",
        "date_of_birth": dt.date(1984, 5, 17),
        "postcode": "LS6 1AB",
        "phone": "07700 900456",
    }
    details.update(overrides)
    return details


@pytest.fixture
def make_referral(world):
    """A referral made through the service by the GP referrer, to the world's service team."""

    def make(actor=None, **overrides):
        kwargs = {
            "actor": actor or world.referrer,
            "source": "gp_practice",
            "reason": "Lost my job in March and the debts keep piling up.",
            "person_details": person_details(),
            "team": world.service_team,
            "suggested_needs": ["money", "employment"],
            "consent_confirmed": True,
        }
        kwargs.update(overrides)
        return referral_create(**kwargs)

    return make
