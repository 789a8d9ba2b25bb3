"""Outcome pages: the episode's measures and change, staff entry, self-completion links, the
person's change over episodes, due measures and risk flags."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from linkwell.accounts.models import Role, User
from linkwell.common.errors import ApplicationError, NotFound

from . import selectors, services
from .forms import AnswersForm
from .instruments import REGISTRY, InvalidAnswers
from .models import DueMeasure, Occasion
from .polls import POLL_PREFIX, PollInstrument, instrument_for_code
from .selectors import LinkUnusable

STAFF_ROLES = (Role.LINK_WORKER, Role.SUPERVISOR, Role.ADMIN)


def _staff_only(request: HttpRequest) -> User:
    """The signed-in staff user; everyone else is told the page does not exist."""
    user = cast(User, request.user)
    if user.role not in STAFF_ROLES:
        raise Http404("Not found.")
    return user


def _not_found(func):  # type: ignore[no-untyped-def]
    """Turn NotFound from selectors into a 404 page, so outsiders learn nothing."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return func(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


@login_required
@_not_found
def episode_outcomes(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    _staff_only(request)
    episode = selectors.outcomes_episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    services.due_measures_generate(episode=episode)
    data = selectors.episode_outcomes_for_episode(episode=episode)
    polls = selectors.poll_list_for_team(team=data.episode.team)
    choices = [(i.code, i.name) for i in REGISTRY.values()]
    choices += [(f"{POLL_PREFIX}{p.uuid}", f"Poll: {p.question}") for p in polls]
    _label(data.due)
    _label(data.responses)
    for response in data.responses:
        response.score_text = score_text(response)  # type: ignore[attr-defined]
    return render(
        request,
        "outcomes/episode_outcomes.html",
        {"o": data, "episode": data.episode, "choices": choices},
    )


def _label(rows: Any) -> None:
    """Give each due measure or response the short name of its questionnaire."""
    names: dict[str, str] = {}
    for row in rows:
        code = row.instrument_code
        if code not in names:
            try:
                instrument = instrument_for_code(code)
            except NotFound:
                names[code] = "Questionnaire no longer available"
            else:
                poll = code.startswith(POLL_PREFIX)
                names[code] = f"Poll: {instrument.name}" if poll else instrument.short_name
        row.label = names[code]


def score_text(response: Any) -> str:
    """A stored score in words: the metric with its raw total, the total with its band, or each
    ONS4 question with its band."""
    if response.metric is not None:
        return f"{response.metric} (raw total {response.total})"
    if response.total is not None:
        return (
            f"{response.total} ({response.severity})" if response.severity else str(response.total)
        )
    if response.bands:
        # In question order: PostgreSQL's jsonb does not keep the order keys were written in.
        parts = [
            f"{item.link_id.replace('_', ' ').capitalize()} {value} "
            f"({response.bands[item.link_id]})"
            for item, value in zip(REGISTRY["ons4"].items, response.answers, strict=True)
            if item.link_id in response.bands
        ]
        return "; ".join(parts)
    return "Not scored (incomplete)"


def _labelled(rows: list[Any]) -> list[Any]:
    _label(rows)
    return rows


def _save_answers(request: HttpRequest, form: AnswersForm, **record: Any) -> tuple[bool, Any]:
    if not form.is_valid():
        return False, None
    try:
        response = services.response_record(answers=form.answers, **record)
    except InvalidAnswers as exc:
        form.add_error(exc.message, item=exc.extra.get("item"))
        return False, None
    except (ApplicationError, ValidationError) as exc:
        message = exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
        form.add_error(message)
        return False, None
    return True, response


@login_required
@_not_found
@require_http_methods(["GET", "POST"])
def measure_enter(request: HttpRequest, episode_uuid: str, code: str) -> HttpResponse:
    """Staff entry of a questionnaire: for a due measure (``?due=<uuid>``) or at another time."""
    _staff_only(request)
    episode = selectors.outcomes_episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    due: DueMeasure | None = None
    due_uuid = request.GET.get("due") or request.POST.get("due")
    if due_uuid:
        due = selectors.due_measure_get_for_user(user=request.user, due_uuid=due_uuid)
        if due.episode_id != episode.pk or due.instrument_code != code:
            raise Http404("Not found.")
    instrument = instrument_for_code(code)
    if isinstance(instrument, PollInstrument) and instrument.poll.team_id != episode.team_id:
        raise Http404("Not found.")
    form = AnswersForm(instrument, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        occasion = due.occasion if due else request.POST.get("occasion", Occasion.ADHOC)
        ok, response = _save_answers(
            request,
            form,
            episode=episode,
            instrument_code=instrument.code,
            occasion=occasion,
            actor=request.user,
            due=due,
        )
        if ok:
            text = f"{instrument.short_name} saved."
            if response.flags:
                text += " A supervisor has been alerted to a risk answer."
            messages.success(request, text)
            return redirect("outcomes:episode", episode_uuid=episode.uuid)
    return render(
        request,
        "outcomes/measure_enter.html",
        {
            "episode": episode,
            "instrument": instrument,
            "form": form,
            "rows": form.rows(),
            "due": due,
            "occasions": [c for c in Occasion.choices if not due],
        },
    )


@login_required
@_not_found
@require_POST
def link_issue(request: HttpRequest, due_uuid: str) -> HttpResponse:
    """Create a single-use self-completion link and show it once."""
    user = _staff_only(request)
    due = selectors.due_measure_get_for_user(user=user, due_uuid=due_uuid)
    try:
        issued = services.self_completion_link_create(due=due, actor=user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("outcomes:episode", episode_uuid=due.episode.uuid)
    return render(
        request,
        "outcomes/link_issued.html",
        {
            "episode": due.episode,
            "due": due,
            "instrument": instrument_for_code(due.instrument_code),
            "url": request.build_absolute_uri(issued.path),
            "expires_at": issued.link.expires_at,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def self_complete(request: HttpRequest, token: str) -> HttpResponse:
    """The person's own page: no sign-in, one questionnaire, usable once before it expires."""
    try:
        link = selectors.self_completion_link_resolve(token=token)
    except LinkUnusable as exc:
        return render(
            request,
            "outcomes/self_unusable.html",
            {"reason": exc.reason, "message": exc.message},
            status=410,
        )
    instrument = instrument_for_code(link.due.instrument_code)
    form = AnswersForm(instrument, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.self_completion_submit(token=token, answers=form.answers)
        except LinkUnusable as exc:
            return render(
                request,
                "outcomes/self_unusable.html",
                {"reason": exc.reason, "message": exc.message},
                status=410,
            )
        except InvalidAnswers as exc:
            form.add_error(exc.message, item=exc.extra.get("item"))
        else:
            return render(request, "outcomes/self_thanks.html", {"instrument": instrument})
    return render(
        request,
        "outcomes/self_complete.html",
        {"instrument": instrument, "form": form, "rows": form.rows()},
    )


@login_required
def due_list(request: HttpRequest) -> HttpResponse:
    """Measures due or overdue for the user's people (a link worker's own; a supervisor's team)."""
    _staff_only(request)
    due = selectors.due_measure_list_for_user(user=request.user)
    return render(
        request,
        "outcomes/due_list.html",
        {"due": _labelled(due)},
    )


@login_required
@_not_found
def person_change(request: HttpRequest, person_uuid: str) -> HttpResponse:
    _staff_only(request)
    episodes = selectors.person_change_for_user(user=request.user, person_uuid=person_uuid)
    return render(
        request,
        "outcomes/person_change.html",
        {"person": episodes[0].episode.person, "episodes": episodes},
    )


@login_required
def risk_flag_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    show_all = request.GET.get("show") == "all"
    flags = selectors.risk_flag_list_for_user(user=request.user, open_only=not show_all)
    return render(request, "outcomes/risk_flag_list.html", {"flags": flags, "show_all": show_all})


@login_required
@_not_found
@require_http_methods(["GET", "POST"])
def risk_flag_detail(request: HttpRequest, flag_uuid: str) -> HttpResponse:
    user = _staff_only(request)
    flag = selectors.risk_flag_get_for_user(user=user, flag_uuid=flag_uuid)
    error = ""
    if request.method == "POST":
        try:
            services.risk_flag_respond(
                flag=flag, actor=user, response_text=request.POST.get("response_text", "")
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, "Your response has been recorded.")
            return redirect("outcomes:risk_flag", flag_uuid=flag.uuid)
    return render(
        request,
        "outcomes/risk_flag_detail.html",
        {
            "flag": flag,
            "error": error,
            "can_respond": user.role == Role.SUPERVISOR and flag.status == "open",
            "text": request.POST.get("response_text", ""),
        },
    )


# (field, label, hint, smallest, largest)
SCHEDULE_NUMBERS = (
    (
        "review_after_weeks",
        "Review after how many weeks",
        "After the first conversation; 0 for none.",
        0,
        104,
    ),
    ("link_valid_days", "Days a self-completion link works", "From 1 to 60.", 1, 60),
    ("remind_every_days", "Remind link workers every how many days", "From 1 to 60.", 1, 60),
)
SCHEDULE_FLAGS = (
    ("baseline", "At the first conversation"),
    ("at_discharge", "When support ends"),
    ("follow_up_3m", "3 months after support ends"),
    ("follow_up_6m", "6 months after support ends"),
)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request: HttpRequest) -> HttpResponse:
    """A supervisor sets when their team asks for questionnaires."""
    user = _staff_only(request)
    if user.role not in (Role.SUPERVISOR, Role.ADMIN) or user.team is None:
        raise Http404("Not found.")
    team = user.team
    schedule = services.schedule_for_team(team)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "instruments": list(schedule.instruments),
        **{row[0]: getattr(schedule, row[0]) for row in SCHEDULE_NUMBERS},
        **{name: getattr(schedule, name) for name, _ in SCHEDULE_FLAGS},
    }
    if request.method == "POST":
        values["instruments"] = request.POST.getlist("instruments")
        for name, _ in SCHEDULE_FLAGS:
            values[name] = request.POST.get(name) == "on"
        for name, label, _, low, high in SCHEDULE_NUMBERS:
            raw = request.POST.get(name, "").strip()
            values[name] = raw
            if not raw.isdigit() or not low <= int(raw) <= high:
                errors[name] = f"{label}: enter a whole number from {low} to {high}."
            else:
                values[name] = int(raw)
        if not values["instruments"]:
            errors["instruments"] = "Choose at least one questionnaire."
        if not errors:
            try:
                services.outcome_schedule_set(team=team, actor=user, **values)
            except ValidationError as exc:
                for field_name, messages_ in exc.message_dict.items():
                    errors[field_name if field_name != "__all__" else "instruments"] = " ".join(
                        messages_
                    )
            except ApplicationError as exc:
                errors["instruments"] = exc.message
            else:
                messages.success(request, "The questionnaire schedule has been saved.")
                return redirect("outcomes:schedule")
    return render(
        request,
        "outcomes/schedule.html",
        {
            "team": team,
            "errors": errors,
            "instruments": [
                {"code": i.code, "name": i.name, "checked": i.code in values["instruments"]}
                for i in REGISTRY.values()
            ],
            "numbers": [
                {
                    "name": n,
                    "label": label,
                    "hint": hint,
                    "value": values[n],
                    "error": errors.get(n),
                }
                for n, label, hint, _, _ in SCHEDULE_NUMBERS
            ],
            "flags": [
                {"name": n, "label": label, "checked": values[n]} for n, label in SCHEDULE_FLAGS
            ],
        },
    )
