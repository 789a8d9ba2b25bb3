"""Pages: the "what matters to you" conversation (with one-click need suggestions), the matches,
and the support plan (page and PDF). The episode's team only: others get 404 from the selectors,
and people without a staff role get 403."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linkwell.accounts.models import Role
from linkwell.common.errors import ApplicationError, Conflict
from linkwell.common.needs import NEED_CODES, NEED_LABELS
from linkwell.matching.selectors import episode_matches_for_user
from linkwell.matching.suggest import suggest_needs
from linkwell.referrals.views import STAFF_ROLES, error_text, is_htmx, roles_required

from . import selectors, services
from .forms import ConversationForm, PlanForm, SuggestForm
from .messageback import message_back_for_user
from .models import Priority
from .pdf import message_back_pdf, plan_pdf


def _errors_of(exc: ValidationError | ApplicationError) -> str:
    return error_text(exc)


def _conversation_context(
    record: selectors.EpisodeRecord,
    form: ConversationForm,
    *,
    suggest_form: SuggestForm | None = None,
    suggestions: list[dict[str, Any]] | None = None,
    error: str = "",
) -> dict[str, Any]:
    return {
        "episode": record.episode,
        "person": record.episode.person,
        "record": record,
        "form": form,
        "suggest_form": suggest_form or SuggestForm(),
        "suggestions": suggestions,
        "error": error,
        "current_needs": [
            {**n, "label": NEED_LABELS.get(n["code"], n["code"])}
            for n in (record.conversation.needs if record.conversation else [])
        ],
    }


@roles_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    record = selectors.episode_record_for_user(user=request.user, episode_uuid=episode_uuid)
    if request.method == "GET":
        form = ConversationForm(current=record.conversation)
        return render(
            request, "conversations/conversation.html", _conversation_context(record, form)
        )
    form = ConversationForm(request.POST)
    if form.is_valid():
        try:
            saved = services.conversation_record(
                episode=record.episode,
                actor=request.user,
                needs=form.needs(),
                strengths=form.cleaned_data["strengths"],
                preferences=form.preferences(),
                notes=form.cleaned_data["notes"],
            )
        except (ApplicationError, ValidationError) as exc:
            context = _conversation_context(record, form, error=_errors_of(exc))
            return render(request, "conversations/conversation.html", context, status=400)
        note = f"Saved as version {saved.version}."
        if saved.safeguarding_flag:
            note += " A supervisor has been alerted to a possible safeguarding concern."
        messages.success(request, note)
        return redirect("conversations:conversation", episode_uuid=record.episode.uuid)
    context = _conversation_context(record, form)
    return render(request, "conversations/conversation.html", context, status=400)


@roles_required(*STAFF_ROLES)
@require_POST
def suggest(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    """Suggested needs for some words: a fragment for htmx, the whole page without JavaScript."""
    record = selectors.episode_record_for_user(user=request.user, episode_uuid=episode_uuid)
    suggest_form = SuggestForm(request.POST)
    suggestions: list[dict[str, Any]] = []
    status = 200
    if suggest_form.is_valid():
        have = set(record.conversation.need_codes) if record.conversation else set()
        suggestions = [
            {"code": code, "label": NEED_LABELS[code], "score": score, "have": code in have}
            for code, score in suggest_needs(suggest_form.cleaned_data["text"])
        ]
    else:
        status = 400
    if is_htmx(request):
        return render(
            request,
            "conversations/_suggestions.html",
            {"episode": record.episode, "suggest_form": suggest_form, "suggestions": suggestions},
            status=status,
        )
    form = ConversationForm(current=record.conversation)
    context = _conversation_context(
        record, form, suggest_form=suggest_form, suggestions=suggestions
    )
    return render(request, "conversations/conversation.html", context, status=status)


@roles_required(*STAFF_ROLES)
@require_POST
def add_need(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    """One click: a new version of the record with this need added (the rest unchanged)."""
    record = selectors.episode_record_for_user(user=request.user, episode_uuid=episode_uuid)
    code = request.POST.get("code", "")
    url = reverse("conversations:conversation", args=[record.episode.uuid])
    current = record.conversation
    needs = list(current.needs) if current else []
    if code not in NEED_CODES:
        messages.error(request, "Choose a need from the list.")
    elif code in {n["code"] for n in needs}:
        messages.info(request, f"{NEED_LABELS[code]} is already in the record.")
    else:
        needs.append({"code": code, "priority": Priority.MEDIUM, "own_words": ""})
        try:
            saved = services.conversation_record(
                episode=record.episode,
                actor=request.user,
                needs=needs,
                strengths=current.strengths if current else "",
                preferences=current.preferences if current else {},
                notes=current.notes if current else "",
            )
            messages.success(
                request, f"Added {NEED_LABELS[code].lower()} (version {saved.version})."
            )
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, _errors_of(exc))
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@roles_required(*STAFF_ROLES)
@require_GET
def matches(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    record = selectors.episode_record_for_user(user=request.user, episode_uuid=episode_uuid)
    context: dict[str, Any] = {
        "episode": record.episode,
        "person": record.episode.person,
        "options": record.options,
    }
    try:
        result = episode_matches_for_user(user=request.user, episode_uuid=episode_uuid)
    except ApplicationError as exc:
        context["error"] = exc.message
        return render(request, "conversations/matches.html", context, status=exc.status_code)
    offered = {o.service_id: o for o in record.options}
    context.update(
        {
            "result": result,
            "rows": [{"match": m, "option": offered.get(m.service_id)} for m in result.matches],
        }
    )
    return render(request, "conversations/matches.html", context)


@roles_required(*STAFF_ROLES)
@require_POST
def offer(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    record = selectors.episode_record_for_user(user=request.user, episode_uuid=episode_uuid)
    try:
        services.option_offer(
            episode=record.episode,
            actor=request.user,
            service_id=request.POST.get("service", ""),
            reasons=request.POST.get("reasons", ""),
        )
        messages.success(request, "Recorded as offered. Ask the person which they would like.")
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _errors_of(exc))
    return redirect("conversations:matches", episode_uuid=record.episode.uuid)


@roles_required(*STAFF_ROLES)
@require_POST
def decide(request: HttpRequest, episode_uuid: UUID, option_uuid: UUID) -> HttpResponse:
    option = selectors.option_get_for_user(
        user=request.user, episode_uuid=episode_uuid, option_uuid=option_uuid
    )
    try:
        services.option_decide(
            option=option,
            actor=request.user,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, "The person's choice is recorded in the plan.")
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _errors_of(exc))
    return redirect("conversations:matches", episode_uuid=episode_uuid)


@roles_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    record = selectors.episode_record_for_user(user=request.user, episode_uuid=episode_uuid)
    form = PlanForm(request.POST or None, current=record.plan)
    context = {
        "episode": record.episode,
        "person": record.episode.person,
        "record": record,
        "form": form,
        "chosen": [o for o in record.options if o.status == "chosen"],
    }
    if request.method == "GET":
        return render(request, "conversations/plan.html", context)
    if form.is_valid():
        try:
            saved = services.plan_record(
                episode=record.episode,
                actor=request.user,
                goals=form.goals_list(),
                actions=form.actions(),
                review_date=form.cleaned_data["review_date"],
            )
        except (ApplicationError, ValidationError) as exc:
            context["error"] = _errors_of(exc)
            return render(request, "conversations/plan.html", context, status=400)
        messages.success(request, f"Plan saved (version {saved.version}).")
        return redirect("conversations:plan", episode_uuid=record.episode.uuid)
    return render(request, "conversations/plan.html", context, status=400)


@roles_required(*STAFF_ROLES)
@require_GET
def plan_download(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    record = selectors.episode_record_for_user(user=request.user, episode_uuid=episode_uuid)
    if record.plan is None:
        messages.error(request, "Write the plan before downloading it.")
        return redirect("conversations:plan", episode_uuid=record.episode.uuid)
    chosen = [o for o in record.options if o.status == "chosen"]
    content = plan_pdf(episode=record.episode, plan=record.plan, chosen=chosen)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="support-plan-{record.plan.version}.pdf"'
    )
    return response


@roles_required(*STAFF_ROLES, Role.REFERRER)
@require_GET
def message_back(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    try:
        message = message_back_for_user(user=request.user, episode_uuid=episode_uuid)
    except Conflict as exc:
        return render(
            request,
            "conversations/message_back_pending.html",
            {"error": exc.message},
            status=409,
        )
    return render(request, "conversations/message_back.html", {"message": message})


@roles_required(*STAFF_ROLES, Role.REFERRER)
@require_GET
def message_back_download(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    message = message_back_for_user(user=request.user, episode_uuid=episode_uuid)
    response = HttpResponse(message_back_pdf(message=message), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="message-back.pdf"'
    return response
