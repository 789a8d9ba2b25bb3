"""Public pages: the short feedback form (named or anonymous, phone-friendly) and the service's
curated "you said, we did" list. No sign-in needed."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from linkwell.accounts.models import Organisation
from linkwell.common.errors import NotFound

from . import selectors, services


def _organisation(organisation_uuid: str) -> Organisation:
    organisation = Organisation.objects.filter(uuid=organisation_uuid).first()
    if organisation is None:
        raise Http404("No such service.")
    return organisation


@require_http_methods(["GET", "POST"])
def feedback_form(request: HttpRequest, organisation_uuid: str) -> HttpResponse:
    organisation = _organisation(organisation_uuid)
    errors: dict[str, str] = {}
    values = {"kind": "feedback", "text": "", "rating": "", "anonymous": "yes", "name": ""}
    values["contact"] = ""
    values["about"] = request.GET.get("about", "")
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        rating = int(values["rating"]) if values["rating"].isdigit() else None
        about = None
        if values["about"]:
            try:
                about = uuid.UUID(values["about"])
            except ValueError:
                errors["text"] = "The link you followed is broken; use the form without it."
        if values["rating"] and rating is None:
            errors["rating"] = "Choose a rating from 1 to 5."
        if not errors:
            try:
                services.feedback_submit(
                    organisation=organisation,
                    kind=values["kind"],
                    text=values["text"],
                    rating=rating,
                    anonymous=values["anonymous"] != "no",
                    name=values["name"],
                    contact=values["contact"],
                    about_service_uuid=about,
                    user=request.user,
                )
                return render(request, "community/feedback_thanks.html", {"org": organisation})
            except ValidationError as exc:
                errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
    return render(
        request,
        "community/feedback_form.html",
        {"org": organisation, "errors": errors, "values": values},
        status=400 if errors else 200,
    )


def you_said_we_did(request: HttpRequest, organisation_uuid: str) -> HttpResponse:
    try:
        organisation, entries = selectors.you_said_we_did_public(
            organisation_uuid=organisation_uuid
        )
    except NotFound:
        raise Http404("No such service.") from None
    return render(
        request, "community/you_said_we_did.html", {"org": organisation, "entries": entries}
    )
