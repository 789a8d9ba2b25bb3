"""Pages: the provider's inbox and a connection's page with the provider's answers."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from linkwell.accounts.models import Role
from linkwell.cases.selectors import episode_get_for_user
from linkwell.common.errors import ApplicationError
from linkwell.common.statuses import TaskStatus
from linkwell.referrals.views import STAFF_ROLES, error_text, roles_required

from . import selectors, services
from .models import DeclineReason

VIEW_ROLES = (*STAFF_ROLES, Role.PROVIDER, Role.REFERRER)
ANSWER_ROLES = (*STAFF_ROLES, Role.PROVIDER)


@roles_required(*VIEW_ROLES)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in TaskStatus.values:
        status = ""
    connections = selectors.connection_list_for_user(user=request.user, status=status or None)
    return render(
        request,
        "connections/inbox.html",
        {"connections": connections[:200], "status": status, "statuses": TaskStatus.choices},
    )


@roles_required(*VIEW_ROLES)
@require_GET
def detail(request: HttpRequest, connection_uuid: UUID) -> HttpResponse:
    connection = selectors.connection_get_for_user(
        user=request.user, connection_uuid=connection_uuid
    )
    return render(
        request,
        "connections/detail.html",
        {
            "connection": connection,
            "history": selectors.connection_history(connection=connection),
            "show_shared": selectors.user_sees_shared_details(
                user=request.user, connection=connection
            ),
            "can_answer": getattr(request.user, "role", "") in ANSWER_ROLES,
            "decline_reasons": DeclineReason.choices,
        },
    )


@roles_required(*ANSWER_ROLES)
@require_POST
def answer(request: HttpRequest, connection_uuid: UUID) -> HttpResponse:
    connection = selectors.connection_get_for_user(
        user=request.user, connection_uuid=connection_uuid
    )
    action = request.POST.get("action", "")
    to_status = {
        "accept": TaskStatus.ACCEPTED,
        "decline": TaskStatus.REJECTED,
        "waiting_list": TaskStatus.ON_HOLD,
        "start": TaskStatus.IN_PROGRESS,
        "end": TaskStatus.COMPLETED,
        "cancel": TaskStatus.CANCELLED,
    }.get(action)
    if to_status is None:
        messages.error(request, "Choose what to do.")
        return redirect("connections:detail", connection_uuid=connection.uuid)
    try:
        services.connection_transition(
            connection=connection,
            to_status=to_status,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            decline_reason=request.POST.get("decline_reason", ""),
            waiting_list=action == "waiting_list",
        )
        messages.success(request, f"Saved: {TaskStatus(to_status).label.lower()}.")
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, error_text(exc))
    return redirect("connections:detail", connection_uuid=connection.uuid)


@roles_required(*STAFF_ROLES)
@require_POST
def create(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    episode = episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    try:
        connection = services.connection_create(
            episode=episode,
            service_id=request.POST.get("service", ""),
            actor=request.user,
            note=request.POST.get("note", ""),
        )
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, error_text(exc))
        return redirect("conversations:matches", episode_uuid=episode.uuid)
    messages.success(request, f"Referred to {connection.service_name}.")
    return redirect("connections:detail", connection_uuid=connection.uuid)
