"""Writing the "what matters to you" record, the support plan and the options offered.

Only staff of the episode's team may write (cases.selectors.user_is_team_staff). Every save of a
conversation or plan is a new version; nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from linkwell.accounts.models import Role, Team, User
from linkwell.audit.services import audit_log
from linkwell.cases.models import Episode, EpisodeStatus
from linkwell.cases.selectors import user_is_team_staff
from linkwell.common.errors import Conflict, Forbidden, NotFound
from linkwell.common.needs import NEED_CODES, SAFEGUARDING_NEED
from linkwell.directory.models import DeliveryMode, Service
from linkwell.notifications.models import AlertKind
from linkwell.notifications.services import alert_create
from linkwell.referrals.risk import find_risk_words

from .models import (
    Conversation,
    GroupPreference,
    OptionStatus,
    PlanOption,
    Priority,
    SupportPlan,
    TimeOfDay,
)

MAX_TRAVEL_KM_LIMIT = 200


def _require_staff(actor: Any, episode: Episode) -> None:
    if not user_is_team_staff(actor, episode.team):
        raise Forbidden(f"Only staff of the {episode.team.name} team can change this record.")


def _require_open(episode: Episode) -> None:
    if episode.status == EpisodeStatus.CLOSED:
        raise Conflict("This episode is closed; its record can no longer change.")


def clean_needs(needs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate and normalise needs: known codes, once each, priority 1-3, own words trimmed."""
    clean: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, need in enumerate(needs):
        code = str(need.get("code", "")).strip()
        if code not in NEED_CODES:
            raise ValidationError({"needs": f"Need {i + 1}: choose a need from the list."})
        if code in seen:
            raise ValidationError({"needs": f"Need {i + 1}: {code} is already in the list."})
        seen.add(code)
        try:
            priority = int(need.get("priority", Priority.MEDIUM))
        except (TypeError, ValueError):
            priority = 0
        if priority not in Priority.values:
            raise ValidationError(
                {"needs": f"Need {i + 1}: priority must be 1 (most important), 2 or 3."}
            )
        own_words = str(need.get("own_words", "")).strip()
        if len(own_words) > 2000:
            raise ValidationError({"needs": f"Need {i + 1}: keep the words under 2,000 letters."})
        clean.append({"code": code, "priority": priority, "own_words": own_words})
    clean.sort(key=lambda n: n["priority"])
    return clean


