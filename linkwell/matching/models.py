"""The match index: what the matcher needs of each directory service, in two narrow tables.

The directory keeps a service's facts in a dozen HSDS tables; reading them for the several hundred
services that can reach a person took most of a match's time. These rows copy what the score reads
(the listing's name, organisation, description, communities, cost, capacity, wait and access; its
needs, delivery modes, languages, places and opening times), so finding the candidates is one index
range per need and their facts one row each. Whether a service is shown at all (status, last
verified, ages) is still read live, from the service's and profile's own indexes, so verifying a
listing or closing a service needs nothing here.

Written only by ``linkwell.matching.index.match_index_rebuild``, which runs whenever the directory
rebuilds a service's search document (edits, imports, the demo) through the directory's
``services_changed`` signal; a service's rows go with it when it is deleted.
"""

from __future__ import annotations

from django.db import models


class MatchFacts(models.Model):
    """One row per service meeting at least one need: the facts the score reads, as a JSON array
    (engine.candidate_facts unpacks it)."""

    service = models.OneToOneField(
        "directory.Service", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    facts = models.TextField()


class MatchEntry(models.Model):
    """One row per need a service meets and place it is based (latitude and longitude null when it
    has no place with coordinates): the candidate search reads only this index."""

    service = models.ForeignKey("directory.Service", on_delete=models.CASCADE, related_name="+")
    need = models.CharField(max_length=30)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # Delivered by phone, video or online.
    remote = models.BooleanField()
    # No service-at-location at all: a national phone or online service.
    national = models.BooleanField()
    # Visits people at home: reaches twice as far as the person would travel.
    home_visit = models.BooleanField()

    class Meta:
        indexes = [
            # Candidates for a person: need, then the latitude band of the travel box; the other
            # columns are read from the index alone.
            models.Index(
                fields=[
                    "need",
                    "latitude",
                    "longitude",
                    "remote",
                    "national",
                    "home_visit",
                    "service",
                ],
                name="match_entry_reach",
            ),
        ]
