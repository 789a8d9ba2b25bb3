import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from linkwell.accounts.tests.factories import OrganisationFactory, TeamFactory, UserFactory
from linkwell.audit.models import AuditEvent
from linkwell.cases.models import Episode, EpisodeStatus
from linkwell.common.errors import Conflict, Forbidden, InvalidTransition, NotFound
from linkwell.common.statuses import TaskStatus
from linkwell.notifications.models import Alert, AlertKind
from linkwell.people.models import Consent, ConsentMethod, ConsentPurpose, Person, PossibleDuplicate
from linkwell.referrals.models import (
    IdempotencyRecord,
    Referral,
    ReferralStatusChange,
    SelfReferralAttempt,
)
from linkwell.referrals.references import is_valid_reference
from linkwell.referrals.services import (
    SNOMED_SOCIAL_PRESCRIBING_DECLINED,
    TooManyRequests,
    intake_team,
    referral_assign,
    referral_create_self,
    referral_create_via_api,
    referral_transition,
)

from .conftest import person_details

pytestmark = pytest.mark.django_db


def api_payload(**overrides):
    payload = {
        "person": {
            "given_name": "Priya",
            "family_name": "Shah",
            "date_of_birth": "1990-02-03",
            "postcode": "ls6 1ab",
        },
        "source": "gp_practice",
        "reason": "Isolated since her husband died last year.",
        "suggested_needs": ["bereavement", "loneliness"],
        "consent_confirmed": True,
    }
    payload.update(overrides)
    return payload


def self_details(**overrides):
    details = {
        "given_name": "Alex",
        "family_name": "Morgan",
        "date_of_birth": dt.date(1979, 8, 30),
        "postcode": "LS7 2DB",
        "email": "alex@example.org",
        "reason": "I moved here in spring and I do not know anyone.",
        "suggested_needs": ["loneliness"],
        "consent_confirmed": True,
    }
    details.update(overrides)
    return details


# --- intake ----------------------------------------------------------------------------------


def test_referral_create_makes_person_consent_history_and_audit(make_referral, world):
    referral = make_referral()

    assert referral.status == TaskStatus.REQUESTED
    assert is_valid_reference(referral.reference)
    assert referral.person.family_name == "Okafor"
    assert referral.referring_organisation == world.referrer.organisation
    assert referral.referred_by == world.referrer
    assert referral.suggested_needs == ["money", "employment"]
    consent = Consent.objects.get(person=referral.person)
    assert consent.purpose == ConsentPurpose.SUPPORT
    assert consent.given is True
    assert consent.method == ConsentMethod.REFERRER
    history = list(referral.history.all())
    assert [(h.from_status, h.to_status) for h in history] == [("", "requested")]
    assert AuditEvent.objects.filter(
        action="create", object_type="Referral", object_id=str(referral.uuid)
    ).exists()


@time_machine.travel(dt.datetime(2026, 12, 21, 10, tzinfo=dt.UTC), tick=False)
def test_response_due_is_ten_working_days_skipping_christmas(make_referral):
    referral = make_referral()
    assert referral.response_due == dt.date(2027, 1, 7)


@time_machine.travel(dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC), tick=False)
def test_urgent_referral_is_due_in_two_working_days(make_referral):
    assert make_referral(urgency="urgent").response_due == dt.date(2026, 11, 4)


def test_gp_referral_records_the_practice_on_the_person(make_referral, world):
    assert make_referral().person.gp_practice == world.referrer.organisation
    by_link_worker = make_referral(actor=world.link_worker)
    assert by_link_worker.person.gp_practice is None


def test_referral_without_consent_is_refused_and_saves_nothing(make_referral):
    with pytest.raises(ValidationError) as exc:
        make_referral(consent_confirmed=False)
    assert "must agree" in str(exc.value)
    assert Referral.objects.count() == 0
    assert Person.objects.count() == 0


def test_unknown_need_is_refused_and_saves_nothing(make_referral):
    with pytest.raises(ValidationError) as exc:
        make_referral(suggested_needs=["money", "unicorns"])
    assert "unicorns" in str(exc.value)
    assert Person.objects.count() == 0


def test_invalid_person_details_save_nothing(make_referral):
    with pytest.raises(ValidationError):
        make_referral(person_details=person_details(nhs_number="1234567890"))
    assert Referral.objects.count() == 0
    assert Person.objects.count() == 0


def test_empty_reason_is_refused(make_referral):
    with pytest.raises(ValidationError) as exc:
        make_referral(reason="   ")
    assert "why" in str(exc.value)


