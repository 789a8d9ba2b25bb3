"""Staff pages for community: groups and sustainability, practice training and its report,
feedback, the service-user board and curating "you said, we did"."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from linkwell.audit.models import AuditEvent
from linkwell.community import groups, services
from linkwell.community.models import (
    BoardAction,
    BoardMeeting,
    CommunityGroup,
    Feedback,
    GroupAttendance,
    GroupFacilitator,
    PracticeTrainingSession,
    TrainingProgramme,
    YouSaidWeDid,
)
from linkwell.referrals.models import Referral
from linkwell.referrals.tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db

REFUSED = ("referrer", "provider", "volunteer", "commissioner")
TRAINED = dt.date(2026, 6, 1)


def _date(prefix, day):
    return {
        f"{prefix}_day": str(day.day),
        f"{prefix}_month": str(day.month),
        f"{prefix}_year": str(day.year),
    }


@pytest.fixture
def group(world):
    return groups.group_save(
        actor=world.link_worker,
        name="Tuesday Walkers",
        kind="activity",
        meeting_place="Headingley Library",
        meeting_times="Tuesdays 10am",
    )


@pytest.fixture
def practice(world):
    practice = world.referrer.organisation
    programme = services.training_programme_create(
        actor=world.link_worker, title="Poverty-related distress: one hour for the whole team"
    )
    services.training_session_record(
        actor=world.link_worker,
        programme=programme,
        practice=practice,
        delivered_on=TRAINED,
        trainers=["Dr A Patel", "Community partner"],
        attendance=14,
        feedback_score=Decimal("4.5"),
    )
    return practice


def _referral(world, practice, day, source="gp_practice", needs=()):
    referral = ReferralFactory(
        team=world.service_team,
        referring_organisation=practice,
        source=source,
        suggested_needs=list(needs),
    )
    when = dt.datetime.combine(day, dt.time(11), tzinfo=timezone.get_current_timezone())
    Referral.objects.filter(pk=referral.pk).update(created_at=when)


# --- the hub and who may use these pages -----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/community/",
        "/community/groups/",
        "/community/training/",
        "/community/feedback/",
        "/community/board/",
        "/community/you-said-we-did/",
    ],
)
@pytest.mark.parametrize("persona", REFUSED)
def test_pages_refuse_roles_that_are_not_service_staff(world, client_for, url, persona):
    assert client_for(getattr(world, persona)).get(url).status_code == 403


def test_pages_refuse_someone_signed_out(world):
    response = Client().get("/community/groups/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_hub_links_to_each_page_and_the_public_links(world, client_for):
    html = client_for(world.supervisor).get("/community/").content.decode()
    org = world.service_team.organisation
    for url in ("/community/groups/", "/community/training/", "/community/feedback/"):
        assert url in html
    assert f"/public/community/{org.uuid}/feedback/" in html


# --- community groups ------------------------------------------------------------------------


def test_adding_a_group_lists_it_in_the_directory(world, client_for):
    response = client_for(world.link_worker).post(
        "/community/groups/",
        {
            "group-name": "Chai and Chat",
            "group-kind": "peer_support",
            "group-meeting_place": "Community centre",
            "group-meeting_times": "Fridays 2pm",
            "group-funding": "short_term",
        },
    )
    group = CommunityGroup.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{group.uuid}/")
    listing = Client().get(f"/directory/services/{group.directory_service_id}/")
    assert listing.status_code == 200 and "Chai and Chat" in listing.content.decode()


def test_a_group_without_a_meeting_place_is_refused_and_nothing_saved(world, client_for):
    response = client_for(world.link_worker).post(
        "/community/groups/",
        {"group-name": "No place", "group-kind": "activity", "group-funding": "none"},
    )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not CommunityGroup.objects.exists()


def test_group_list_shows_sustainability(world, client_for, group):
    for name in ("Jo", "Ravi"):
        groups.facilitator_add(actor=world.link_worker, group=group, name=name, trained=True)
    start = timezone.localdate() - dt.timedelta(weeks=6)
    for week, count in enumerate([12, 12, 11, 6, 5, 4]):
        groups.attendance_record(
            actor=world.link_worker,
            group=group,
            met_on=start + dt.timedelta(weeks=week),
            attended=count,
        )
    html = client_for(world.supervisor).get("/community/groups/").content.decode()
    assert "Tuesday Walkers" in html and "2 of 2" in html
    assert "5.0 recently, 11.7 before: falling" in html
    assert "Needs support" in html and "No funding." in html and "Attendance is falling." in html


def test_outsider_sees_none_of_this_services_groups_and_cannot_open_one(world, client_for, group):
    client = client_for(world.outsider)
    html = client.get("/community/groups/").content.decode()
    assert "Tuesday Walkers" not in html and "No groups yet." in html
    assert client.get(f"/community/groups/{group.uuid}/").status_code == 404
    edited = client.post(
        f"/community/groups/{group.uuid}/edit/",
        {
            "edit-name": "Taken over",
            "edit-kind": "activity",
            "edit-meeting_place": "x",
            "edit-meeting_times": "y",
            "edit-funding": "none",
        },
    )
    assert edited.status_code == 404
    group.refresh_from_db()
    assert group.name == "Tuesday Walkers"


def test_editing_a_group_updates_its_directory_listing(world, client_for, group):
    response = client_for(world.teammate).post(
        f"/community/groups/{group.uuid}/edit/",
        {
            "edit-name": "Tuesday Walkers and Talkers",
            "edit-kind": "activity",
            "edit-meeting_place": "Headingley Library",
            "edit-meeting_times": "Tuesdays 10am",
            "edit-funding": "secured",
        },
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.funding == "secured"
    listing = Client().get(f"/directory/services/{group.directory_service_id}/").content.decode()
    assert "Tuesday Walkers and Talkers" in listing


def test_recording_attendance_and_refusing_a_second_count_for_the_same_day(
    world, client_for, group
):
    client = client_for(world.link_worker)
    day = timezone.localdate() - dt.timedelta(days=2)
    data = {**_date("attendance-met_on", day), "attendance-attended": "9"}
    assert client.post(f"/community/groups/{group.uuid}/attendance/", data).status_code == 302
    again = client.post(
        f"/community/groups/{group.uuid}/attendance/", {**data, "attendance-attended": "3"}
    )
    assert again.status_code == 400
    assert "already recorded" in again.content.decode()
    assert list(GroupAttendance.objects.values_list("attended", flat=True)) == [9]
    future = client.post(
        f"/community/groups/{group.uuid}/attendance/",
        {**_date("attendance-met_on", day + dt.timedelta(days=5)), "attendance-attended": "4"},
    )
    assert future.status_code == 400 and GroupAttendance.objects.count() == 1


def test_adding_a_facilitator_and_marking_them_trained(world, client_for, group):
    client = client_for(world.link_worker)
    added = client.post(
        f"/community/groups/{group.uuid}/facilitator/",
        {"facilitator-name": "Kim", "facilitator-trained": "no"},
    )
    assert added.status_code == 302
    facilitator = GroupFacilitator.objects.get()
    assert not facilitator.trained
    marked = client.post(f"/community/facilitators/{facilitator.uuid}/trained/", {"trained": "yes"})
    assert marked.status_code == 302
    facilitator.refresh_from_db()
    assert facilitator.trained
    refused = client_for(world.outsider).post(
        f"/community/facilitators/{facilitator.uuid}/trained/", {"trained": "no"}
    )
    assert refused.status_code == 404
    facilitator.refresh_from_db()
    assert facilitator.trained


def test_unknown_group_form_is_not_found(world, client_for, group):
    response = client_for(world.link_worker).post(f"/community/groups/{group.uuid}/delete/", {})
    assert response.status_code == 404
    assert CommunityGroup.objects.filter(pk=group.pk).exists()


# --- practice training and its report --------------------------------------------------------


def test_adding_a_programme_and_recording_a_session(world, client_for):
    client = client_for(world.supervisor)
    added = client.post(
        "/community/training/",
        {"action": "programme", "programme-title": "One hour for the whole team"},
    )
    assert added.status_code == 302
    programme = TrainingProgramme.objects.get()
    practice = world.referrer.organisation
    recorded = client.post(
        "/community/training/",
        {
            "action": "session",
            "session-programme": str(programme.uuid),
            "session-practice": str(practice.uuid),
            **_date("session-delivered_on", TRAINED),
            "session-trainers": "Dr A Patel\nCommunity partner with lived experience",
            "session-attendance": "14",
            "session-feedback_score": "4.6",
            "session-feedback_notes": "Useful",
        },
    )
    assert recorded.status_code == 302
    session = PracticeTrainingSession.objects.get()
    assert session.trainers == ["Dr A Patel", "Community partner with lived experience"]
    assert session.feedback_score == Decimal("4.6") and session.attendance == 14
    html = client.get("/community/training/").content.decode()
    assert "Meadow Lane Surgery" in html and "first trained 1 June 2026" in html


def test_a_session_without_trainers_or_with_a_bad_score_is_refused(world, client_for):
    programme = services.training_programme_create(actor=world.link_worker, title="One hour")
    response = client_for(world.link_worker).post(
        "/community/training/",
        {
            "action": "session",
            "session-programme": str(programme.uuid),
            "session-practice": str(world.referrer.organisation.uuid),
            **_date("session-delivered_on", TRAINED),
            "session-trainers": "  ",
            "session-attendance": "10",
            "session-feedback_score": "7",
        },
    )
    assert response.status_code == 400
    assert not PracticeTrainingSession.objects.exists()


def test_another_services_programme_cannot_be_used(world, client_for):
    from linkwell.accounts.models import Role
    from linkwell.accounts.tests.factories import UserFactory

    elsewhere = UserFactory(username="else", team=world.other_team, role=Role.LINK_WORKER)
    theirs = services.training_programme_create(actor=elsewhere, title="Theirs")
    response = client_for(world.link_worker).post(
        "/community/training/",
        {
            "action": "session",
            "session-programme": str(theirs.uuid),
            "session-practice": str(world.referrer.organisation.uuid),
            **_date("session-delivered_on", TRAINED),
            "session-trainers": "Someone",
            "session-attendance": "3",
        },
    )
    assert response.status_code == 400
    assert not PracticeTrainingSession.objects.exists()


def test_practice_report_compares_before_and_after(world, client_for, practice):
    _referral(world, practice, TRAINED - dt.timedelta(days=10), needs=["debt"])
    _referral(world, practice, TRAINED + dt.timedelta(days=3), needs=["debt", "housing"])
    _referral(world, practice, TRAINED + dt.timedelta(days=30), source="self", needs=["debt"])
    page = client_for(world.link_worker).get(f"/community/training/practices/{practice.uuid}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "First trained on 1 June 2026" in html
    assert ">1</td>" in html and ">2</td>" in html
    assert "Debt" in html or "debt" in html


def test_practice_report_csv(world, client_for, practice):
    _referral(world, practice, TRAINED - dt.timedelta(days=10), needs=["debt"])
    _referral(world, practice, TRAINED + dt.timedelta(days=3), needs=["debt"])
    _referral(world, practice, TRAINED + dt.timedelta(days=40), needs=["debt"])
    response = client_for(world.link_worker).get(
        f"/community/training/practices/{practice.uuid}/report.csv?days=30"
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["practice", "Meadow Lane Surgery"]
    assert ["referrals", "total", "1", "1"] in rows  # the day-40 referral is outside 30 days
    assert any(r[0] == "need" and r[2:] == ["1", "1"] for r in rows)


def test_practice_report_refuses_a_period_out_of_range(world, client_for, practice):
    client = client_for(world.link_worker)
    page = client.get(f"/community/training/practices/{practice.uuid}/?days=3")
    assert page.status_code == 400 and "greater than or equal to 7" in page.content.decode()
    csv_response = client.get(f"/community/training/practices/{practice.uuid}/report.csv?days=x")
    assert csv_response.status_code == 400


def test_practice_report_refuses_outsiders_and_unknown_or_untrained_practices(
    world, client_for, practice
):
    url = f"/community/training/practices/{practice.uuid}/"
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.outsider).get(url + "report.csv").status_code == 404
    for persona in ("referrer", "provider", "volunteer"):
        assert client_for(getattr(world, persona)).get(url).status_code == 403
    untrained = world.other_referrer.organisation
    client = client_for(world.link_worker)
    assert client.get(f"/community/training/practices/{untrained.uuid}/").status_code == 404
    unknown = "/community/training/practices/6f1c2f9e-2d5b-4a55-9d38-0d7f6f5f9a11/"
    assert client.get(unknown).status_code == 404


def test_commissioner_may_read_the_aggregate_report(world, client_for, practice):
    url = f"/community/training/practices/{practice.uuid}/"
    assert client_for(world.commissioner).get(url).status_code == 200


# --- feedback --------------------------------------------------------------------------------


def _feedback(world, **fields):
    return services.feedback_submit(
        organisation=world.service_team.organisation,
        kind=fields.pop("kind", "feedback"),
        text=fields.pop("text", "Helpful"),
        **fields,
    )


def test_feedback_list_shows_named_senders_and_never_an_identity_for_anonymous(world, client_for):
    named = _feedback(world, text="Named words", anonymous=False, name="Sam Jones", contact="07700")
    _feedback(world, text="Anonymous words", anonymous=True)
    html = client_for(world.link_worker).get("/community/feedback/").content.decode()
    assert "Named words" in html and "Sam Jones" in html and "07700" in html
    assert "Anonymous words" in html and "From: Anonymous" in html
    reads = AuditEvent.objects.filter(action="read", object_type="Feedback")
    assert [e.object_id for e in reads] == [str(named.uuid)]


def test_a_page_of_named_feedback_writes_its_audit_rows_in_one_transaction(world, client_for):
    # Each named row's audit row was a transaction of its own: with fifty on a page, fifty
    # commits (and on SQLite fifty turns at the write lock) for one page view.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linkwell.audit.verification import audit_chain_verify

    client = client_for(world.link_worker)

    def transactions() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/community/feedback/").status_code == 200
        return sum(q["sql"].startswith(("BEGIN", "SAVEPOINT")) for q in queries.captured_queries)

    sent = [_feedback(world, text="Words 0", anonymous=False, name="Sender 0")]
    one = transactions()
    sent += [
        _feedback(world, text=f"Words {n}", anonymous=False, name=f"Sender {n}")
        for n in range(1, 6)
    ]
    assert transactions() == one
    reads = AuditEvent.objects.filter(action="read", object_type="Feedback")
    assert reads.count() == 1 + 6
    assert {e.object_id for e in reads} == {str(f.uuid) for f in sent}
    assert audit_chain_verify().intact


def test_feedback_filters_by_group_kind_and_identity(world, client_for, group):
    _feedback(world, text="About the walkers", about_service_uuid=group.directory_service_id)
    _feedback(world, text="An idea for us", kind="idea", anonymous=False, name="Ali")
    _feedback(world, text="General thanks")
    client = client_for(world.link_worker)
    about = client.get(f"/community/feedback/?about={group.directory_service_id}")
    html = about.content.decode()
    assert "About the walkers" in html and "General thanks" not in html
    assert "about Tuesday Walkers (group)" in html
    ideas = client.get("/community/feedback/?kind=idea").content.decode()
    assert "An idea for us" in ideas and "General thanks" not in ideas
    anonymous = client.get("/community/feedback/?identity=anonymous").content.decode()
    assert "An idea for us" not in anonymous and "General thanks" in anonymous


def test_feedback_filter_with_an_unknown_choice_is_refused(world, client_for):
    _feedback(world, text="General thanks")
    response = client_for(world.link_worker).get("/community/feedback/?identity=everyone")
    assert response.status_code == 400
    assert "General thanks" not in response.content.decode()


def test_outsider_sees_none_of_this_services_feedback(world, client_for):
    _feedback(world, text="Private words", anonymous=False, name="Sam Jones")
    html = client_for(world.outsider).get("/community/feedback/").content.decode()
    assert "Private words" not in html and "Sam Jones" not in html
    assert "No feedback matches." in html


def test_group_page_shows_its_feedback_summary_without_names(world, client_for, group):
    _feedback(
        world,
        text="Lovely walks",
        rating=5,
        anonymous=False,
        name="Sam Jones",
        about_service_uuid=group.directory_service_id,
    )
    _feedback(world, text="Too early", rating=3, about_service_uuid=group.directory_service_id)
    _feedback(world, text="Not about the group", rating=1)
    html = client_for(world.link_worker).get(f"/community/groups/{group.uuid}/").content.decode()
    assert "2 pieces of feedback" in html and "Average rating 4.0 out of 5" in html
    assert "Lovely walks" in html and "Not about the group" not in html
    assert "Sam Jones" not in html


def test_directory_service_page_shows_feedback_to_staff_only(world, client_for, group):
    _feedback(world, text="Lovely walks", rating=4, about_service_uuid=group.directory_service_id)
    url = f"/directory/services/{group.directory_service_id}/"
    staff = client_for(world.link_worker).get(url).content.decode()
    assert "Feedback from people we support" in staff and "Lovely walks" in staff
    assert "Average rating 4.0" in staff
    for client in (Client(), client_for(world.provider), client_for(world.volunteer)):
        html = client.get(url).content.decode()
        assert "Lovely walks" not in html and "Feedback from people we support" not in html
    # Staff of another service see their own service's feedback about it: none here.
    outsider = client_for(world.outsider).get(url).content.decode()
    assert "Lovely walks" not in outsider and "No feedback about this yet." in outsider


# --- you said, we did ------------------------------------------------------------------------


def test_curating_you_said_we_did(world, client_for):
    client = client_for(world.link_worker)
    org = world.service_team.organisation
    created = client.post(
        "/community/you-said-we-did/",
        {"entry-you_said": "Evening sessions", "entry-we_did": "A Thursday evening group"},
    )
    assert created.status_code == 302
    entry = YouSaidWeDid.objects.get()
    assert not entry.published
    public = f"/public/community/{org.uuid}/you-said-we-did/"
    assert "A Thursday evening group" not in Client().get(public).content.decode()
    client.post(f"/community/you-said-we-did/{entry.uuid}/publish/", {"publish": "yes"})
    assert "A Thursday evening group" in Client().get(public).content.decode()
    client.post(f"/community/you-said-we-did/{entry.uuid}/publish/", {"publish": "no"})
    assert "A Thursday evening group" not in Client().get(public).content.decode()


def test_empty_you_said_entry_is_refused(world, client_for):
    response = client_for(world.link_worker).post(
        "/community/you-said-we-did/", {"entry-you_said": "Something", "entry-we_did": ""}
    )
    assert response.status_code == 400 and not YouSaidWeDid.objects.exists()


def test_outsider_cannot_publish_an_entry(world, client_for):
    entry = services.you_said_we_did_create(actor=world.link_worker, you_said="a", we_did="b")
    response = client_for(world.outsider).post(
        f"/community/you-said-we-did/{entry.uuid}/publish/", {"publish": "yes"}
    )
    assert response.status_code == 404
    entry.refresh_from_db()
    assert not entry.published


# --- the service-user board ------------------------------------------------------------------


def test_recording_a_board_meeting_with_actions_and_marking_one_done(world, client_for):
    client = client_for(world.supervisor)
    response = client.post(
        "/community/board/",
        {
            **_date("meeting-held_on", timezone.localdate()),
            "meeting-summary": "Waiting times",
            "meeting-actions": "Publish waiting times | Priya\n\nTry a Saturday group | Tom",
        },
    )
    assert response.status_code == 302
    meeting = BoardMeeting.objects.get()
    assert sorted(meeting.actions.values_list("owner", flat=True)) == ["Priya", "Tom"]
    action = BoardAction.objects.get(owner="Priya")
    assert client.post(f"/community/board/actions/{action.uuid}/done/").status_code == 302
    action.refresh_from_db()
    assert action.done_on == timezone.localdate()
    html = client.get("/community/board/").content.decode()
    assert "Done " in html and "Try a Saturday group" in html
    again = client.post(f"/community/board/actions/{action.uuid}/done/", follow=True)
    assert "already marked done" in again.content.decode()


def test_a_board_action_without_an_owner_is_refused_and_nothing_saved(world, client_for):
    response = client_for(world.supervisor).post(
        "/community/board/",
        {**_date("meeting-held_on", timezone.localdate()), "meeting-actions": "Do something"},
    )
    assert response.status_code == 400
    assert "Action 1 needs what will be done and who will do it" in response.content.decode()
    assert not BoardMeeting.objects.exists()


def test_outsider_cannot_see_or_close_board_actions(world, client_for):
    meeting = groups.board_meeting_record(
        actor=world.link_worker,
        held_on=timezone.localdate(),
        summary="Private",
        actions=[("Publish waiting times", "Priya")],
    )
    action = meeting.actions.get()
    client = client_for(world.outsider)
    assert "Publish waiting times" not in client.get("/community/board/").content.decode()
    assert client.post(f"/community/board/actions/{action.uuid}/done/").status_code == 404
    action.refresh_from_db()
    assert action.done_on is None


def test_volunteer_cannot_mark_a_board_action_done(world, client_for):
    meeting = groups.board_meeting_record(
        actor=world.link_worker, held_on=timezone.localdate(), summary="", actions=[("A", "B")]
    )
    action = meeting.actions.get()
    response = client_for(world.volunteer).post(f"/community/board/actions/{action.uuid}/done/")
    assert response.status_code == 403
    assert Feedback.objects.count() == 0
    action.refresh_from_db()
    assert action.done_on is None
