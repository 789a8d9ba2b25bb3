"""The volunteer's own phone-friendly page: their current matches and their hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from linkwell.common.errors import ApplicationError

from . import selectors, services


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
