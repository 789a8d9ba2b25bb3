"""The caseload page and an episode's page with its actions.

Access is decided by cases.selectors (an episode of another team is a 404) and, for whole pages,
by role: only the staff of a social prescribing team have a caseload.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from linkwell.accounts.models import Role, User
from linkwell.common.errors import ApplicationError
from linkwell.common.working_days import working_days_between
from linkwell.referrals.views import STAFF_ROLES, error_text, is_htmx, roles_required

from . import selectors, services
from .forms import CASELOAD_FILTERS, AssignForm, CloseEpisodeForm
from .models import EPISODE_ALLOWED_TRANSITIONS, Episode, EpisodeStatus

PAGE_SIZE = 50

# The caseload's views, as tabs: (view name, url name, label).
CASELOAD_TABS = [
    ("all", "cases:caseload", "My caseload"),
    ("waiting", "cases:waiting", "Waiting for first contact"),
    ("overdue", "cases:overdue", "Follow-up overdue"),
    ("upcoming", "cases:upcoming", "This week"),
    ("extensions", "cases:extensions", "More sessions requested"),
]


def _caseload_render(
    request: HttpRequest,
    view: str,
    context: dict[str, Any],
    *,
    episodes: list[Episode],
    status: int = 200,
) -> HttpResponse:
    """Render one caseload view with its tabs and counts, the revolving-door flags of the
    episodes listed, and one audit row naming them."""
    user: User = request.user  # type: ignore[assignment]  # roles_required: signed in
    counts = selectors.caseload_counts(user=user)
    rule = selectors.revolving_door_rule()
    flags = selectors.caseload_flags(user=user, episodes=episodes)
    _flag_rows(episodes, flags)
    selectors.caseload_audit(user=user, view=view, episodes=episodes)
    team_view = user.role != Role.LINK_WORKER
    context.update(
        {
            "view": view,
            "tabs": [
                {
                    "view": name,
                    "url": reverse(url_name),
                    "label": "Team caseload" if name == "all" and team_view else label,
                    "count": getattr(counts, name),
                    "current": name == view,
                }
                for name, url_name, label in CASELOAD_TABS
            ],
            "team_view": team_view,
            "rule": rule,
        }
    )
    return render(request, f"cases/caseload_{view}.html", context, status=status)


def _flag_rows(episodes: list[Episode], flags: dict[int, Any]) -> None:
    for episode in episodes:
        episode.revolving_door = flags.get(episode.person_id)  # type: ignore[attr-defined]


@roles_required(*STAFF_ROLES)
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # roles_required: signed in
    status = request.GET.get("status", "").strip()
    filter_error = ""
    if status not in dict(CASELOAD_FILTERS):
        filter_error = "Choose a status from the list."
        status = ""
    if status == EpisodeStatus.CLOSED:
        episodes = selectors.episode_list_for_user(user=user, status=EpisodeStatus.CLOSED)
        if user.role == Role.LINK_WORKER:
            episodes = episodes.filter(link_worker=user)
    else:
        episodes = selectors.caseload_for_user(user=user)
        if status:
            episodes = episodes.filter(status=status)
    page = Paginator(episodes, PAGE_SIZE).get_page(request.GET.get("page"))
    return _caseload_render(
        request,
        "all",
        {
            "page": page,
            "status": status,
            "filters": CASELOAD_FILTERS,
            "filter_error": filter_error,
        },
        episodes=list(page.object_list),
        status=400 if filter_error else 200,
    )


@roles_required(*STAFF_ROLES)
@require_GET
def caseload_waiting(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.waiting_for_first_contact(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    rows = [
        (episode, working_days_between(timezone.localdate(episode.opened_at), today))
        for episode in page.object_list
    ]
    return _caseload_render(
        request, "waiting", {"page": page, "rows": rows}, episodes=list(page.object_list)
    )


@roles_required(*STAFF_ROLES)
@require_GET
def caseload_overdue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page = Paginator(selectors.overdue_follow_ups(user=request.user, now=now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # last_contact_at: annotated by overdue_follow_ups
    rows = [
        (episode, (now - episode.last_contact_at).days)  # type: ignore[attr-defined]
        for episode in page.object_list
    ]
    return _caseload_render(
        request,
        "overdue",
        {"page": page, "rows": rows, "overdue_days": selectors.follow_up_overdue_days()},
        episodes=list(page.object_list),
    )


@roles_required(*STAFF_ROLES)
@require_GET
def caseload_upcoming(request: HttpRequest) -> HttpResponse:
    keys = selectors.upcoming_keys(user=request.user)
    page = Paginator(keys, PAGE_SIZE).get_page(request.GET.get("page"))
    items = selectors.upcoming_items(user=request.user, keys=list(page.object_list))
    return _caseload_render(
        request,
        "upcoming",
        {"items": items, "page": page, "days": selectors.UPCOMING_DAYS},
        episodes=[item.episode for item in items],
    )


@roles_required(*STAFF_ROLES)
@require_GET
def caseload_extensions(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # roles_required: signed in
    extensions = list(selectors.extensions_for_user(user=user))
    return _caseload_render(
        request,
        "extensions",
        {"extensions": extensions, "can_decide": user.role in (Role.SUPERVISOR, Role.ADMIN)},
        episodes=[e.episode for e in extensions],
    )


def _episode_context(
    request: HttpRequest,
    episode: Episode,
    *,
    close_form: CloseEpisodeForm | None = None,
    assign_form: AssignForm | None = None,
) -> dict[str, Any]:
    allowed = EPISODE_ALLOWED_TRANSITIONS[episode.status]
    open_episode = episode.status != EpisodeStatus.CLOSED
    return {
        "episode": episode,
        "person": episode.person,
        "referral": episode.referral,
        "history": list(selectors.episode_history(episode=episode)),
        "revolving_door": selectors.caseload_flags(user=request.user, episodes=[episode]).get(
            episode.person_id
        ),
        "rule": selectors.revolving_door_rule(),
        "can_start": episode.status == EpisodeStatus.OPEN and EpisodeStatus.ACTIVE in allowed,
        "can_resume": episode.status == EpisodeStatus.CLOSING and EpisodeStatus.ACTIVE in allowed,
        "can_move_to_closing": EpisodeStatus.CLOSING in allowed,
        "close_form": (close_form or CloseEpisodeForm(prefix="close"))
        if EpisodeStatus.CLOSED in allowed
        else None,
        "assign_form": (assign_form or _assign_form(episode)) if open_episode else None,
    }


def _assign_form(episode: Episode, data: Any = None) -> AssignForm:
    current = episode.link_worker.uuid if episode.link_worker else None
    return AssignForm(data, team=episode.team, initial={"link_worker": current})


@roles_required(*STAFF_ROLES)
@require_GET
def episode_detail(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    episode = selectors.episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    return render(request, "cases/episode_detail.html", _episode_context(request, episode))


# action name → the status it moves the episode to
ACTIONS = {
    "start": EpisodeStatus.ACTIVE,
    "resume": EpisodeStatus.ACTIVE,
    "closing": EpisodeStatus.CLOSING,
    "close": EpisodeStatus.CLOSED,
}
DONE_MESSAGES = {
    "start": "Support started.",
    "resume": "Support is active again.",
    "closing": "Moved to closing.",
    "close": "Episode closed. The referrer has been told support ended.",
}


@roles_required(*STAFF_ROLES)
@require_POST
def episode_action(request: HttpRequest, episode_uuid: UUID, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action.")
    episode = selectors.episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    kwargs: dict[str, str] = {}
    close_form = None
    if action == "close":
        close_form = CloseEpisodeForm(request.POST, prefix="close")
        if not close_form.is_valid():
            context = _episode_context(request, episode, close_form=close_form)
            return render(request, "cases/episode_detail.html", context, status=400)
        kwargs = {
            "discharge_reason": close_form.cleaned_data["discharge_reason"],
            "reason": close_form.cleaned_data["note"].strip(),
        }
    try:
        services.episode_transition(
            episode=episode, to_status=ACTIONS[action], actor=request.user, **kwargs
        )
    except (ApplicationError, ValidationError) as exc:
        status = exc.status_code if isinstance(exc, ApplicationError) else 400
        context = _episode_context(request, episode, close_form=close_form)
        context["action_error"] = error_text(exc)
        return render(request, "cases/episode_detail.html", context, status=status)
    messages.success(request, DONE_MESSAGES[action])
    return redirect("cases:episode", episode_uuid=episode.uuid)


@roles_required(*STAFF_ROLES)
@require_POST
def episode_assign(request: HttpRequest, episode_uuid: UUID) -> HttpResponse:
    episode = selectors.episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    form = _assign_form(episode, request.POST)
    done = ""
    if episode.status == EpisodeStatus.CLOSED:
        form.is_valid()
        form.add_error(None, "This episode is closed; it cannot be assigned.")
    elif form.is_valid():
        try:
            episode = services.episode_assign(
                episode=episode, link_worker=form.cleaned_data["link_worker"], actor=request.user
            )
        except ValidationError as exc:
            form.add_service_error(exc, {})
        except ApplicationError as exc:
            form.add_error("link_worker", exc.message)
        else:
            done = f"Assigned to {form.cleaned_data['link_worker'].display_name}."
            form = _assign_form(episode)
    if is_htmx(request):
        # htmx swaps only 2xx responses; the errors are in the fragment it swaps in.
        return render(
            request,
            "cases/_assignment.html",
            {"episode": episode, "assign_form": form, "assign_done": done},
        )
    if form.errors:
        context = _episode_context(request, episode, assign_form=form)
        return render(request, "cases/episode_detail.html", context, status=400)
    messages.success(request, done)
    return redirect("cases:episode", episode_uuid=episode.uuid)