def test_roles_that_do_not_refer_are_refused(make_referral, world):
    for user in (world.provider, world.volunteer, world.commissioner):
        with pytest.raises(Forbidden):
            make_referral(actor=user)
    assert Referral.objects.count() == 0


def test_referrer_cannot_refer_for_another_organisation(make_referral, world):
    with pytest.raises(Forbidden):
        make_referral(referring_organisation=world.other_referrer.organisation)


def test_references_are_unique(make_referral):
    refs = {
        make_referral(person_details=person_details(given_name=f"P{i}")).reference
        for i in range(20)
    }
    assert len(refs) == 20


def test_intake_team_is_first_team_of_first_service(world):
    assert intake_team() == world.service_team


def test_intake_team_setting_wins(world, settings):
    settings.LINKWELL = {**settings.LINKWELL, "INTAKE_TEAM_UUID": str(world.other_team.uuid)}
    assert intake_team() == world.other_team


def test_referral_without_team_goes_to_intake_team(make_referral, world):
    assert make_referral(team=None).team == world.service_team


def test_possible_duplicate_is_flagged_not_merged(make_referral):
    first = make_referral()
    second = make_referral()
    assert first.person != second.person
    assert PossibleDuplicate.objects.filter(
        person__in=[first.person, second.person], other__in=[first.person, second.person]
    ).exists()
    assert Person.objects.filter(merged_into__isnull=False).count() == 0


# --- risk ------------------------------------------------------------------------------------


def test_flagged_risk_alerts_every_supervisor_at_once(
    make_referral, world, django_capture_on_commit_callbacks
):
    second_supervisor = UserFactory(username="sup2", team=world.service_team, role="supervisor")
    with django_capture_on_commit_callbacks(execute=True):
        referral = make_referral(risk_of_harm=True, risk_details="Said she has stopped eating.")
    alerts = Alert.objects.filter(kind=AlertKind.RISK)
    assert {a.recipient for a in alerts} == {world.supervisor, second_supervisor}
    assert all(a.object_uuid == referral.uuid for a in alerts)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert referral.reference in message.subject
        assert "Okafor" not in message.subject + message.body
        assert "Sam" not in message.subject + message.body


@pytest.mark.parametrize(
    "reason, flag",
    [
        ("Has had thoughts of suicide since losing the flat.", "risk_of_harm"),
        ("Told me she wants to END MY LIFE, her words.", "risk_of_harm"),
        ("History of self harm when money is tight.", "risk_of_harm"),
        ("Took an overdose last winter.", "risk_of_harm"),
        ("Her partner hits me, she said, and she is scared of him.", "safeguarding_concern"),
        ("He feels unsafe at home with his son.", "safeguarding_concern"),
        ("Financial abuse by a relative.", "safeguarding_concern"),
        ("I don\u2019t feel safe in the house.", "safeguarding_concern"),
    ],
)
def test_risk_words_in_the_reason_flag_and_alert(make_referral, world, reason, flag):
    referral = make_referral(reason=reason)
    assert getattr(referral, flag) is True
    assert "Flagged automatically" in referral.risk_details
    assert Alert.objects.filter(recipient=world.supervisor, kind=AlertKind.RISK).count() == 1


def test_safety_need_raises_safeguarding_flag(make_referral, world):
    referral = make_referral(suggested_needs=["safety", "housing"])
    assert referral.safeguarding_concern is True
    assert Alert.objects.filter(recipient=world.supervisor).count() == 1


def test_ordinary_referral_raises_no_alert(make_referral):
    referral = make_referral(reason="Would like to join a walking group and meet people.")
    assert not referral.risk_of_harm and not referral.safeguarding_concern
    assert Alert.objects.count() == 0


def test_risk_alert_goes_to_admins_when_team_has_no_supervisor(make_referral, world):
    world.supervisor.team = None
    world.supervisor.save()
    make_referral(safeguarding_concern=True)
    assert list(Alert.objects.values_list("recipient__username", flat=True)) == ["admin"]


# --- API intake and idempotency --------------------------------------------------------------


def test_same_key_returns_first_referral_and_creates_one(world):
    first, created = referral_create_via_api(
        actor=world.referrer, idempotency_key="abc-1", payload=api_payload()
    )
    again, created_again = referral_create_via_api(
        actor=world.referrer, idempotency_key="abc-1", payload=api_payload()
    )
    assert created is True and created_again is False
    assert again == first
    assert Referral.objects.count() == 1
    assert Person.objects.count() == 1


