"""Staff pages about volunteers: the list with compliance, a volunteer's record and its forms,
matching a person, reviewing and ending a match, and the hours report."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.html import escape

from linkwell.accounts.models import Role
from linkwell.accounts.tests.factories import UserFactory
from linkwell.volunteers import services
from linkwell.volunteers.models import (
    HoursLog,
    Match,
    MatchReview,
    MatchStatus,
    SupervisionSession,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
)

from .helpers import consenting_person, other_volunteer_user, ready_volunteer

pytestmark = pytest.mark.django_db


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}_day": str(day.day),
        f"{prefix}_month": str(day.month),
        f"{prefix}_year": str(day.year),
    }


@pytest.fixture
def volunteer(world):
    return ready_volunteer(world, languages=["urdu"], interests=["walking"])


@pytest.fixture
def person(world):
    return consenting_person(world, given_name="Amina", family_name="Khan", language="Urdu")


@pytest.fixture
def match(world, volunteer, person):
    return services.match_create(
        actor=world.link_worker,
        volunteer=volunteer,
        person=person,
        agreed_plan_items=["Walk to the library"],
    )


# --- the list --------------------------------------------------------------------------------


def test_list_shows_status_dbs_and_blockers(world, client_for, volunteer):
    applicant_user = other_volunteer_user(world)
    services.volunteer_create(actor=world.link_worker, user=applicant_user, role="befriender")
    page = client_for(world.supervisor).get("/volunteers/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Active" in html and "Applied" in html
    assert f"{volunteer.dbs_renew_by:%-d %b %Y}" in html
    assert "There is no DBS check on record." in html


def test_list_shows_training_that_runs_out_soon(world, client_for, volunteer):
    module = TrainingModule.objects.get(name="Safeguarding")
    completion = TrainingCompletion.objects.get(volunteer=volunteer, module=module)
    completion.expires_on = timezone.localdate() + dt.timedelta(days=10)
    completion.save()
    html = client_for(world.link_worker).get("/volunteers/").content.decode()
    assert "Renew soon" in html and "Safeguarding (renew by" in html


@pytest.mark.parametrize("persona", ["referrer", "volunteer", "commissioner", "provider"])
def test_list_refuses_roles_that_do_not_manage_volunteers(world, client_for, persona):
    assert client_for(getattr(world, persona)).get("/volunteers/").status_code in (403, 404)


def test_list_for_another_service_shows_none_of_this_services_volunteers(
    world, client_for, volunteer
):
    page = client_for(world.outsider).get("/volunteers/")
    html = page.content.decode()
    assert page.status_code == 200
    # The whole name: a family name alone may also be the signed-in user's own (both generated).
    assert escape(volunteer.user.get_full_name()) not in html and str(volunteer.uuid) not in html
    assert "No volunteers yet." in html


def test_adding_a_volunteer_from_the_list(world, client_for):
    applicant = other_volunteer_user(world)
    response = client_for(world.link_worker).post(
        "/volunteers/",
        {
            "action": "add",
            "add-user": str(applicant.uuid),
            "add-role": "peer_supporter",
            "add-languages": "Polish, English",
            "add-area": "ls6",
            "add-max_matches": "2",
        },
    )
    volunteer = Volunteer.objects.get(user=applicant)
    assert response.status_code == 302
    assert volunteer.languages == ["english", "polish"] and volunteer.area == "LS6"


def test_adding_a_volunteer_with_bad_input_shows_errors_and_saves_nothing(world, client_for):
    staff_user = UserFactory(username="notvol", team=world.service_team, role=Role.LINK_WORKER)
    response = client_for(world.link_worker).post(
        "/volunteers/",
        {"action": "add", "add-user": str(staff_user.uuid), "add-role": "astronaut"},
    )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not Volunteer.objects.exists()


def test_adding_a_training_module_and_refusing_an_empty_name(world, client_for):
    client = client_for(world.supervisor)
    bad = client.post("/volunteers/", {"action": "module", "module-name": ""})
    assert bad.status_code == 400 and not TrainingModule.objects.exists()
    good = client.post(
        "/volunteers/",
        {
            "action": "module",
            "module-name": "Listening skills",
            "module-required_for": ["befriender"],
            "module-valid_for_days": "730",
        },
    )
    assert good.status_code == 302
    assert TrainingModule.objects.get().required_for == ["befriender"]


# --- one volunteer ---------------------------------------------------------------------------


def test_volunteer_page_shows_recruitment_training_and_matches(world, client_for, match):
    page = client_for(world.link_worker).get(f"/volunteers/{match.volunteer.uuid}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Safeguarding" in html and "References: 2 received" in html
    assert "Amina Khan" in html


def test_volunteer_page_hides_the_name_of_a_person_the_user_may_not_see(world, client_for, match):
    other_team_lw = UserFactory(
        username="lw3",
        team=world.service_team.organisation.teams.create(name="East"),
        role=Role.LINK_WORKER,
    )
    html = client_for(other_team_lw).get(f"/volunteers/{match.volunteer.uuid}/").content.decode()
    assert "Amina" not in html and "A person in another team" in html


@pytest.mark.parametrize("persona", ["outsider", "referrer", "volunteer", "commissioner"])
def test_volunteer_page_refuses_other_services_and_roles(world, client_for, volunteer, persona):
    response = client_for(getattr(world, persona)).get(f"/volunteers/{volunteer.uuid}/")
    assert response.status_code in (403, 404)


def test_outsider_cannot_record_on_a_volunteer(world, client_for, volunteer):
    response = client_for(world.outsider).post(
        f"/volunteers/{volunteer.uuid}/references/", {"references-received": "0"}
    )
    assert response.status_code == 404
    volunteer.refresh_from_db()
    assert volunteer.references_received == 2


def test_recording_a_dbs_check(world, client_for, volunteer):
    today = timezone.localdate()
    # About three years on; today.replace(year=...) has no answer on 29 February.
    data = {
        **_date("dbs-checked_on", today),
        **_date("dbs-renew_by", today + dt.timedelta(days=3 * 365)),
    }
    response = client_for(world.link_worker).post(f"/volunteers/{volunteer.uuid}/dbs/", data)
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.dbs_checked_on == today


def test_a_dbs_renewal_before_the_check_is_refused_and_nothing_changes(
    world, client_for, volunteer
):
    today = timezone.localdate()
    before = volunteer.dbs_renew_by
    data = {**_date("dbs-checked_on", today), **_date("dbs-renew_by", today - dt.timedelta(days=1))}
    response = client_for(world.link_worker).post(f"/volunteers/{volunteer.uuid}/dbs/", data)
    assert response.status_code == 400
    assert "The renewal date must be after the check date." in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.dbs_renew_by == before


def test_a_date_that_is_not_real_is_refused(world, client_for, volunteer):
    data = {"dbs-checked_on_day": "31", "dbs-checked_on_month": "2", "dbs-checked_on_year": "2026"}
    response = client_for(world.link_worker).post(f"/volunteers/{volunteer.uuid}/dbs/", data)
    assert response.status_code == 400
    assert "must be a real date" in response.content.decode()


def test_recording_training_and_supervision(world, client_for, volunteer):
    client = client_for(world.supervisor)
    module = TrainingModule.objects.get(name="Safeguarding")
    today = timezone.localdate()
    trained = client.post(
        f"/volunteers/{volunteer.uuid}/training/",
        {"training-module": str(module.uuid), **_date("training-completed_on", today)},
    )
    assert trained.status_code == 302
    assert TrainingCompletion.objects.filter(volunteer=volunteer).count() == 2
    supervised = client.post(
        f"/volunteers/{volunteer.uuid}/supervision/",
        {**_date("supervision-held_on", today), "supervision-notes": "Going well"},
    )
    assert supervised.status_code == 302
    assert SupervisionSession.objects.get().supervisor == world.supervisor


def test_supervision_in_the_future_is_refused(world, client_for, volunteer):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client_for(world.supervisor).post(
        f"/volunteers/{volunteer.uuid}/supervision/", _date("supervision-held_on", tomorrow)
    )
    assert response.status_code == 400
    assert not SupervisionSession.objects.exists()


def test_status_form_offers_the_next_recruitment_step(world, client_for):
    applicant = services.volunteer_create(
        actor=world.link_worker, user=world.volunteer, role="befriender"
    )
    html = client_for(world.link_worker).get(f"/volunteers/{applicant.uuid}/").content.decode()
    assert '<option value="references" selected>' in html


def test_status_change_out_of_order_shows_the_reason(world, client_for):
    applicant = services.volunteer_create(
        actor=world.link_worker, user=world.volunteer, role="befriender"
    )
    response = client_for(world.link_worker).post(
        f"/volunteers/{applicant.uuid}/status/", {"status-status": "active"}
    )
    assert response.status_code == 400
    assert "cannot go from" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.status == "applied"


def test_an_unknown_form_is_not_found(world, client_for, volunteer):
    response = client_for(world.link_worker).post(f"/volunteers/{volunteer.uuid}/delete/", {})
    assert response.status_code == 404


# --- matching --------------------------------------------------------------------------------


def test_person_page_suggests_volunteers_with_reasons(world, client_for, volunteer, person):
    page = client_for(world.link_worker).get(f"/volunteers/people/{person.uuid}/?interests=walking")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Speaks Urdu" in html and "Shares interests: walking" in html


def test_confirming_a_match(world, client_for, volunteer, person):
    response = client_for(world.link_worker).post(
        f"/volunteers/people/{person.uuid}/",
        {"confirm-volunteer": str(volunteer.uuid), "confirm-agreed_plan_items": "Walks\nLibrary"},
    )
    match = Match.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"{match.uuid}/")
    assert match.agreed_plan_items == ["Walks", "Library"]


def test_match_without_consent_is_refused_and_nothing_saved(world, client_for, volunteer):
    from linkwell.people.tests.helpers import on_caseload

    no_consent = on_caseload(world.service_team, given_name="Bea")
    response = client_for(world.link_worker).post(
        f"/volunteers/people/{no_consent.uuid}/",
        {"confirm-volunteer": str(volunteer.uuid), "confirm-agreed_plan_items": "Walks"},
    )
    assert response.status_code == 400
    assert "has not consented to support" in response.content.decode()
    assert not Match.objects.exists()


def test_match_without_plan_items_is_refused(world, client_for, volunteer, person):
    response = client_for(world.link_worker).post(
        f"/volunteers/people/{person.uuid}/",
        {"confirm-volunteer": str(volunteer.uuid), "confirm-agreed_plan_items": "   "},
    )
    assert response.status_code == 400
    assert not Match.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "referrer", "volunteer", "admin", "provider"])
def test_person_matching_page_refuses_others(world, client_for, person, persona):
    client = client_for(getattr(world, persona))
    assert client.get(f"/volunteers/people/{person.uuid}/").status_code in (403, 404)


def test_match_page_review_and_end(world, client_for, match):
    client = client_for(world.link_worker)
    page = client.get(f"/volunteers/matches/{match.uuid}/")
    assert page.status_code == 200 and "Walk to the library" in page.content.decode()
    reviewed = client.post(
        f"/volunteers/matches/{match.uuid}/review/",
        {"review-going_well": "yes", "review-notes": "Enjoying walks"},
    )
    assert reviewed.status_code == 302 and MatchReview.objects.get().going_well
    refused = client.post(f"/volunteers/matches/{match.uuid}/end/", {"end-reason": "other"})
    assert refused.status_code == 400
    assert "Say why the match is ending." in refused.content.decode()
    match.refresh_from_db()
    assert match.status == MatchStatus.ACTIVE
    ended = client.post(f"/volunteers/matches/{match.uuid}/end/", {"end-reason": "goals_met"})
    assert ended.status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.ENDED and match.end_reason == "goals_met"


@pytest.mark.parametrize("persona", ["outsider", "referrer", "volunteer", "commissioner"])
def test_match_page_refuses_others(world, client_for, match, persona):
    client = client_for(getattr(world, persona))
    assert client.get(f"/volunteers/matches/{match.uuid}/").status_code in (403, 404)
    ended = client.post(f"/volunteers/matches/{match.uuid}/end/", {"end-reason": "goals_met"})
    assert ended.status_code in (403, 404)
    match.refresh_from_db()
    assert match.status == MatchStatus.ACTIVE


def test_another_volunteer_cannot_open_the_staff_match_page(world, client_for, match):
    other = other_volunteer_user(world)
    assert client_for(other).get(f"/volunteers/matches/{match.uuid}/").status_code == 403


# --- hours -----------------------------------------------------------------------------------


def test_hours_report_per_volunteer_and_per_match(world, client_for, match):
    today = timezone.localdate()
    services.hours_log(
        actor=world.volunteer, worked_on=today, hours=Decimal("1.5"), match_uuid=str(match.uuid)
    )
    services.hours_log(actor=world.volunteer, worked_on=today, hours=Decimal("2"))
    page = client_for(world.supervisor).get("/volunteers/hours/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "3.50" in html and "1.50" in html
    assert "Amina" not in html
    # The period boxes are date inputs, which show only an ISO date.
    assert f'name="end" type="date" value="{today.isoformat()}"' in html


def test_hours_report_refuses_a_backwards_period(world, client_for):
    today = timezone.localdate()
    response = client_for(world.supervisor).get(
        f"/volunteers/hours/?start={today}&end={today - dt.timedelta(days=3)}"
    )
    assert response.status_code == 400
    assert "The end date must be on or after the start date." in response.content.decode()


@pytest.mark.parametrize("persona", ["referrer", "volunteer", "commissioner", "provider"])
def test_hours_report_refuses_others(world, client_for, persona):
    assert client_for(getattr(world, persona)).get("/volunteers/hours/").status_code in (403, 404)


def test_hours_report_counts_only_the_users_service(world, client_for, match):
    services.hours_log(actor=world.volunteer, worked_on=timezone.localdate(), hours=Decimal("1"))
    assert HoursLog.objects.count() == 1
    outsider_admin = UserFactory(
        username="oadmin", organisation=world.other_team.organisation, role=Role.ADMIN
    )
    for user in (outsider_admin, world.outsider):
        html = client_for(user).get("/volunteers/hours/").content.decode()
        assert "No hours logged in this period." in html


def test_the_volunteer_list_reads_the_training_modules_once_however_many_volunteers(
    world, client_for
):
    # Each volunteer's compliance read the service's training modules again, twice: two more
    # queries for every volunteer on the list.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linkwell.accounts.models import Role
    from linkwell.accounts.tests.factories import UserFactory

    from .helpers import ready_volunteer

    def volunteer_user(n):
        return UserFactory(
            username=f"vol-{n}", organisation=world.volunteer.organisation, role=Role.VOLUNTEER
        )

    client = client_for(world.supervisor)
    ready_volunteer(world)
    ready_volunteer(world, user=volunteer_user(1))
    with CaptureQueriesContext(connection) as two:
        assert client.get("/volunteers/").status_code == 200
    for n in range(2, 7):
        ready_volunteer(world, user=volunteer_user(n))
    with CaptureQueriesContext(connection) as seven:
        response = client.get("/volunteers/")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 7
    assert len(seven.captured_queries) == len(two.captured_queries)
