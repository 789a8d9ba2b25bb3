"""load_demo: a small demo loads through the services, its logins work, and it never loads twice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils.html import escape

from linkwell.accounts.models import Organisation, OrganisationKind, User
from linkwell.audit.verification import audit_chain_verify
from linkwell.cases.models import Episode, EpisodeStatus
from linkwell.common.demo import DEMO_PASSWORD, DEMO_SERVICE_NAME, demo_state, discover_builders
from linkwell.common.statuses import TaskStatus
from linkwell.people.models import Person, PossibleDuplicate
from linkwell.referrals.models import Referral, ReferralSource, ReferralStatusChange

# Every test here uses the database; the mark also makes pytest-django create the test database
# before the module's shared demo (below) is loaded into it.
pytestmark = pytest.mark.django_db

DEMO_LOGINS = ["linkworker", "supervisor", "referrer", "provider", "volunteer", "commissioner"]
DEMO_LOGINS.append("admin")


def _load(**options) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, stderr=StringIO(), verbosity=0, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker):
    """One small demo for the module (loading it is the slow part), committed so every test of the
    module sees it, and flushed afterwards so no later test module inherits it. The audit log's
    append-only guard is lifted for the flush only; flush's post_migrate signal puts it back."""
    with django_db_blocker.unblock():
        from django.db import connection

        from linkwell.audit import guard

        name = str(connection.settings_dict["NAME"])
        assert "memory" in name or "test" in name, f"not a test database: {name}"
        try:
            yield _load(people=40, seed=7)
        finally:
            guard.remove(connection)
            call_command("flush", interactive=False, verbosity=0)
            if not guard.is_installed(connection):
                guard.install(connection)


@pytest.fixture
def demo(demo_db, django_db_blocker):
    with django_db_blocker.unblock():
        yield demo_db


def test_builders_run_in_the_fixed_order():
    labels = [b.app_label for b in discover_builders()]
    assert labels[:3] == ["accounts", "people", "referrals"]


def test_demo_makes_the_seven_logins_with_the_printed_password(demo):
    assert f"password:  {DEMO_PASSWORD}" in demo
    for username in DEMO_LOGINS:
        assert username in demo
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD), username


def test_link_worker_can_sign_in_through_the_login_page(demo):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "linkworker", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_supervisor_and_admin_get_printed_backup_codes_that_work(demo):
    from django_otp.plugins.otp_static.models import StaticToken

    from linkwell.accounts.services import two_factor_verify

    for username in ("supervisor", "admin"):
        user = User.objects.get(username=username)
        codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
        assert codes
        assert all(code in demo for code in codes)
        device = two_factor_verify(user=user, code=codes[0])
        assert device.user_id == user.pk


def test_demo_has_referrals_in_every_status_and_from_every_source(demo):
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == set(TaskStatus.values)
    sources = set(Referral.objects.values_list("source", flat=True))
    assert set(ReferralSource.values) - sources <= {ReferralSource.OTHER}


def test_every_referral_has_a_history_that_ends_in_its_status(demo):
    for referral in Referral.objects.all():
        history = list(ReferralStatusChange.objects.filter(referral=referral).order_by("at", "id"))
        assert history, referral.reference
        assert history[-1].to_status == referral.status
        times = [change.at for change in history]
        assert times == sorted(times)
        assert referral.created_at <= history[-1].at


def test_demo_history_is_spread_over_many_months(demo):
    oldest = Referral.objects.order_by("created_at").first()
    newest = Referral.objects.order_by("-created_at").first()
    assert (newest.created_at - oldest.created_at).days > 180


def test_demo_has_episodes_in_each_state_and_returning_people(demo):
    states = set(Episode.objects.values_list("status", flat=True))
    assert {EpisodeStatus.OPEN, EpisodeStatus.ACTIVE, EpisodeStatus.CLOSED} <= states
    assert Episode.objects.filter(number__gte=2).exists()
    for episode in Episode.objects.filter(status=EpisodeStatus.CLOSED):
        assert episode.discharge_reason
        assert episode.closed_at >= episode.opened_at


def test_demo_people_are_fictional_and_varied(demo):
    people = Person.objects.filter(merged_into__isnull=True)
    assert people.count() >= 30
    for person in people:
        assert person.nhs_number == "" or person.nhs_number.startswith("999")
        assert person.phone.startswith(("07700 900", "0113 496 "))
        assert person.email == "" or person.email.endswith("@example.org")
    assert people.values("ethnic_category").distinct().count() >= 5
    assert people.values("deprivation_decile").distinct().count() >= 5
    assert people.filter(interpreter_needed=True).exists()


def test_demo_plants_a_possible_duplicate_for_review(demo):
    assert PossibleDuplicate.objects.filter(status="open").exists()


