"""Volunteer pages: the volunteer's own phone-friendly page (their matches and hours), and for the
staff of the service the volunteer list with compliance, a volunteer's record with its recruitment
steps, matching a person with a volunteer, reviewing and ending a match, and the hours report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from linkwell.accounts.models import Role
from linkwell.common.errors import ApplicationError
from linkwell.people.selectors import person_get_for_user
from linkwell.referrals.views import STAFF_ROLES, roles_required

from . import selectors, services
from .forms import (
    DbsForm,
    EndForm,
    MatchConfirmForm,
    ModuleForm,
    PeriodForm,
    ReferencesForm,
    ReviewForm,
    StatusForm,
    SuggestionFilterForm,
    SupervisionForm,
    TrainingForm,
    VolunteerCreateForm,
    words,
)

MATCHING_STAFF = (Role.LINK_WORKER, Role.SUPERVISOR)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_page(request: HttpRequest) -> HttpResponse:
    try:
        profile = selectors.my_volunteer_profile(user=request.user)
    except ApplicationError:
        raise Http404("Not found.") from None
    errors: dict[str, str] = {}
    values = {"worked_on": "", "hours": "", "match": "", "activity": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        try:
            worked_on = dt.date.fromisoformat(values["worked_on"])
        except ValueError:
            errors["worked_on"] = "Enter the date, for example 2026-11-24."
        try:
            hours = Decimal(values["hours"])
        except InvalidOperation:
            errors["hours"] = "Enter the hours as a number, for example 1.5."
        if not errors:
            try:
                services.hours_log(
                    actor=request.user,  # type: ignore[arg-type]
                    worked_on=worked_on,
                    hours=hours,
                    match_uuid=values["match"] or None,
                    activity=values["activity"][:200],
                )
                return redirect("volunteers:me")
            except ValidationError as exc:
                errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
            except ApplicationError as exc:
                errors = {"hours": exc.message}
    matches = selectors.my_matches_for_volunteer(user=request.user)
    return render(
        request,
        "volunteers/my_page.html",
        {
            "profile": profile,
            "matches": matches,
            "hours": selectors.my_hours(user=request.user),
            "errors": errors,
            "values": values,
        },
        status=400 if errors else 200,
    )


def _service_refusal(form: Any, exc: ValidationError | ApplicationError) -> None:
    """Show a service's refusal on the form: beside its fields, or above it with the reasons."""
    if isinstance(exc, ValidationError):
        form.add_service_error(exc, {})
        return
    reasons = exc.extra.get("reasons") if isinstance(exc.extra, dict) else None
    form.add_error(None, exc.message)
    for reason in reasons or []:
        form.add_error(None, reason)


# ---------------------------------------------------------------------------------------------
# The volunteer list


def _list_forms(request: HttpRequest, data: Any = None, action: str = "") -> dict[str, Any]:
    users = [
        (str(u.uuid), u.display_name)
        for u in selectors.volunteer_candidate_users(user=request.user)
    ]
    return {
        "add": VolunteerCreateForm(data if action == "add" else None, users=users, prefix="add"),
        "module": ModuleForm(data if action == "module" else None, prefix="module"),
    }