def test_same_key_different_payload_is_a_conflict(world):
    referral_create_via_api(actor=world.referrer, idempotency_key="k", payload=api_payload())
    with pytest.raises(Conflict) as exc:
        referral_create_via_api(
            actor=world.referrer, idempotency_key="k", payload=api_payload(reason="Different")
        )
    assert "already used" in exc.value.message
    assert Referral.objects.count() == 1


def test_same_key_from_another_user_is_independent(world):
    referral_create_via_api(actor=world.referrer, idempotency_key="k", payload=api_payload())
    _, created = referral_create_via_api(
        actor=world.other_referrer, idempotency_key="k", payload=api_payload()
    )
    assert created is True
    assert IdempotencyRecord.objects.count() == 2


def test_failed_api_referral_keeps_no_key(world):
    with pytest.raises(ValidationError):
        referral_create_via_api(
            actor=world.referrer, idempotency_key="k", payload=api_payload(consent_confirmed=False)
        )
    assert IdempotencyRecord.objects.count() == 0
    _, created = referral_create_via_api(
        actor=world.referrer, idempotency_key="k", payload=api_payload()
    )
    assert created is True


def test_blank_key_is_refused(world):
    with pytest.raises(ValidationError):
        referral_create_via_api(actor=world.referrer, idempotency_key=" ", payload=api_payload())


# --- self-referral ---------------------------------------------------------------------------


def test_self_referral_is_source_self_with_online_consent(world):
    referral = referral_create_self(client_key="203.0.113.5", details=self_details())
    assert referral.source == "self"
    assert referral.referred_by is None
    assert referral.team == world.service_team
    assert Consent.objects.get(person=referral.person).method == ConsentMethod.ONLINE
    assert SelfReferralAttempt.objects.count() == 1
    assert "203.0.113.5" not in SelfReferralAttempt.objects.get().client_hash


def test_self_referral_is_rate_limited_per_client(world, settings):
    settings.LINKWELL = {**settings.LINKWELL, "SELF_REFERRAL_RATE_LIMIT_PER_HOUR": 2}
    for i in range(2):
        referral_create_self(client_key="a", details=self_details(given_name=f"A{i}"))
    with pytest.raises(TooManyRequests) as exc:
        referral_create_self(client_key="a", details=self_details())
    assert exc.value.status_code == 429
    assert "try again in an hour" in exc.value.message
    assert Referral.objects.count() == 2
    referral_create_self(client_key="b", details=self_details())
    assert Referral.objects.count() == 3


def test_self_referral_rate_limit_resets_after_an_hour(world, settings):
    settings.LINKWELL = {**settings.LINKWELL, "SELF_REFERRAL_RATE_LIMIT_PER_HOUR": 1}
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC), tick=False):
        referral_create_self(client_key="a", details=self_details())
    with (
        time_machine.travel(dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC), tick=False),
        pytest.raises(TooManyRequests),
    ):
        referral_create_self(client_key="a", details=self_details())
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, 1, tzinfo=dt.UTC), tick=False):
        referral_create_self(client_key="a", details=self_details())


def test_self_referral_with_unknown_field_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        referral_create_self(client_key="a", details=self_details(at_risk=True))
    assert "at_risk" in str(exc.value)
    assert Referral.objects.count() == 0


def test_self_referral_saying_at_risk_alerts_supervisor(world):
    referral_create_self(client_key="a", details=self_details(risk_of_harm=True))
    assert Alert.objects.filter(recipient=world.supervisor, kind=AlertKind.RISK).exists()


# --- transitions -----------------------------------------------------------------------------


def test_link_worker_accepting_opens_an_episode_for_them(make_referral, world):
    referral = make_referral()
    referral = referral_transition(referral=referral, to_status="accepted", actor=world.link_worker)
    episode = Episode.objects.get(referral=referral)
    assert episode.link_worker == world.link_worker
    assert episode.number == 1
    assert episode.status == EpisodeStatus.OPEN
    assert episode.snomed_code == "871731000000106"
    assert referral.assigned_to == world.link_worker
    accepted = referral.history.get(to_status="accepted")
    assert accepted.snomed_code == "871731000000106"


def test_supervisor_accepting_gives_the_episode_to_the_assignee(make_referral, world):
    referral = make_referral()
    referral_assign(referral=referral, link_worker=world.teammate, actor=world.supervisor)
    referral_transition(referral=referral, to_status="accepted", actor=world.supervisor)
    assert Episode.objects.get(referral=referral).link_worker == world.teammate