def test_demo_organisations_include_the_referrers_and_forty_community_providers(demo):
    assert Organisation.objects.filter(name=DEMO_SERVICE_NAME).exists()
    assert Organisation.objects.filter(kind=OrganisationKind.GP_PRACTICE).count() >= 5
    assert Organisation.objects.filter(kind=OrganisationKind.COMMUNITY_PROVIDER).count() >= 40
    for kind in (
        OrganisationKind.TALKING_THERAPIES,
        OrganisationKind.JOB_CENTRE,
        OrganisationKind.HOUSING_PROVIDER,
    ):
        assert Organisation.objects.filter(kind=kind).exists()


def test_demo_keeps_the_audit_chain_intact(demo):
    report = audit_chain_verify()
    assert report.intact, report.problem
    assert report.rows_checked > 500


def test_second_run_refuses_to_load_again_and_changes_nothing(demo):
    before = (Referral.objects.count(), Person.objects.count(), User.objects.count())
    output = _load(people=5)
    assert "already loaded" in output
    assert "nothing was added" in output
    assert (Referral.objects.count(), Person.objects.count(), User.objects.count()) == before
    assert demo_state() == "demo"


def test_reset_refuses_honestly_because_the_audit_log_cannot_be_deleted(demo):
    with pytest.raises(CommandError, match="append-only"):
        _load(reset=True)
    assert Organisation.objects.filter(name=DEMO_SERVICE_NAME).exists()


def test_demo_episodes_have_the_support_they_got(demo):
    from linkwell.connections.models import Connection
    from linkwell.conversations.models import Conversation
    from linkwell.outcomes.models import QuestionnaireResponse
    from linkwell.sessions.models import Appointment, Outcome

    contacted = Episode.objects.filter(first_contact_at__isnull=False)
    assert contacted.exists()
    for episode in contacted:
        # Everyone contacted had the "what matters to you" conversation at first contact.
        conversation = Conversation.objects.filter(episode=episode).first()
        assert conversation is not None, episode.number
        assert conversation.created_at == episode.first_contact_at
        sessions = Appointment.objects.filter(episode=episode)
        assert sessions.exists()
        if episode.closed_at is not None:
            # Nothing after the episode closed.
            assert all(s.starts_at <= episode.closed_at for s in sessions)
            assert not sessions.filter(outcome="").exists()
    outcomes = set(Appointment.objects.values_list("outcome", flat=True))
    assert {Outcome.ATTENDED, Outcome.DID_NOT_ATTEND} <= outcomes
    # Paired questionnaires, so the outcomes report has something to show.
    closed_with_pairs = (
        QuestionnaireResponse.objects.filter(instrument_code="swemwbs", occasion="discharge")
        .values("episode")
        .distinct()
        .count()
    )
    assert closed_with_pairs >= 5
    assert Connection.objects.filter(status=TaskStatus.COMPLETED).exists()


# Volunteers, community and groups: what the demo logins see on those pages.


def _page(username: str, url: str) -> str:
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get(url)
    assert response.status_code == 200, (username, url, response.status_code)
    return response.content.decode()


def test_demo_volunteer_login_sees_the_people_matched_to_them(demo):
    from linkwell.volunteers.models import HoursLog, Match, MatchReview, MatchStatus

    mine = Match.objects.filter(volunteer__user__username="volunteer").select_related("person")
    active = [m for m in mine if m.status == MatchStatus.ACTIVE]
    ended = [m for m in mine if m.status == MatchStatus.ENDED]
    assert 2 <= len(active) <= 3
    assert len(ended) == 1 and ended[0].end_reason and ended[0].ended_on
    page = _page("volunteer", "/volunteers/me/")
    for match in active:
        assert escape(match.person.preferred_name or match.person.given_name) in page
        # Only the first name: never the family name or the NHS number.
        assert escape(match.person.family_name) not in page
    # Hours logged month by month, reviews by the link worker.
    months = {h.worked_on.strftime("%Y-%m") for h in HoursLog.objects.filter(match__in=mine)}
    assert len(months) >= 6
    assert MatchReview.objects.filter(match__in=mine).exists()


def test_demo_volunteers_are_at_every_stage_and_an_expired_dbs_blocks_matching(demo):
    import datetime as dt

    from django.utils import timezone

    from linkwell.volunteers.models import Volunteer, VolunteerRole, VolunteerStatus
    from linkwell.volunteers.rules import match_blockers

    volunteers = list(Volunteer.objects.prefetch_related("training"))
    assert len(volunteers) >= 10
    assert {v.role for v in volunteers} == set(VolunteerRole.values)
    assert set(VolunteerStatus.values) <= {v.status for v in volunteers}
    today = timezone.localdate()
    soon = [
        v
        for v in volunteers
        if v.dbs_renew_by and today <= v.dbs_renew_by <= today + dt.timedelta(days=30)
    ]
    expired = [v for v in volunteers if v.dbs_renew_by and v.dbs_renew_by < today]
    assert len(soon) == 1 and len(expired) == 1
    assert any("DBS" in reason for reason in match_blockers(expired[0], today=today))
    assert not match_blockers(soon[0], today=today)
    page = _page("linkworker", "/volunteers/")
    assert escape(expired[0].user.get_full_name()) in page