@roles_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def volunteer_list(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms_ = _list_forms(request, request.POST, action)
    failed = None
    if action in forms_:
        form = forms_[action]
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "add":
                    user = selectors.volunteer_candidate_users(user=request.user).get(
                        uuid=data["user"]
                    )
                    volunteer = services.volunteer_create(
                        actor=request.user,  # type: ignore[arg-type]
                        user=user,
                        role=data["role"],
                        languages=words(data["languages"]),
                        interests=words(data["interests"]),
                        availability=words(data["availability"]),
                        area=data["area"],
                        max_matches=data["max_matches"],
                    )
                    messages.success(request, f"{volunteer} added as an applicant.")
                    return redirect("volunteers:detail", volunteer_uuid=volunteer.uuid)
                services.training_module_create(
                    actor=request.user,  # type: ignore[arg-type]
                    name=data["name"],
                    required_for=list(data["required_for"]),
                    valid_for_days=data["valid_for_days"],
                )
                messages.success(request, f"Training module '{data['name']}' added.")
                return redirect("volunteers:list")
            except (ValidationError, ApplicationError) as exc:
                _service_refusal(form, exc)
        failed = form
    elif request.method == "POST":
        raise Http404("No such form.")
    return render(
        request,
        "volunteers/list.html",
        {
            "rows": selectors.volunteer_rows_for_user(user=request.user),
            "modules": selectors.training_modules_for_user(user=request.user),
            "forms": forms_,
            "failed": failed,
        },
        status=400 if failed else 200,
    )


# ---------------------------------------------------------------------------------------------
# One volunteer's record


_RECRUITMENT = ["applied", "references", "checks", "training", "active"]


def _next_status(current: str) -> str:
    """The step the status form offers first: the next one in recruitment, or pause/resume."""
    if current in _RECRUITMENT[:-1]:
        return _RECRUITMENT[_RECRUITMENT.index(current) + 1]
    return {"active": "paused", "paused": "active"}.get(current, current)


def _detail_forms(
    request: HttpRequest, volunteer: Any, data: Any = None, action: str = ""
) -> dict[str, forms.Form]:
    modules = [
        (str(m.uuid), m.name) for m in selectors.training_modules_for_user(user=request.user)
    ]

    def bound(name: str) -> Any:
        return data if action == name else None

    return {
        "status": StatusForm(
            bound("status"), prefix="status", initial={"status": _next_status(volunteer.status)}
        ),
        "references": ReferencesForm(
            bound("references"),
            prefix="references",
            initial={"received": volunteer.references_received},
        ),
        "dbs": DbsForm(bound("dbs"), prefix="dbs"),
        "training": TrainingForm(bound("training"), prefix="training", modules=modules),
        "supervision": SupervisionForm(bound("supervision"), prefix="supervision"),
    }


def _detail_write(request: HttpRequest, volunteer: Any, action: str, data: dict) -> str:
    actor = request.user
    if action == "status":
        services.volunteer_set_status(volunteer=volunteer, actor=actor, status=data["status"])  # type: ignore[arg-type]
        return "Status changed."
    if action == "references":
        services.volunteer_record_references(
            volunteer=volunteer,
            actor=actor,  # type: ignore[arg-type]
            received=data["received"],
        )
        return "References recorded."
    if action == "dbs":
        services.dbs_record(
            volunteer=volunteer,
            actor=actor,  # type: ignore[arg-type]
            checked_on=data["checked_on"],
            renew_by=data["renew_by"],
        )
        return "DBS check recorded."
    if action == "training":
        module = selectors.training_modules_for_user(user=actor).filter(uuid=data["module"]).first()
        if module is None:
            raise ValidationError({"module": ["Choose a training module."]})
        services.training_record(
            volunteer=volunteer,
            actor=actor,  # type: ignore[arg-type]
            module=module,
            completed_on=data["completed_on"],
        )
        return "Training recorded."
    services.supervision_record(
        volunteer=volunteer,
        actor=actor,  # type: ignore[arg-type]
        held_on=data["held_on"],
        notes=data["notes"],
    )
    return "Supervision session recorded."


@roles_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def volunteer_detail(request: HttpRequest, volunteer_uuid: UUID, action: str = "") -> HttpResponse:
    volunteer = selectors.volunteer_get_for_user(user=request.user, volunteer_uuid=volunteer_uuid)
    if request.method == "POST" and not action:
        raise Http404("No such form.")
    forms_ = _detail_forms(request, volunteer, request.POST, action)
    if action and action not in forms_:
        raise Http404("No such form.")
    failed = None
    if action:
        if request.method != "POST":
            return redirect("volunteers:detail", volunteer_uuid=volunteer.uuid)
        form = forms_[action]
        if form.is_valid():
            try:
                message = _detail_write(request, volunteer, action, form.cleaned_data)
                messages.success(request, message)
                return redirect("volunteers:detail", volunteer_uuid=volunteer.uuid)
            except (ValidationError, ApplicationError) as exc:
                _service_refusal(form, exc)
        failed = form
    record = selectors.volunteer_record_for_user(user=request.user, volunteer_uuid=volunteer_uuid)
    return render(
        request,
        "volunteers/detail.html",
        {"record": record, "v": record.volunteer, "forms": forms_, "failed": failed},
        status=400 if failed else 200,
    )


# ---------------------------------------------------------------------------------------------
# Matching a person with a volunteer


@roles_required(*MATCHING_STAFF)
@require_http_methods(["GET", "POST"])
def person_matches(request: HttpRequest, person_uuid: UUID) -> HttpResponse:
    person = person_get_for_user(user=request.user, person_uuid=person_uuid)
    filters = SuggestionFilterForm(request.GET or None)
    interests = availability = ""
    if filters.is_valid():
        interests = filters.cleaned_data["interests"]
        availability = filters.cleaned_data["availability"]
    confirm = MatchConfirmForm(request.POST or None, prefix="confirm")
    if request.method == "POST" and confirm.is_valid():
        try:
            volunteer = selectors.volunteer_get_for_user(
                user=request.user, volunteer_uuid=confirm.cleaned_data["volunteer"]
            )
            match = services.match_create(
                actor=request.user,  # type: ignore[arg-type]
                volunteer=volunteer,
                person=person,
                agreed_plan_items=confirm.cleaned_data["agreed_plan_items"],
            )
            messages.success(request, f"Matched with {volunteer}.")
            return redirect("volunteers:match", match_uuid=match.uuid)
        except (ValidationError, ApplicationError) as exc:
            _service_refusal(confirm, exc)
    suggestions = selectors.match_suggestions_for_person(
        user=request.user,
        person=person,
        interests=words(interests),
        availability=words(availability),
    )
    matches = selectors.match_list_for_person(user=request.user, person=person)
    chosen = str(confirm["volunteer"].value() or "")
    return render(
        request,
        "volunteers/person_matches.html",
        {
            "person": person,
            "suggestions": suggestions,
            "matches": matches.order_by("-started_on", "-id"),
            "filters": filters,
            "confirm": confirm,
            "chosen": chosen,
            "failed": confirm if confirm.errors else None,
        },
        status=400 if confirm.errors else 200,
    )


@roles_required(*MATCHING_STAFF)
@require_http_methods(["GET", "POST"])
def match_detail(request: HttpRequest, match_uuid: UUID, action: str = "") -> HttpResponse:
    match = selectors.match_get_for_user(user=request.user, match_uuid=match_uuid)
    review = ReviewForm(request.POST if action == "review" else None, prefix="review")
    end = EndForm(request.POST if action == "end" else None, prefix="end")
    if action not in ("", "review", "end") or (request.method == "POST") != bool(action):
        raise Http404("No such form.")
    failed = None
    if action:
        form = review if action == "review" else end
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "review":
                    services.match_review_add(
                        match=match,
                        actor=request.user,  # type: ignore[arg-type]
                        going_well=data["going_well"] == "yes",
                        notes=data["notes"],
                    )
                    messages.success(request, "Review recorded.")
                else:
                    services.match_end(
                        match=match,
                        actor=request.user,  # type: ignore[arg-type]
                        reason=data["reason"],
                        note=data["note"],
                    )
                    messages.success(request, "The match has ended.")
                return redirect("volunteers:match", match_uuid=match.uuid)
            except (ValidationError, ApplicationError) as exc:
                _service_refusal(form, exc)
        failed = form
    reviews, hours = selectors.match_reviews_and_hours(match=match)
    return render(
        request,
        "volunteers/match.html",
        {
            "match": match,
            "reviews": reviews,
            "hours": hours,
            "hours_total": sum((h.hours for h in hours), Decimal(0)),
            "review_form": review,
            "end_form": end,
            "failed": failed,
        },
        status=400 if failed else 200,
    )


# ---------------------------------------------------------------------------------------------
# Hours


@roles_required(*STAFF_ROLES)
def hours_report(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    default = {"start": today.replace(day=1) - dt.timedelta(days=90), "end": today}
    # A date input shows only an ISO value (yyyy-mm-dd).
    period = PeriodForm(
        request.GET if "start" in request.GET else None,
        initial={k: v.isoformat() for k, v in default.items()},
    )
    start, end = default["start"], default["end"]
    error = ""
    if period.is_bound:
        if period.is_valid():
            start, end = period.cleaned_data["start"], period.cleaned_data["end"]
        else:
            error = "Enter both dates, for example 2026-09-01."
    try:
        report = selectors.hours_report_for_user(user=request.user, start=start, end=end)
    except ValidationError as exc:
        error = " ".join(exc.messages)
        report = selectors.hours_report_for_user(
            user=request.user, start=default["start"], end=default["end"]
        )
    return render(
        request,
        "volunteers/hours.html",
        {"report": report, "period": period, "error": error},
        status=400 if error else 200,
    )
