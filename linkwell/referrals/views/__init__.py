"""Pages of the referral front door: the referrer's page and closed loop, the public
self-referral form, and the link worker's inbox and referral actions.

Views only turn requests into calls of referrals.services / referrals.selectors and pick a
template; access is decided by the selectors (NotFound becomes a 404 page) and, for whole pages,
by role. The referrer's page (find or enter the person, then refer) is in ``referrer.py``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linkwell.accounts.models import Role
from linkwell.common.errors import ApplicationError
from linkwell.common.needs import NEED_LABELS
from linkwell.common.statuses import TASK_OPEN_STATUSES, TaskStatus
from linkwell.notifications.selectors import alert_get_for_user, alerts_for_user
from linkwell.notifications.services import alert_mark_read
from linkwell.people.models import ContactMethod

from .. import selectors, services
from ..forms import AssignForm, DeclineForm, ReasonForm, SelfReferralForm
from ..models import Referral
from ._common import (
    INTAKE_ROLES,
    PAGE_SIZE,
    REFERRAL_PAGE_ROLES,
    SELF_REFERRAL_SESSION_KEY,
    SERVICE_FIELD_MAP,
    STAFF_ROLES,
    error_text,
    is_htmx,
    roles_required,
)
from .referrer import referral_find, referral_new_for, referral_new_person, referral_sent

__all__ = [
    "INTAKE_ROLES",
    "PAGE_SIZE",
    "REFERRAL_PAGE_ROLES",
    "SELF_REFERRAL_SESSION_KEY",
    "SERVICE_FIELD_MAP",
    "STAFF_ROLES",
    "alert_read",
    "crisis",
    "error_text",
    "inbox",
    "is_htmx",
    "my_referrals",
    "referral_action",
    "referral_assign",
    "referral_detail",
    "referral_find",
    "referral_new_for",
    "referral_new_person",
    "referral_sent",
    "roles_required",
    "self_refer",
    "self_refer_done",
]

# ---------------------------------------------------------------------------------------------
# The closed loop: the referrer's referrals and a referral's page


def _status_filter(request: HttpRequest) -> tuple[str | None, str]:
    """The ?status= filter if it names a status; an error message if it does not."""
    raw = request.GET.get("status", "").strip()
    if not raw:
        return None, ""
    if raw in TaskStatus.values:
        return raw, ""
    return None, "Choose a status from the list."


@roles_required(Role.REFERRER)
@require_GET
def my_referrals(request: HttpRequest) -> HttpResponse:
    status, filter_error = _status_filter(request)
    referrals = selectors.referral_list_for_user(user=request.user, status=status)
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "referrals/my_referrals.html",
        {
            "page": page,
            "status": status or "",
            "filter_error": filter_error,
            "status_choices": TaskStatus.choices,
        },
        status=400 if filter_error else 200,
    )


def _action_forms(
    request: HttpRequest, referral: Referral, data: Any = None, which: str = ""
) -> dict[str, Any]:
    """The forms of the actions open to this user at the referral's current status (the
    receiving team's staff: every allowed move; the referrer who sent it: cancel while new)."""
    allowed = set(selectors.referral_actions_for_user(user=request.user, referral=referral))
    is_staff = selectors.referral_is_staff_view(user=request.user, referral=referral)

    def bound(name: str) -> Any:
        return data if which == name else None

    forms: dict[str, Any] = {
        "can_accept": TaskStatus.ACCEPTED in allowed,
        "can_resume": referral.status == TaskStatus.ON_HOLD and TaskStatus.IN_PROGRESS in allowed,
    }
    if TaskStatus.REJECTED in allowed:
        forms["decline_form"] = DeclineForm(bound("decline"), prefix="decline")
    if TaskStatus.ON_HOLD in allowed:
        forms["hold_form"] = ReasonForm(
            bound("hold"), prefix="hold", label="Why are you putting it on hold?"
        )
    if TaskStatus.CANCELLED in allowed:
        forms["cancel_form"] = ReasonForm(
            bound("cancel"), prefix="cancel", label="Why are you cancelling it?"
        )
    if is_staff and referral.status in TASK_OPEN_STATUSES:
        forms["assign_form"] = AssignForm(
            bound("assign"),
            team=referral.team,
            initial={"link_worker": referral.assigned_to.uuid if referral.assigned_to else None},
        )
    return forms


