"""Pages for a person's record, consent and the possible-duplicates review."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from linkwell.common.errors import ApplicationError, Forbidden, NotFound

from . import selectors, services
from .forms import ConsentForm, MergeForm, PersonForm
from .models import ConsentPurpose, Person
from .validation import format_nhs_number


def _refusals(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Selectors' NotFound becomes a 404 page and Forbidden a 403, so nothing is revealed."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc

    return wrapped


def _link(name: str, value: Any) -> str | None:
    """A link to another app's page when that app provides it."""
    try:
        return reverse(name, args=[value])
    except NoReverseMatch:
        return None


def _error_message(exc: ValidationError | ApplicationError) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    return " ".join(exc.messages)


@login_required
@_refusals
def person_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    people = selectors.person_list_for_user(user=request.user, query=query)
    page = list(people[:51])
    return render(
        request,
        "people/person_list.html",
        {"people": page[:50], "more": len(page) > 50, "query": query},
    )


def _detail_context(request: HttpRequest, person: Person, consent_form: ConsentForm) -> dict:
    in_force = selectors.consents_in_force(person=person)
    referrals = [
        {"referral": r, "url": _link("referrals:detail", r.uuid)}
        for r in selectors.person_referrals_for_user(user=request.user, person=person)
    ]
    episodes = [
        {"episode": e, "url": _link("cases:episode", e.uuid)}
        for e in selectors.person_episodes_for_user(user=request.user, person=person)
    ]
    return {
        "person": person,
        "nhs_number": format_nhs_number(person.nhs_number),
        "consents": [
            {"purpose": label, "code": code, "given": in_force[code]}
            for code, label in ConsentPurpose.choices
        ],
        "consent_history": selectors.consent_list_for_user(user=request.user, person=person)[:20],
        "consent_form": consent_form,
        "referrals": referrals,
        "episodes": episodes,
    }


@login_required
@_refusals
def person_detail(request: HttpRequest, person_uuid: str) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, person_uuid=person_uuid)
    if str(person.uuid) != str(person_uuid):
        messages.info(request, "That record was merged into this one.")
        return redirect("people:detail", person_uuid=person.uuid)
    return render(
        request, "people/person_detail.html", _detail_context(request, person, ConsentForm())
    )


@login_required
@require_POST
@_refusals
def consent_create(request: HttpRequest, person_uuid: str) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, person_uuid=person_uuid)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            consent = services.consent_record(
                person=person,
                actor=request.user,
                purpose=form.cleaned_data["purpose"],
                given=form.cleaned_data["given"],
                method=form.cleaned_data["method"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, ApplicationError) as exc:
            form.add_error(None, _error_message(exc))
        else:
            decision = "given" if consent.given else "withdrawn"
            messages.success(
                request, f"Consent {decision}: {consent.get_purpose_display().lower()}."
            )
            return redirect(f"{reverse('people:detail', args=[person.uuid])}#consent")
    return render(
        request,
        "people/person_detail.html",
        _detail_context(request, person, form),
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
@_refusals
def person_edit(request: HttpRequest, person_uuid: str) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, person_uuid=person_uuid)
    if str(person.uuid) != str(person_uuid):
        return redirect("people:edit", person_uuid=person.uuid)
    # The form works on a copy so a rejected edit never shows half-changed details elsewhere.
    form = PersonForm(request.POST or None, instance=copy.copy(person))
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(person=person, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "The details were saved.")
            return redirect("people:detail", person_uuid=person.uuid)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "people/person_edit.html", {"person": person, "form": form}, status=status
    )


@login_required
@_refusals
def duplicate_list(request: HttpRequest) -> HttpResponse:
    pairs = selectors.duplicate_review_for_user(user=request.user)
    rows = []
    for pair in pairs:
        keep = services.merge_candidates_default_keep(pair.person, pair.other)
        rows.append({"pair": pair, "default_keep": keep.uuid})
    return render(request, "people/duplicate_list.html", {"rows": rows})


@login_required
@require_POST
@_refusals
def duplicate_merge(request: HttpRequest, duplicate_uuid: str) -> HttpResponse:
    pair = selectors.duplicate_get_for_user(user=request.user, duplicate_uuid=duplicate_uuid)
    choices = [(str(pair.person.uuid), ""), (str(pair.other.uuid), "")]
    form = MergeForm(request.POST, choices=choices)
    if not form.is_valid():
        messages.error(request, "Choose which record to keep, then select Merge.")
        return redirect("people:duplicates")
    keep_uuid = str(form.cleaned_data["keep"])
    keep, merge = (
        (pair.person, pair.other)
        if str(pair.person.uuid) == keep_uuid
        else (pair.other, pair.person)
    )
    try:
        survivor = services.person_merge(keep=keep, merge=merge, actor=request.user)
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, _error_message(exc))
        return redirect("people:duplicates")
    messages.success(
        request, f"The records were merged. {survivor.display_name}'s record holds all the history."
    )
    return redirect("people:duplicates")


@login_required
@require_POST
@_refusals
def duplicate_keep_apart(request: HttpRequest, duplicate_uuid: str) -> HttpResponse:
    pair = selectors.duplicate_get_for_user(user=request.user, duplicate_uuid=duplicate_uuid)
    try:
        services.duplicate_keep_apart(duplicate=pair, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{pair.person.display_name} and {pair.other.display_name} are kept as two people.",
        )
    return redirect("people:duplicates")
