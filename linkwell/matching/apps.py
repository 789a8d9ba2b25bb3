from typing import Any

from django.apps import AppConfig


def _services_changed(sender: Any, *, service_ids: list[Any], **kwargs: Any) -> None:
    from .index import match_index_rebuild

    match_index_rebuild(service_ids=service_ids)


class MatchingConfig(AppConfig):
    name = "linkwell.matching"
    label = "matching"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from linkwell.directory.signals import services_changed

        # The match index follows every change the directory announces (models.py).
        services_changed.connect(_services_changed, dispatch_uid="matching.index")
