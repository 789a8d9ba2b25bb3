"""The audit search page for supervisors and administrators."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from linkwell.common.errors import Forbidden

from .forms import AuditSearchForm
from .selectors import audit_page, audit_search_allowed, audit_search_for_user


def _cursor(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() else None


@never_cache
@login_required
def audit_search(request: HttpRequest) -> HttpResponse:
    if not audit_search_allowed(user=request.user):
        raise PermissionDenied("Only supervisors and administrators can search the audit log.")
    # Always bound: with no filters every field is empty, which is a valid search of everything.
    form = AuditSearchForm(request.GET)
    page = None
    if form.is_valid():
        try:
            events = audit_search_for_user(user=request.user, filters=form.filters())
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        page = audit_page(
            events, before=_cursor(request, "before"), after=_cursor(request, "after")
        )
    # Paging links keep the filters and replace the cursor.
    kept: list[tuple[str, str]] = [
        (name, value)
        for name in request.GET
        if name not in ("before", "after") and (value := request.GET.get(name, ""))
    ]
    older_url = newer_url = None
    if page is not None and page.older_than is not None:
        older_url = "?" + urlencode([*kept, ("before", str(page.older_than))])
    if page is not None and page.newer_than is not None:
        newer_url = "?" + urlencode([*kept, ("after", str(page.newer_than))])
    return render(
        request,
        "audit/search.html",
        {
            "form": form,
            "page": page,
            "older_url": older_url,
            "newer_url": newer_url,
            "filtered": bool(kept),
        },
    )
