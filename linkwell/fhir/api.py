"""FHIR R4 at /fhir/: inbound referrals as a Bundle (ServiceRequest + Task + Patient + Consent),
onward connections exported the same way, and Task status readable by polling.

Same sign-in as /api/v1/ (bearer token or session). Failures come back as an OperationOutcome.
Access is the selectors': a record the caller may not see is "not found".
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from linkwell.accounts.auth import api_auth
from linkwell.common.errors import ApplicationError, NotFound, cut

from . import mapping

fhir_api = NinjaAPI(
    title="Linkwell FHIR R4",
    version="R4",
    urls_namespace="fhir",
    auth=api_auth,
    docs_url=None,
    openapi_url=None,
)
FHIR_JSON = "application/fhir+json"


def _outcome(status: int, message: str, code: str = "processing") -> HttpResponse:
    body = {
        "resourceType": "OperationOutcome",
        # Cut as the API's messages are: some carry the value that was sent, whole.
        "issue": [{"severity": "error", "code": code, "diagnostics": cut(message)}],
    }
    return HttpResponse(json.dumps(body), status=status, content_type=FHIR_JSON)


def _resource(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type=FHIR_JSON)


@fhir_api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    code = {404: "not-found", 403: "forbidden", 409: "conflict"}.get(exc.status_code, "invalid")
    return _outcome(exc.status_code, exc.message, code)


@fhir_api.exception_handler(DjangoValidationError)
def _validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _outcome(400, " ".join(exc.messages), "invalid")


@fhir_api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _outcome(403, str(exc) or "You do not have access to this.", "forbidden")


@fhir_api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _outcome(401, "Sign in or send a valid API token.", "login")


@fhir_api.post("/Bundle")
def referral_bundle_post(request: HttpRequest) -> HttpResponse:
    """Accept an inbound referral; answers 201 with the Task (poll GET /fhir/Task/{id})."""
    from linkwell.accounts.models import OrganisationKind
    from linkwell.referrals.services import referral_create

    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return _outcome(400, "The body is not JSON.", "invalid")
    except RecursionError:
        return _outcome(400, "The body is nested too deeply to be a FHIR Bundle.", "invalid")
    kwargs = mapping.parse_referral_bundle(data)
    user: Any = request.user
    organisation = getattr(user, "organisation", None)
    sources: dict[str, str] = {
        OrganisationKind.GP_PRACTICE.value: "gp_practice",
        OrganisationKind.TALKING_THERAPIES.value: "talking_therapies",
        OrganisationKind.JOB_CENTRE.value: "job_centre",
        OrganisationKind.HOUSING_PROVIDER.value: "housing",
        OrganisationKind.COMMUNITY_PROVIDER.value: "community",
    }
    source = sources.get(str(getattr(organisation, "kind", "")), "other")
    referral = referral_create(actor=user, source=source, **kwargs)
    return _resource(mapping.referral_task(referral), status=201)


@fhir_api.get("/Task/{task_id}")
def task_get(request: HttpRequest, task_id: UUID) -> HttpResponse:
    """An inbound referral's or an onward connection's Task, whichever the id names."""
    from linkwell.connections.selectors import connection_get_for_user
    from linkwell.referrals.selectors import referral_get_for_user

    try:
        referral = referral_get_for_user(user=request.user, referral_uuid=task_id)
    except NotFound:
        connection = connection_get_for_user(user=request.user, connection_uuid=task_id)
        return _resource(mapping.connection_task(connection))
    return _resource(mapping.referral_task(referral))


@fhir_api.get("/ServiceRequest/{request_id}")
def service_request_get(request: HttpRequest, request_id: UUID) -> HttpResponse:
    from linkwell.connections.selectors import connection_get_for_user

    connection = connection_get_for_user(user=request.user, connection_uuid=request_id)
    return _resource(mapping.connection_service_request(connection))


@fhir_api.get("/Bundle/{connection_id}")
def connection_bundle_get(request: HttpRequest, connection_id: UUID) -> HttpResponse:
    """An onward connection as a Bundle: Patient (what was shared), Consent, ServiceRequest,
    Task. Referrers of the original referral see the status only, so they are refused here."""
    from linkwell.accounts.models import Role
    from linkwell.connections.selectors import connection_get_for_user

    connection = connection_get_for_user(user=request.user, connection_uuid=connection_id)
    if getattr(request.user, "role", "") == Role.REFERRER:
        raise NotFound("Referral not found.")
    return _resource(mapping.connection_bundle(connection))


@fhir_api.get("/Composition/{episode_id}")
def message_back_get(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    """The message back of a closed episode, for the GP and the referrer."""
    from linkwell.conversations.messageback import message_back_for_user

    message = message_back_for_user(user=request.user, episode_uuid=episode_id)
    return _resource(mapping.message_back_composition(message))