def clean_preferences(prefs: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise preferences; unknown keys are refused so typos are not lost."""
    known = {
        "delivery_modes",
        "max_travel_km",
        "days",
        "times",
        "language",
        "group",
        "avoid_mental_health_label",
    }
    unknown = sorted(set(prefs) - known)
    if unknown:
        raise ValidationError({"preferences": f"Unknown preference: {', '.join(unknown)}."})
    modes = list(dict.fromkeys(str(m) for m in prefs.get("delivery_modes") or []))
    bad = [m for m in modes if m not in DeliveryMode.values]
    if bad:
        raise ValidationError({"preferences": f"Unknown way of meeting: {', '.join(bad)}."})
    km = prefs.get("max_travel_km")
    if km in ("", None):
        km = None
    else:
        try:
            km = float(km)
        except (TypeError, ValueError):
            raise ValidationError(
                {"preferences": "How far they can travel must be a number of kilometres."}
            ) from None
        if not 0 <= km <= MAX_TRAVEL_KM_LIMIT:
            raise ValidationError(
                {"preferences": f"How far they can travel must be 0 to {MAX_TRAVEL_KM_LIMIT} km."}
            )
    try:
        days = sorted({int(d) for d in prefs.get("days") or []})
    except (TypeError, ValueError):
        raise ValidationError({"preferences": "Days must be 0 (Monday) to 6 (Sunday)."}) from None
    if any(not 0 <= d <= 6 for d in days):
        raise ValidationError({"preferences": "Days must be 0 (Monday) to 6 (Sunday)."})
    times = list(dict.fromkeys(str(t) for t in prefs.get("times") or []))
    if any(t not in TimeOfDay.values for t in times):
        raise ValidationError({"preferences": "Times must be mornings, afternoons or evenings."})
    group = str(prefs.get("group") or GroupPreference.EITHER)
    if group not in GroupPreference.values:
        raise ValidationError({"preferences": "Choose group, one to one or either."})
    language = str(prefs.get("language") or "").strip()[:60]
    return {
        "delivery_modes": modes,
        "max_travel_km": km,
        "days": days,
        "times": times,
        "language": language,
        "group": group,
        "avoid_mental_health_label": bool(prefs.get("avoid_mental_health_label", False)),
    }


def team_supervisors(team: Team) -> list[User]:
    """Who hears of a safeguarding concern: the team's supervisors, else the organisation's
    administrators, else the team's link workers. Never nobody."""
    base = User.objects.filter(is_active=True).order_by("username")
    people = list(base.filter(team=team, role=Role.SUPERVISOR))
    if not people:
        people = list(base.filter(organisation_id=team.organisation_id, role=Role.ADMIN))
    if not people:
        people = list(base.filter(team=team, role=Role.LINK_WORKER))
    return people


def _lock_episode(episode: Episode) -> Episode:
    return (
        Episode.objects.select_for_update(of=("self",))
        .select_related("team", "person")
        .get(pk=episode.pk)
    )


@transaction.atomic
def conversation_record(
    *,
    episode: Episode,
    actor: Any,
    needs: list[dict[str, Any]],
    strengths: str = "",
    preferences: dict[str, Any] | None = None,
    notes: str = "",
) -> Conversation:
    """Save a new version of the "what matters to you" record.

    A ``safety`` need, or risk words (referrals.risk) in the needs' own words, strengths or notes,
    flag the version and alert the team's supervisors (the alert names no one).
    """
    episode = _lock_episode(episode)
    _require_staff(actor, episode)
    _require_open(episode)
    clean = clean_needs(needs)
    prefs = clean_preferences(preferences or {})
    text = " ".join([*(n["own_words"] for n in clean), strengths, notes])
    words = find_risk_words(text)
    flag = SAFEGUARDING_NEED in {n["code"] for n in clean} or bool(words)
    last = episode.conversations.aggregate(n=Max("version"))["n"] or 0
    conversation = Conversation(
        episode=episode,
        version=last + 1,
        needs=clean,
        strengths=strengths.strip(),
        preferences=prefs,
        notes=notes.strip(),
        safeguarding_flag=flag,
        recorded_by=actor,
    )
    conversation.full_clean()
    conversation.save()
    audit_log(
        action="create",
        obj=conversation,
        person=episode.person,
        actor=actor,
        detail={
            "episode": str(episode.uuid),
            "version": conversation.version,
            "needs": [n["code"] for n in clean],
            "safeguarding_flag": flag,
            "risk_words": list(words.all),
        },
    )
    if flag:
        alert_create(
            recipients=team_supervisors(episode.team),
            kind=AlertKind.RISK,
            message=(
                f"A conversation record needs a safeguarding look today: episode "
                f"{episode.number} ({str(episode.uuid)[:8]})"
            ),
            url=reverse("conversations:conversation", args=[episode.uuid]),
            obj=episode,
        )
    return conversation


def _clean_actions(actions: list[dict[str, Any]]) -> list[dict[str, str]]:
    clean = []
    for i, action in enumerate(actions):
        what = str(action.get("what", "")).strip()
        who = str(action.get("who", "")).strip()
        by = str(action.get("by") or "").strip()
        if not what and not who and not by:
            continue
        if not what:
            raise ValidationError({"actions": f"Action {i + 1}: say what will be done."})
        if not who:
            raise ValidationError({"actions": f"Action {i + 1}: say who will do it."})
        if by:
            try:
                dt.date.fromisoformat(by)
            except ValueError:
                raise ValidationError(
                    {"actions": f"Action {i + 1}: the date must be a real date, like 2026-03-31."}
                ) from None
        clean.append({"what": what[:500], "who": who[:200], "by": by})
    return clean


@transaction.atomic
def plan_record(
    *,
    episode: Episode,
    actor: Any,
    goals: list[str],
    actions: list[dict[str, Any]],
    review_date: dt.date | None,
) -> SupportPlan:
    """Save a new version of the support plan. At least one goal, in the person's words."""
    episode = _lock_episode(episode)
    _require_staff(actor, episode)
    _require_open(episode)
    clean_goals = [g.strip()[:1000] for g in goals if g and g.strip()]
    if not clean_goals:
        raise ValidationError({"goals": "Write at least one goal, in the person's own words."})
    clean_actions = _clean_actions(actions)
    if review_date is not None and review_date < timezone.localdate():
        raise ValidationError({"review_date": "The review date must be today or later."})
    last = episode.support_plans.aggregate(n=Max("version"))["n"] or 0
    plan = SupportPlan(
        episode=episode,
        version=last + 1,
        goals=clean_goals,
        actions=clean_actions,
        review_date=review_date,
        recorded_by=actor,
    )
    plan.full_clean()
    plan.save()
    audit_log(
        action="create",
        obj=plan,
        person=episode.person,
        actor=actor,
        detail={"episode": str(episode.uuid), "version": plan.version},
    )
    return plan


@transaction.atomic
def option_offer(
    *, episode: Episode, actor: Any, service_id: uuid.UUID | str, reasons: str = ""
) -> PlanOption:
    """Record that a service was offered to the person (idempotent per episode and service)."""
    episode = _lock_episode(episode)
    _require_staff(actor, episode)
    _require_open(episode)
    try:
        sid = uuid.UUID(str(service_id))
    except ValueError:
        raise NotFound("That service is not in the directory.") from None
    service = Service.objects.filter(id=sid).only("id", "name").first()
    if service is None:
        raise NotFound("That service is not in the directory.")
    option = PlanOption.objects.filter(episode=episode, service_id=sid).first()
    if option is not None:
        return option
    option = PlanOption(
        episode=episode,
        service_id=sid,
        service_name=service.name[:300],
        reasons=reasons[:1000],
        offered_by=actor,
    )
    option.full_clean()
    option.save()
    audit_log(
        action="create",
        obj=option,
        person=episode.person,
        actor=actor,
        detail={"episode": str(episode.uuid), "service": str(sid)},
    )
    return option


@transaction.atomic
def option_decide(*, option: PlanOption, actor: Any, status: str, note: str = "") -> PlanOption:
    """The person's choice: ``chosen`` or ``declined`` (declined services rank lower later)."""
    option = (
        PlanOption.objects.select_for_update(of=("self",))
        .select_related("episode", "episode__team", "episode__person")
        .get(pk=option.pk)
    )
    _require_staff(actor, option.episode)
    _require_open(option.episode)
    if status not in (OptionStatus.CHOSEN, OptionStatus.DECLINED):
        raise ValidationError({"status": "Say whether the person chose it or did not want it."})
    previous = option.status
    option.status = status
    option.note = note.strip()[:1000]
    option.decided_at = timezone.now()
    option.full_clean()
    option.save()
    audit_log(
        action="update",
        obj=option,
        person=option.episode.person,
        actor=actor,
        detail={"from": previous, "to": status, "service": str(option.service_id)},
    )
    return option
