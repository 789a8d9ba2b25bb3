"""The local population a service compares its uptake with (equity report)."""

from __future__ import annotations

from django.db import models

from linkwell.common.models import BaseModel


class Dimension(models.TextChoices):
    ETHNICITY = "ethnicity", "Ethnic group"
    AGE_BAND = "age_band", "Age band"
    SEX = "sex", "Sex"
    DEPRIVATION = "deprivation", "Deprivation decile"


class PopulationBaseline(BaseModel):
    """People living in the service's area in one category (e.g. ethnicity 'H': 5,210 people).

    Imported by a service from census or local intelligence figures; one row per organisation,
    dimension and category. The newest import replaces the organisation's previous rows.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="population_baseline"
    )
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    category = models.CharField(max_length=30)
    population = models.PositiveIntegerField()
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["dimension", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "dimension", "category"], name="baseline_category_unique"
            )
        ]
