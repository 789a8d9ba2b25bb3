"""Build the match index for the services already in the directory."""

from typing import Any

from django.db import migrations

NAMES = {
    "service": ("directory", "Service"),
    "profile": ("directory", "ServiceProfile"),
    "organization": ("directory", "Organization"),
    "need": ("directory", "ServiceNeed"),
    "mode": ("directory", "ServiceDeliveryMode"),
    "language": ("directory", "Language"),
    "sal": ("directory", "ServiceAtLocation"),
    "location": ("directory", "Location"),
    "schedule": ("directory", "Schedule"),
    "entry": ("matching", "MatchEntry"),
    "facts": ("matching", "MatchFacts"),
}


def fill(apps: Any, schema_editor: Any) -> None:
    from linkwell.matching.index import match_index_rebuild

    match_index_rebuild(models={key: apps.get_model(*name) for key, name in NAMES.items()})


def empty(apps: Any, schema_editor: Any) -> None:
    apps.get_model("matching", "MatchEntry").objects.all().delete()
    apps.get_model("matching", "MatchFacts").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("matching", "0001_match_index")]

    operations = [migrations.RunPython(fill, empty)]