def _detail_context(
    request: HttpRequest, referral: Referral, *, data: Any = None, which: str = ""
) -> dict[str, Any]:
    # The receiving team sees the episode, contact details and actions; the referrer sees the
    # status, its history and the message back (DESIGN.md, the closed loop).
    is_staff = selectors.referral_is_staff_view(user=request.user, referral=referral)
    context: dict[str, Any] = {
        "referral": referral,
        "history": list(selectors.referral_history(referral=referral)),
        "is_staff": is_staff,
        "need_labels": [NEED_LABELS.get(code, code) for code in referral.suggested_needs],
    }
    context.update(_action_forms(request, referral, data, which))
    if is_staff:
        context["episode"] = getattr(referral, "episode", None)
    return context


@roles_required(*REFERRAL_PAGE_ROLES)
@require_GET
def referral_detail(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    referral = selectors.referral_get_for_user(user=request.user, referral_uuid=referral_uuid)
    return render(request, "referrals/referral_detail.html", _detail_context(request, referral))


# ---------------------------------------------------------------------------------------------
# The inbox and the staff actions on a referral


@roles_required(*STAFF_ROLES)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    referrals = selectors.referral_inbox_for_user(user=request.user)
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "referral": referral,
            "needs": [NEED_LABELS.get(code, code) for code in referral.suggested_needs],
            "overdue": bool(referral.response_due and referral.response_due < timezone.localdate()),
        }
        for referral in page
    ]
    alerts = list(alerts_for_user(user=request.user, unread_only=True)[:20])  # type: ignore[arg-type]
    return render(request, "referrals/inbox.html", {"page": page, "rows": rows, "alerts": alerts})


@roles_required(*STAFF_ROLES)
@require_POST
def alert_read(request: HttpRequest, alert_uuid: UUID) -> HttpResponse:
    """Mark one of the user's own alerts read; it leaves the top of the inbox."""
    alert = alert_get_for_user(user=request.user, alert_uuid=alert_uuid)  # type: ignore[arg-type]
    alert_mark_read(alert=alert, user=request.user)  # type: ignore[arg-type]
    if is_htmx(request):
        # The alert's list item is replaced by this short confirmation (read by aria-live).
        return HttpResponse('<li class="lw-muted">Marked as read.</li>')
    messages.success(request, "Alert marked as read.")
    return redirect("referrals:inbox")


# action name → the status it moves the referral to
ACTIONS: dict[str, str] = {
    "accept": TaskStatus.ACCEPTED,
    "decline": TaskStatus.REJECTED,
    "hold": TaskStatus.ON_HOLD,
    "resume": TaskStatus.IN_PROGRESS,
    "cancel": TaskStatus.CANCELLED,
}
DONE_MESSAGES = {
    "accept": "Referral accepted.",
    "decline": "Referral declined. The referrer can see your reason.",
    "hold": "Referral put on hold.",
    "resume": "Referral resumed.",
    "cancel": "Referral cancelled.",
}