def test_demo_group_session_is_full_with_a_waiting_list_and_an_open_offer(demo):
    from django.utils import timezone

    from linkwell.groups.models import Booking, BookingStatus, GroupSession

    now = timezone.now()
    full = [
        s
        for s in GroupSession.objects.filter(starts_at__gt=now)
        if s.bookings.filter(status__in=(BookingStatus.BOOKED, BookingStatus.OFFERED)).count()
        == s.capacity
        and s.bookings.filter(status=BookingStatus.WAITING).exists()
    ]
    assert full
    offer = Booking.objects.get(session=full[0], status=BookingStatus.OFFERED)
    assert offer.offer_expires_at > now
    page = _page("linkworker", f"/groups/sessions/{full[0].uuid}/")
    assert "Waiting list" in page and "Nobody is waiting" not in page
    assert "Offer open until" in page


def test_demo_past_group_sessions_have_their_register_and_poll(demo):
    from django.utils import timezone

    from linkwell.groups.models import Attendance, Booking, BookingStatus, PollResponse

    past = Booking.objects.filter(
        session__starts_at__lt=timezone.now(), status=BookingStatus.BOOKED
    )
    assert past.count() >= 30
    assert not past.filter(attendance="").exists()
    assert past.filter(attendance=Attendance.ABSENT).exists()
    assert PollResponse.objects.filter(booking__in=past).count() >= 10
    assert set(
        Booking.objects.filter(session__starts_at__lt=timezone.now()).values_list(
            "session__capacity", flat=True
        )
    ) == {10, 12, 15}
    page = _page("linkworker", "/groups/")
    for name in ("Managing worries, 4 weeks", "Sleep well", "5 ways to wellbeing"):
        assert name in page


def test_demo_feedback_includes_anonymous_feedback_that_keeps_no_identity(demo):
    import datetime as dt

    from django.utils import timezone

    from linkwell.community.models import CommunityGroup, Feedback

    anonymous = Feedback.objects.filter(anonymous=True)
    named = Feedback.objects.filter(anonymous=False)
    assert anonymous.exists() and named.exists()
    for item in anonymous:
        assert (item.name, item.contact, item.submitted_by_id) == ("", "", None)
        # Only the date is kept: the row's own time is midnight.
        assert timezone.localtime(item.created_at).time() == dt.time.min
    groups = set(CommunityGroup.objects.values_list("directory_service_id", flat=True))
    about = {str(u) for u in Feedback.objects.values_list("about_service_uuid", flat=True) if u}
    assert about & groups and about - groups
    page = _page("linkworker", "/community/feedback/?identity=anonymous")
    assert "Anonymous" in page


def test_demo_practice_training_report_has_before_and_after_numbers(demo):
    from linkwell.community.selectors import (
        trained_practices_for_user,
        training_before_after_report,
    )

    worker = User.objects.get(username="linkworker")
    trained = trained_practices_for_user(user=worker)
    assert len(trained) == 2
    for row in trained:
        report = training_before_after_report(user=worker, practice=row.practice)
        assert report.before.total + report.after.total > 0
        page = _page("linkworker", f"/community/training/practices/{row.practice.uuid}/")
        assert escape(row.practice.name) in page and "Before" in page and "After" in page


def test_demo_community_groups_show_rising_and_falling_attendance(demo):
    from linkwell.community.groups import group_sustainability_for_user
    from linkwell.community.models import BoardAction, YouSaidWeDid

    worker = User.objects.get(username="linkworker")
    rows = group_sustainability_for_user(user=worker)
    assert len(rows) >= 5
    trends = {row.trend for row in rows}
    assert {"rising", "falling"} <= trends
    assert {row.sustainable for row in rows} == {True, False}
    assert BoardAction.objects.filter(done_on__isnull=False).exists()
    assert BoardAction.objects.filter(done_on__isnull=True).exists()
    service = Organisation.objects.get(name=DEMO_SERVICE_NAME)
    published = YouSaidWeDid.objects.filter(published=True)
    assert published.count() >= 3
    client = Client()
    page = client.get(f"/public/community/{service.uuid}/you-said-we-did/").content.decode()
    assert published.first().we_did.split(".")[0] in page