def test_rejection_needs_a_reason_and_records_declined_code(make_referral, world):
    referral = make_referral()
    with pytest.raises(ValidationError) as exc:
        referral_transition(referral=referral, to_status="rejected", actor=world.link_worker)
    assert "reason" in str(exc.value)
    referral.refresh_from_db()
    assert referral.status == "requested"
    referral = referral_transition(
        referral=referral, to_status="rejected", actor=world.link_worker, reason="Not eligible"
    )
    change = referral.history.get(to_status="rejected")
    assert change.snomed_code == SNOMED_SOCIAL_PRESCRIBING_DECLINED
    assert change.reason == "Not eligible"
    assert referral.status_reason == "Not eligible"


def test_declined_referral_cannot_be_reopened(make_referral, world):
    referral = make_referral()
    referral_transition(
        referral=referral, to_status="rejected", actor=world.link_worker, reason="Not eligible"
    )
    with pytest.raises(InvalidTransition) as exc:
        referral_transition(referral=referral, to_status="accepted", actor=world.link_worker)
    assert "Make a new referral" in exc.value.message


def test_disallowed_move_is_refused(make_referral, world):
    referral = make_referral()
    with pytest.raises(InvalidTransition):
        referral_transition(referral=referral, to_status="completed", actor=world.link_worker)
    assert referral.history.count() == 1


def test_unknown_status_is_refused(make_referral, world):
    with pytest.raises(ValidationError):
        referral_transition(referral=make_referral(), to_status="done", actor=world.link_worker)


def test_referrer_who_made_it_may_cancel_while_requested(make_referral, world):
    referral = make_referral()
    referral = referral_transition(
        referral=referral, to_status="cancelled", actor=world.referrer, reason="Moved away"
    )
    assert referral.status == "cancelled"


def test_referrer_may_not_accept(make_referral, world):
    with pytest.raises(Forbidden):
        referral_transition(referral=make_referral(), to_status="accepted", actor=world.referrer)


def test_referrer_may_not_cancel_once_accepted(make_referral, world):
    referral = make_referral()
    referral_transition(referral=referral, to_status="accepted", actor=world.link_worker)
    with pytest.raises(InvalidTransition):
        referral_transition(
            referral=referral, to_status="cancelled", actor=world.referrer, reason="x"
        )


def test_outsider_and_other_roles_cannot_transition(make_referral, world):
    referral = make_referral()
    for user in (world.outsider, world.other_referrer, world.provider, world.volunteer):
        with pytest.raises(NotFound):
            referral_transition(referral=referral, to_status="accepted", actor=user)
    assert referral.history.count() == 1


def test_admin_of_the_service_may_transition(make_referral, world):
    referral = referral_transition(
        referral=make_referral(), to_status="accepted", actor=world.admin
    )
    assert referral.status == "accepted"


def test_accepting_twice_for_one_person_needs_the_first_episode_closed(make_referral, world):
    from linkwell.people.services import person_merge

    first = make_referral()
    second = make_referral()
    person_merge(keep=first.person, merge=second.person, actor=world.link_worker)
    referral_transition(referral=first, to_status="accepted", actor=world.link_worker)
    second.refresh_from_db()
    with pytest.raises(Conflict):
        referral_transition(referral=second, to_status="accepted", actor=world.link_worker)
    second.refresh_from_db()
    assert second.status == "requested"


def test_each_transition_writes_one_history_row_and_audit(make_referral, world):
    referral = make_referral()
    for status, reason in [("accepted", ""), ("on-hold", "In hospital"), ("in-progress", "")]:
        referral = referral_transition(
            referral=referral, to_status=status, actor=world.link_worker, reason=reason
        )
    assert ReferralStatusChange.objects.filter(referral=referral).count() == 4
    assert AuditEvent.objects.filter(action="transition", object_id=str(referral.uuid)).count() == 3


# --- assignment ------------------------------------------------------------------------------


def test_assign_to_someone_outside_the_team_is_refused(make_referral, world):
    referral = make_referral()
    with pytest.raises(ValidationError):
        referral_assign(referral=referral, link_worker=world.outsider, actor=world.supervisor)
    with pytest.raises(NotFound):
        referral_assign(referral=referral, link_worker=world.teammate, actor=world.outsider)
    with pytest.raises(Forbidden):
        referral_assign(referral=referral, link_worker=world.teammate, actor=world.referrer)
    referral.refresh_from_db()
    assert referral.assigned_to is None


def test_other_service_team_is_never_the_default(world):
    OrganisationFactory(name="Aardvark Wellbeing")  # sorts first by name, created last
    TeamFactory(organisation=OrganisationFactory(name="Zed Service"))
    assert intake_team() == world.service_team
