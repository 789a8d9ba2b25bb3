"""The API's OpenAPI document describes each operation with its own schemas: two schemas with one
name would share one entry in the document's components, so one endpoint was documented with
another's fields (the episode and referral transitions showed the onward connection's
``decline_reason`` and ``waiting_list``, and not the episode's ``discharge_reason``)."""

from __future__ import annotations

import typing

from django.test import Client
from ninja import Schema

from config.api import api


def _schemas_in(model: type, found: dict[str, set[type]]) -> None:
    """Linkwell's schemas reachable from ``model`` (ninja's own wrappers, made per operation for
    its parameters and responses, are walked through but not counted), by name."""
    if model.__module__.startswith(("linkwell.", "config.")):
        found.setdefault(model.__name__, set()).add(model)
    for field in model.model_fields.values():
        stack = [field.annotation]
        while stack:
            annotation = stack.pop()
            stack.extend(typing.get_args(annotation))
            schema = isinstance(annotation, type) and issubclass(annotation, Schema)
            if schema and annotation not in found.get(annotation.__name__, set()):
                _schemas_in(annotation, found)


def test_no_two_schemas_of_the_api_share_a_name():
    found: dict[str, set[type]] = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                models = list(operation.models)
                for response in operation.response_models.values():
                    models.append(response)
                for model in models:
                    if isinstance(model, type):
                        _schemas_in(model, found)
    shared = {
        name: sorted(f"{m.__module__}.{m.__qualname__}" for m in models)
        for name, models in found.items()
        if len(models) > 1
    }
    assert not shared
    assert len(found) > 40


def _body_fields(document, path):
    ref = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    name = ref["$ref"].rsplit("/", 1)[1]
    return set(document["components"]["schemas"][name]["properties"])


def test_each_transition_is_documented_with_its_own_fields(db):
    document = Client().get("/api/v1/openapi.json").json()
    episode = _body_fields(document, "/api/v1/episodes/{episode_uuid}/transition")
    referral = _body_fields(document, "/api/v1/referrals/{referral_uuid}/transition")
    connection = _body_fields(document, "/api/v1/connections/{connection_uuid}/transition")
    assert episode == {"status", "reason", "discharge_reason"}
    assert referral == {"status", "reason"}
    assert connection == {"status", "reason", "decline_reason", "waiting_list"}
