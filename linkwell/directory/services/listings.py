"""Providers keeping their listings current: edits, verification, review and freshness.

A provider user edits the services of the HSDS organizations linked to their organisation. When
the organization's ``edits_need_review`` is set, an edit waits as a pending ListingChange until a
directory manager (an administrator) approves it; otherwise it goes live at once. Every change,
pending or live, stays in the history. Confirming or editing a listing counts as verifying it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from linkwell.accounts.models import Organisation, Role, User
from linkwell.audit.services import audit_log
from linkwell.common.errors import Conflict, Forbidden
from linkwell.common.needs import validate_need_codes
from linkwell.directory.models import (
    DeliveryMode,
    ListingChange,
    ListingChangeStatus,
    Organization,
    ReviewStatus,
    Service,
    ServiceDeliveryMode,
    ServiceNeed,
    ServiceProfile,
)

from .indexing import search_documents_rebuild

logger = logging.getLogger(__name__)

SERVICE_FIELDS = (
    "name",
    "description",
    "status",
    "application_process",
    "eligibility_description",
    "fees_description",
    "email",
    "url",
    "alert",
    "minimum_age",
    "maximum_age",
)
PROFILE_FIELDS = ("access", "cost", "capacity", "typical_wait_days")
LIST_FIELDS = ("needs", "delivery_modes")
EDITABLE = SERVICE_FIELDS + PROFILE_FIELDS + LIST_FIELDS


def is_directory_manager(user: User) -> bool:
    return user.is_authenticated and (user.role == Role.ADMIN or user.is_superuser)


def can_edit_listing(user: User, service: Service) -> bool:
    if is_directory_manager(user):
        return True
    org = service.organization
    return (
        user.is_authenticated
        and user.role == Role.PROVIDER
        and org is not None
        and user.organisation_id is not None
        and org.linkwell_organisation_id == user.organisation_id
    )


def _current(service: Service) -> dict[str, Any]:
    profile, _ = ServiceProfile.objects.get_or_create(service=service)
    values: dict[str, Any] = {f: getattr(service, f) for f in SERVICE_FIELDS}
    values.update({f: getattr(profile, f) for f in PROFILE_FIELDS})
    values["needs"] = sorted(service.needs_met.values_list("need", flat=True))
    values["delivery_modes"] = sorted(service.delivery_modes.values_list("mode", flat=True))
    return values


def _diff(service: Service, proposed: dict[str, Any]) -> dict[str, list[Any]]:
    unknown = set(proposed) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
    current = _current(service)
    changes = {}
    for key, value in proposed.items():
        if key in LIST_FIELDS:
            value = sorted(value or [])
        if value != current[key]:
            changes[key] = [current[key], value]
    return changes


def _apply(service: Service, changes: dict[str, list[Any]], now: dt.datetime) -> None:
    for key, (_, new) in changes.items():
        if key in SERVICE_FIELDS:
            setattr(service, key, new if new != "" or key == "name" else None)
    low, high = service.minimum_age, service.maximum_age
    if low is not None and high is not None and low > high:
        raise ValidationError({"maximum_age": "The oldest age must not be below the youngest."})
    service.linkwell_updated_at = now
    service.full_clean()
    service.save()
    profile, _ = ServiceProfile.objects.get_or_create(service=service)
    for key in PROFILE_FIELDS:
        if key in changes:
            setattr(profile, key, changes[key][1])
    profile.verified_at = now
    profile.review_status = ReviewStatus.CURRENT
    profile.review_reminder_sent_at = None
    profile.full_clean()
    profile.save()
    if "needs" in changes:
        codes = validate_need_codes(list(changes["needs"][1]))
        ServiceNeed.objects.filter(service=service).delete()
        for code in codes:
            need = ServiceNeed(service=service, need=code)
            need.full_clean()
            need.save()
    if "delivery_modes" in changes:
        modes = list(dict.fromkeys(changes["delivery_modes"][1]))
        bad = [m for m in modes if m not in DeliveryMode.values]
        if bad:
            raise ValidationError(f"Unknown delivery mode: {', '.join(bad)}.")
        ServiceDeliveryMode.objects.filter(service=service).delete()
        for mode in modes:
            ServiceDeliveryMode(service=service, mode=mode).save()
    search_documents_rebuild(service_ids=[service.id])


def _validate_proposal(service: Service, changes: dict[str, list[Any]]) -> None:
    """Check a proposal fully before it is stored as pending, by applying it and rolling back."""
    try:
        with transaction.atomic():
            _apply(service, changes, timezone.now())
            raise _Rollback
    except _Rollback:
        pass
    service.refresh_from_db()


class _Rollback(Exception):
    pass


@transaction.atomic
def listing_edit(*, service: Service, actor: User, changes: dict[str, Any]) -> ListingChange:
    """Propose or make changes to a listing; returns the history row (live or pending)."""
    if not can_edit_listing(actor, service):
        raise Forbidden("You cannot edit this listing.")
    diff = _diff(service, changes)
    if not diff:
        raise ValidationError("Nothing was changed.")
    org = service.organization
    needs_review = org is not None and org.edits_need_review and not is_directory_manager(actor)
    if needs_review:
        _validate_proposal(service, diff)
        status = ListingChangeStatus.PENDING
    else:
        _apply(service, diff, timezone.now())
        status = ListingChangeStatus.LIVE
    change = ListingChange(
        service=service,
        service_ref=service.id,
        organization=org,
        actor=actor,
        kind="edit",
        status=status,
        changes=_jsonable(diff),
    )
    change.full_clean()
    change.save()
    audit_log(
        action="listing.edit",
        obj=change,
        actor=actor,
        detail={"service": str(service.id), "status": status, "fields": sorted(diff)},
    )
    return change


def _jsonable(diff: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {
        k: [v if isinstance(v, str | int | float | list | type(None)) else str(v) for v in pair]
        for k, pair in diff.items()
    }


@transaction.atomic
def listing_change_review(
    *, change: ListingChange, actor: User, approve: bool, note: str = ""
) -> ListingChange:
    """A directory manager approves (applies) or rejects a pending edit."""
    if not is_directory_manager(actor):
        raise Forbidden("Only a directory manager can review listing changes.")
    change = ListingChange.objects.select_for_update().get(pk=change.pk)
    if change.status != ListingChangeStatus.PENDING:
        raise Conflict("This change has already been reviewed.")
    if approve:
        if change.service is None:
            raise Conflict("The service no longer exists.")
        # Re-read the current values so the history shows what the approval replaced.
        proposed = {k: pair[1] for k, pair in change.changes.items()}
        diff = _diff(change.service, proposed)
        _apply(change.service, diff, timezone.now())
        change.status = ListingChangeStatus.APPROVED
    else:
        if not note.strip():
            raise ValidationError({"review_note": "Say why the change is rejected."})
        change.status = ListingChangeStatus.REJECTED
    change.reviewed_by = actor
    change.reviewed_at = timezone.now()
    change.review_note = note
    change.full_clean()
    change.save()
    audit_log(action="listing.review", obj=change, actor=actor, detail={"status": change.status})
    return change


@transaction.atomic
def listing_verify(*, service: Service, actor: User) -> ListingChange:
    """The provider (or a manager) confirms the listing is correct as it stands."""
    if not can_edit_listing(actor, service):
        raise Forbidden("You cannot verify this listing.")
    now = timezone.now()
    profile, _ = ServiceProfile.objects.get_or_create(service=service)
    profile.verified_at = now
    profile.review_status = ReviewStatus.CURRENT
    profile.review_reminder_sent_at = None
    profile.full_clean()
    profile.save()
    change = ListingChange(
        service=service,
        service_ref=service.id,
        organization=service.organization,
        actor=actor,
        kind="verify",
        changes={"verified_at": [None, now.isoformat()]},
    )
    change.full_clean()
    change.save()
    audit_log(action="listing.verify", obj=change, actor=actor)
    return change


def _days(key: str, default: int) -> int:
    return int(str(settings.LINKWELL.get(key, default)))


@transaction.atomic
def organization_link(
    *,
    organization: Organization,
    organisation: Organisation | None,
    edits_need_review: bool,
    actor: User | None,
) -> Organization:
    """Link a directory organization to the Linkwell organisation whose providers edit it."""
    if actor is not None and not is_directory_manager(actor):
        raise Forbidden("Only a directory manager links listings to an organisation.")
    organization.linkwell_organisation = organisation
    organization.edits_need_review = edits_need_review
    organization.full_clean()
    organization.save(update_fields=["linkwell_organisation", "edits_need_review"])
    audit_log(
        action="listing.link",
        obj=organization,
        object_id=str(organization.id),
        actor=actor,
        detail={
            "organisation": str(organisation.uuid) if organisation else None,
            "edits_need_review": edits_need_review,
        },
    )
    return organization


@dataclass
class FreshnessReport:
    due: int = 0
    expired: int = 0
    reminders: int = 0


def _remind(to: list[str], services: list[str]) -> None:
    body = (
        "Please check these listings in the Linkwell community directory and confirm they are "
        "still right, or update them:\n\n"
        + "\n".join(f"- {name}" for name in services)
        + "\n\nListings that are not checked for a year leave the public directory."
    )
    try:
        send_mail(
            subject="Please check your community directory listings",
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=to,
        )
    except Exception:
        logger.exception("Could not send a directory review reminder")


@transaction.atomic
def directory_freshness_sweep(*, now: dt.datetime | None = None) -> FreshnessReport:
    """Mark listings due for review or out of date, and remind their providers once.

    Unverified for LINKWELL["DIRECTORY_REVIEW_AFTER_DAYS"]: due for review, and the provider's
    users (and the organisation's email) get one reminder until the listing is verified again.
    Unverified for DIRECTORY_HIDE_AFTER_DAYS: out of date (public search already leaves it out by
    date; the status makes it visible to managers).
    """
    now = now or timezone.now()
    review_cutoff = now - dt.timedelta(days=_days("DIRECTORY_REVIEW_AFTER_DAYS", 182))
    hide_cutoff = now - dt.timedelta(days=_days("DIRECTORY_HIDE_AFTER_DAYS", 365))
    report = FreshnessReport()
    report.expired = (
        ServiceProfile.objects.filter(verified_at__lt=hide_cutoff)
        .exclude(review_status=ReviewStatus.EXPIRED)
        .update(review_status=ReviewStatus.EXPIRED)
    )
    report.due = (
        ServiceProfile.objects.filter(verified_at__lt=review_cutoff, verified_at__gte=hide_cutoff)
        .exclude(review_status=ReviewStatus.DUE)
        .update(review_status=ReviewStatus.DUE)
    )
    to_remind = ServiceProfile.objects.filter(
        review_status__in=[ReviewStatus.DUE, ReviewStatus.EXPIRED],
        review_reminder_sent_at__isnull=True,
        service__status__in=["active", "temporarily closed"],
    ).select_related("service__organization__linkwell_organisation")
    by_org: dict[int, tuple[list[str], list[str]]] = {}
    reminded: list[Any] = []
    for profile in to_remind:
        org = profile.service.organization
        account_org = org.linkwell_organisation if org else None
        if account_org is None:
            continue
        if account_org.pk not in by_org:
            emails = list(
                User.objects.filter(organisation=account_org, role=Role.PROVIDER, is_active=True)
                .exclude(email="")
                .values_list("email", flat=True)
            )
            if account_org.email:
                emails.append(account_org.email)
            by_org[account_org.pk] = (sorted(set(emails)), [])
        by_org[account_org.pk][1].append(profile.service.name)
        reminded.append(profile.pk)
    for emails, names in by_org.values():
        if emails:
            transaction.on_commit(partial(_remind, emails, names))
            report.reminders += 1
    ServiceProfile.objects.filter(pk__in=reminded).update(review_reminder_sent_at=now)
    audit_log(
        action="directory.sweep",
        object_type="ServiceProfile",
        detail={"due": report.due, "expired": report.expired, "reminders": report.reminders},
    )
    return report
