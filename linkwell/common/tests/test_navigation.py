"""The header menu: each role sees the places it can use, and every entry it sees opens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from linkwell.volunteers.tests.helpers import ready_volunteer

ROLES = [
    "link_worker",
    "supervisor",
    "referrer",
    "provider",
    "volunteer",
    "commissioner",
    "admin",
]


@pytest.mark.parametrize("persona", ROLES)
def test_every_menu_entry_opens_for_the_role_that_sees_it(world, client_for, persona):
    user = getattr(world, persona)
    if persona == "volunteer":
        ready_volunteer(world, user=user)  # a volunteer's own page needs their record
    client = client_for(user)
    items = client.get(reverse("accounts:security")).context["nav_items"]
    assert items, f"{persona} sees no menu"
    for item in items:
        response = client.get(item["url"])
        assert response.status_code == 200, (
            f"{persona}: {item['label']} gave {response.status_code}"
        )


def test_menus_differ_by_role(world, client_for):
    def labels(user):
        return {
            item["label"]
            for item in client_for(user).get(reverse("accounts:security")).context["nav_items"]
        }

    volunteer = labels(world.volunteer)
    assert "My matches" in volunteer
    assert not volunteer & {"People", "Caseload", "Reports", "Volunteers", "Audit log"}
    commissioner = labels(world.commissioner)
    assert "Reports" in commissioner
    assert not commissioner & {"People", "Caseload", "Referral inbox"}
    link_worker = labels(world.link_worker)
    assert {"Caseload", "Diary", "Groups", "Volunteers", "Community"} <= link_worker
    assert "Reports" not in link_worker
    assert "Reports" in labels(world.supervisor)


@pytest.mark.parametrize(
    ("persona", "start"),
    [
        ("link_worker", "referrals:inbox"),
        ("referrer", "referrals:my_referrals"),
        ("provider", "connections:inbox"),
        ("volunteer", "volunteers:me"),
        ("commissioner", "reports:index"),
    ],
)
def test_each_role_starts_on_its_own_page(world, client_for, persona, start):
    response = client_for(getattr(world, persona)).get("/")
    assert response.status_code == 302
    assert response.url == reverse(start)