@roles_required(*REFERRAL_PAGE_ROLES)
@require_POST
def referral_action(request: HttpRequest, referral_uuid: UUID, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action.")
    referral = selectors.referral_get_for_user(user=request.user, referral_uuid=referral_uuid)
    # A referrer may only withdraw their own new referral; everything else is the team's.
    if action != "cancel" and not selectors.referral_is_staff_view(
        user=request.user, referral=referral
    ):
        raise PermissionDenied("Only the team that received this referral can do that.")
    forms = _action_forms(request, referral, request.POST, action)
    reason = ""
    form = forms.get(f"{action}_form")
    if action in ("decline", "hold", "cancel"):
        if form is None:
            return _action_refused(request, referral, "That cannot be done at this status.")
        if not form.is_valid():
            context = _detail_context(request, referral, data=request.POST, which=action)
            return render(request, "referrals/referral_detail.html", context, status=400)
        reason = form.reason() if action == "decline" else form.cleaned_data["reason"].strip()
    try:
        referral = services.referral_transition(
            referral=referral, to_status=ACTIONS[action], actor=request.user, reason=reason
        )
    except (ApplicationError, ValidationError) as exc:
        status = exc.status_code if isinstance(exc, ApplicationError) else 400
        return _action_refused(request, referral, error_text(exc), status=status)
    messages.success(request, DONE_MESSAGES[action])
    if action == "accept":
        episode = getattr(referral, "episode", None)
        if episode is not None:
            return redirect("cases:episode", episode_uuid=episode.uuid)
    return redirect("referrals:detail", referral_uuid=referral.uuid)


def _action_refused(
    request: HttpRequest, referral: Referral, message: str, *, status: int = 409
) -> HttpResponse:
    context = _detail_context(request, referral)
    context["action_error"] = message
    return render(request, "referrals/referral_detail.html", context, status=status)


@roles_required(*STAFF_ROLES)
@require_POST
def referral_assign(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    referral = selectors.referral_get_for_user(user=request.user, referral_uuid=referral_uuid)
    if referral.status not in TASK_OPEN_STATUSES:
        return _action_refused(request, referral, "A closed referral cannot be assigned.")
    form = AssignForm(request.POST, team=referral.team)
    done = ""
    if form.is_valid():
        try:
            services.referral_assign(
                referral=referral,
                link_worker=form.cleaned_data["link_worker"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_service_error(exc, {"assigned_to": "link_worker"})
        except ApplicationError as exc:
            form.add_error("link_worker", exc.message)
        else:
            referral = selectors.referral_get_for_user(
                user=request.user, referral_uuid=referral_uuid
            )
            done = (
                f"Assigned to {referral.assigned_to.display_name}." if referral.assigned_to else ""
            )
            form = AssignForm(
                team=referral.team,
                initial={
                    "link_worker": referral.assigned_to.uuid if referral.assigned_to else None
                },
            )
    context = {"referral": referral, "assign_form": form, "assign_done": done}
    if is_htmx(request):
        # htmx swaps only 2xx responses; the errors are in the fragment it swaps in.
        return render(request, "referrals/_assignment.html", context)
    if form.errors:
        full = _detail_context(request, referral, data=request.POST, which="assign")
        full["assign_form"] = form
        return render(request, "referrals/referral_detail.html", full, status=400)
    messages.success(request, done)
    return redirect("referrals:detail", referral_uuid=referral.uuid)


# ---------------------------------------------------------------------------------------------
# Public pages: no account needed


def _client_key(request: HttpRequest) -> str:
    """Who is submitting, for rate limiting (the service stores only a hash of it).

    Behind TRUSTED_PROXY_COUNT reverse proxies the socket address is the nearest proxy's, so the
    client is the address the outermost trusted proxy appended to X-Forwarded-For; anything to
    its left was written by the client and could be forged to dodge the limit.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    rules: dict[str, Any] = settings.LINKWELL  # type: ignore[misc]  # a plain settings dict
    proxies = int(rules.get("TRUSTED_PROXY_COUNT", 0))
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    return forwarded[-proxies] if len(forwarded) >= proxies else remote


@require_http_methods(["GET", "POST"])
def self_refer(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "referrals/self_referral.html", {"form": SelfReferralForm()})
    form = SelfReferralForm(request.POST)
    status = 400
    service_error = ""
    if form.is_valid():
        details = form.service_details()
        try:
            referral = services.referral_create_self(
                client_key=_client_key(request), details=details
            )
        except ValidationError as exc:
            form.add_service_error(exc, {"person_details": "given_name"})
        except ApplicationError as exc:
            # Over the rate limit (429) the service's message says what to do instead.
            service_error = exc.message
            status = exc.status_code
        else:
            # The reference travels in the session so a refresh of the confirmation keeps it
            # and nobody can read another person's confirmation by guessing a URL.
            request.session[SELF_REFERRAL_SESSION_KEY] = {
                "reference": referral.reference,
                "at_risk": details["risk_of_harm"],
                "contact_method": details["preferred_contact_method"],
            }
            return redirect("public:self_refer_done")
    return render(
        request,
        "referrals/self_referral.html",
        {"form": form, "service_error": service_error},
        status=status,
    )


@require_GET
def self_refer_done(request: HttpRequest) -> HttpResponse:
    done = request.session.get(SELF_REFERRAL_SESSION_KEY)
    if not done:
        return redirect(reverse("public:self_refer"))
    method = done.get("contact_method")
    label = ContactMethod(method).label if method in ContactMethod.values else ""
    return render(
        request,
        "referrals/self_referral_done.html",
        {
            "reference": done["reference"],
            "at_risk": done.get("at_risk", False),
            "contact_method_label": label,
        },
    )


@require_GET
def crisis(request: HttpRequest) -> HttpResponse:
    return render(request, "referrals/crisis.html")
