"""Importing a local population baseline."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from linkwell.common.errors import Forbidden
from linkwell.reports.models import PopulationBaseline
from linkwell.reports.services import population_baseline_import

pytestmark = pytest.mark.django_db
GOOD = "dimension,category,population\nethnicity,white,800\nsex,female,510\ndeprivation,1,90\n"


def test_import_replaces_previous_figures(world):
    org = world.service_team.organisation
    assert population_baseline_import(user=world.supervisor, organisation=org, csv_text=GOOD) == 3
    population_baseline_import(
        user=world.admin, organisation=org, csv_text="dimension,category,population\nsex,male,5\n"
    )
    assert list(PopulationBaseline.objects.values_list("category", "population")) == [("male", 5)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,c\n1,2,3\n", "headings"),
        ("dimension,category,population\nreligion,x,3\n", "dimension must be one of"),
        ("dimension,category,population\nethnicity,purple,3\n", "category for ethnicity"),
        ("dimension,category,population\nsex,male,many\n", "whole number"),
        ("dimension,category,population\nsex,male,3\nsex,male,4\n", "appears twice"),
        ("dimension,category,population\n", "no rows"),
    ],
)
def test_bad_files_are_rejected_whole_and_change_nothing(world, text, message):
    org = world.service_team.organisation
    population_baseline_import(user=world.supervisor, organisation=org, csv_text=GOOD)
    with pytest.raises(ValidationError) as exc:
        population_baseline_import(user=world.supervisor, organisation=org, csv_text=text)
    assert message in " ".join(exc.value.messages)
    assert PopulationBaseline.objects.count() == 3


@pytest.mark.parametrize("persona", ["outsider", "link_worker", "commissioner", "referrer"])
def test_only_the_services_supervisors_and_admins_import(world, persona):
    with pytest.raises(Forbidden):
        population_baseline_import(
            user=getattr(world, persona),
            organisation=world.service_team.organisation,
            csv_text=GOOD,
        )
    assert not PopulationBaseline.objects.exists()
