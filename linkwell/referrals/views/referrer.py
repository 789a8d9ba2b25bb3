"""The referrer's page: find the person (or enter them), then say why they are referred.

1. ``referral_find``: an NHS number, or a name and date of birth (a postcode narrows it). Exact
   matches only, minimal details, audited (people.finding). The search is sent by POST, so what
   was typed never lands in a URL, a browser history or a server log.
2. ``referral_new_for``: the referral for a person found, reached through the signed token of
   that lookup; the person's details are not asked again.
   ``referral_new_person``: nobody found, or the referrer prefers to type: the whole form, filled
   in with what they searched for (kept in the session, not the URL).
3. ``referral_sent``: the reference and what happens next.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from linkwell.common.errors import ApplicationError, NotFound
from linkwell.people.finding import (
    TooManyLookups,
    found_person_summary,
    person_chosen_for_referral,
    person_find_for_referral,
)
from linkwell.people.models import Person

from .. import selectors, services
from ..forms import FindPersonForm, ReferralForm
from ._common import INTAKE_ROLES, SERVICE_FIELD_MAP, roles_required

# The last search, to fill in the new-person form when nobody was found.
FIND_SESSION_KEY = "linkwell_referral_find"


@roles_required(*INTAKE_ROLES)
@require_http_methods(["GET", "POST"])
def referral_find(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "referrals/referral_find.html", {"form": FindPersonForm()})
    form = FindPersonForm(request.POST)
    context: dict[str, Any] = {"form": form}
    status = 400
    if form.is_valid():
        request.session[FIND_SESSION_KEY] = form.as_initial()
        try:
            context["result"] = person_find_for_referral(user=request.user, **form.query())
            status = 200
        except ValidationError as exc:
            form.add_service_error(exc, {})
        except TooManyLookups as exc:
            context["find_error"] = exc.message
            status = exc.status_code
    return render(request, "referrals/referral_find.html", context, status=status)


def _initial_from_search(request: HttpRequest) -> dict[str, Any]:
    saved = request.session.get(FIND_SESSION_KEY) or {}
    initial = {
        name: saved.get(name, "")
        for name in ("nhs_number", "given_name", "family_name", "postcode")
        if saved.get(name)
    }
    if saved.get("date_of_birth"):
        with contextlib.suppress(ValueError):
            dob = dt.date.fromisoformat(saved["date_of_birth"])
            # The NHS date input shows a list of day, month and year.
            initial["date_of_birth"] = [dob.day, dob.month, dob.year]
    return initial


def _send(
    request: HttpRequest, form: ReferralForm, *, person: Person | None = None
) -> tuple[Any, int]:
    """Make the referral from a valid form; (referral or None, status for a re-shown form)."""
    user = request.user
    # Staff taking a referral by phone send it to their own team; a referrer's goes to the
    # intake team (the service decides).
    team = user.team if form.is_staff_intake else None  # type: ignore[union-attr]
    kwargs = form.service_kwargs()
    if person is not None:
        kwargs["person"] = person
    try:
        referral = services.referral_create(actor=user, team=team, **kwargs)
    except ValidationError as exc:
        form.add_service_error(exc, SERVICE_FIELD_MAP)
        return None, 400
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return None, exc.status_code
    request.session.pop(FIND_SESSION_KEY, None)
    return referral, 302


@roles_required(*INTAKE_ROLES)
@require_http_methods(["GET", "POST"])
def referral_new_person(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "GET":
        initial = _initial_from_search(request) if request.GET.get("from") == "find" else {}
        form = ReferralForm(user=user, initial=initial)  # type: ignore[arg-type]
        return render(request, "referrals/referral_form.html", {"form": form})
    form = ReferralForm(request.POST, user=user)  # type: ignore[arg-type]
    status = 400
    if form.is_valid():
        referral, status = _send(request, form)
        if referral is not None:
            return redirect("referrals:sent", referral_uuid=referral.uuid)
    return render(request, "referrals/referral_form.html", {"form": form}, status=status)


@roles_required(*INTAKE_ROLES)
@require_http_methods(["GET", "POST"])
def referral_new_for(request: HttpRequest, token: str) -> HttpResponse:
    try:
        person = person_chosen_for_referral(user=request.user, token=token)
    except NotFound as exc:
        messages.error(request, exc.message)
        return redirect("referrals:new")
    user = request.user
    context: dict[str, Any] = {"found": found_person_summary(person)}
    if request.method == "GET":
        context["form"] = ReferralForm(user=user, person_found=True)  # type: ignore[arg-type]
        return render(request, "referrals/referral_form.html", context)
    form = ReferralForm(request.POST, user=user, person_found=True)  # type: ignore[arg-type]
    context["form"] = form
    status = 400
    if form.is_valid():
        referral, status = _send(request, form, person=person)
        if referral is not None:
            return redirect("referrals:sent", referral_uuid=referral.uuid)
    return render(request, "referrals/referral_form.html", context, status=status)


@roles_required(*INTAKE_ROLES)
@require_GET
def referral_sent(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    referral = selectors.referral_get_for_user(user=request.user, referral_uuid=referral_uuid)
    return render(request, "referrals/referral_sent.html", {"referral": referral})
