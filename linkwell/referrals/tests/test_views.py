"""Pages of the referral front door: the referrer's page, the closed loop, the public form, the
inbox and the staff actions on a referral."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.urls import reverse
from django.utils.html import escape

from linkwell.cases.models import Episode
from linkwell.common.statuses import TaskStatus
from linkwell.notifications.models import Alert, AlertKind
from linkwell.people.models import Person
from linkwell.referrals import services
from linkwell.referrals.forms import self_referral_token
from linkwell.referrals.models import Referral, ReferralSource
from linkwell.referrals.views import SELF_REFERRAL_SESSION_KEY

pytestmark = pytest.mark.django_db


def referral_form_data(**overrides):
    data = {
        "given_name": "Ada",
        "family_name": "Okafor",
        "date_of_birth_day": "15",
        "date_of_birth_month": "3",
        "date_of_birth_year": "1984",
        "nhs_number": "",
        "postcode": "ls6 1ab",
        "phone": "07700 900123",
        "reason": "Lost her job in March, struggling with debts and not sleeping.",
        "suggested_needs": ["money", "employment"],
        "urgency": "routine",
        "risk_of_harm": "no",
        "risk_details": "",
        "consent_confirmed": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_referral(world, *, actor=None, **overrides):
    kwargs = {
        "actor": actor or world.referrer,
        "source": ReferralSource.GP_PRACTICE,
        "reason": "Lonely since her husband died; would like company.",
        "person_details": {
            "given_name": "Mary",
            "family_name": "Lund",
            "date_of_birth": dt.date(1948, 5, 2),
            "postcode": "LS6 2AB",
            "phone": "07700 900456",
        },
        "team": world.service_team,
        "suggested_needs": ["loneliness", "bereavement"],
        "consent_confirmed": True,
    }
    kwargs.update(overrides)
    return services.referral_create(**kwargs)


# --- the referrer's page --------------------------------------------------------------------


def test_referrer_sees_one_page_form_with_the_nhs_date_input(world, client_for):
    response = client_for(world.referrer).get(reverse("referrals:new_person"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="nhsuk-date-input"' in html
    assert 'name="date_of_birth_day"' in html
    assert "The person agrees to be referred" in html
    assert 'value="money"' in html  # needs from the taxonomy as checkboxes
    # A referrer's source comes from their organisation: no source question for them.
    assert 'name="source"' not in html


@pytest.mark.parametrize("persona", ["provider", "volunteer", "commissioner", "admin"])
def test_other_roles_are_refused_the_referrer_page(world, client_for, persona):
    client = client_for(getattr(world, persona))
    assert client.get(reverse("referrals:new")).status_code == 403
    assert client.post(reverse("referrals:new"), {"nhs_number": "485 777 3456"}).status_code == 403
    assert client.get(reverse("referrals:new_person")).status_code == 403
    assert client.post(reverse("referrals:new_person"), referral_form_data()).status_code == 403
    assert not Referral.objects.exists()


def test_signed_out_visitor_is_sent_to_sign_in(client):
    for name in ("referrals:new", "referrals:new_person"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_referrer_sends_a_referral_and_sees_its_reference_and_what_happens_next(world, client_for):
    client = client_for(world.referrer)
    response = client.post(reverse("referrals:new_person"), referral_form_data())
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:sent", args=[referral.uuid])
    assert referral.source == ReferralSource.GP_PRACTICE
    assert referral.referring_organisation == world.referrer.organisation
    assert referral.suggested_needs == ["money", "employment"]
    assert referral.person.postcode == "LS6 1AB"
    assert str(referral.person.date_of_birth) == "1984-03-15"

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="nhsuk-panel"' in html
    assert referral.reference in html
    assert "What happens next" in html


def test_bad_input_shows_an_error_summary_linked_to_fields_and_saves_nothing(world, client_for):
    data = referral_form_data(
        given_name="",
        date_of_birth_day="31",
        date_of_birth_month="2",
        nhs_number="123 456 7890",
        postcode="not a postcode",
        consent_confirmed=None,
    )
    response = client_for(world.referrer).post(reverse("referrals:new_person"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_given_name"' in html
    assert 'href="#id_date_of_birth_day"' in html
    assert 'href="#id_nhs_number"' in html
    assert 'href="#id_postcode"' in html
    assert 'href="#id_consent_confirmed"' in html
    assert "Date of birth must be a real date" in html
    assert "nhsuk-form-group--error" in html
    # What was typed is kept.
    assert 'value="Okafor"' in html
    assert not Referral.objects.exists()
    assert not Person.objects.exists()


def test_a_future_date_of_birth_is_refused(world, client_for):
    data = referral_form_data(date_of_birth_year=str(time.gmtime().tm_year + 1))
    response = client_for(world.referrer).post(reverse("referrals:new_person"), data)
    assert response.status_code == 400
    assert "Date of birth must be in the past" in response.content.decode()
    assert not Referral.objects.exists()


def test_saying_the_person_is_at_risk_needs_details(world, client_for):
    data = referral_form_data(risk_of_harm="yes", risk_details="")
    response = client_for(world.referrer).post(reverse("referrals:new_person"), data)
    assert response.status_code == 400
    assert 'href="#id_risk_details"' in response.content.decode()
    assert not Referral.objects.exists()


def test_risk_and_safeguarding_are_sent_with_their_details(world, client_for):
    data = referral_form_data(
        risk_of_harm="yes",
        risk_details="Said she sometimes thinks everyone would be better off without her.",
        safeguarding_concern="on",
        safeguarding_details="Partner takes her bank card.",
    )
    response = client_for(world.referrer).post(reverse("referrals:new_person"), data)
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.risk_of_harm and referral.safeguarding_concern
    assert "better off without her" in referral.risk_details
    assert "Safeguarding: Partner takes her bank card." in referral.risk_details


def test_link_worker_takes_a_referral_for_their_own_team_and_names_the_source(world, client_for):
    client = client_for(world.link_worker)
    page = client.get(reverse("referrals:new_person"))
    assert 'name="source"' in page.content.decode()
    missing_source = client.post(reverse("referrals:new_person"), referral_form_data())
    assert missing_source.status_code == 400
    assert not Referral.objects.exists()
    data = referral_form_data(source="job_centre", referrer_name="Sam at the job centre")
    response = client.post(reverse("referrals:new_person"), data)
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.team == world.service_team
    assert referral.source == ReferralSource.JOB_CENTRE
    assert referral.referrer_name == "Sam at the job centre"


# --- the closed loop ------------------------------------------------------------------------


def test_referrer_sees_their_organisations_referrals_with_status_tags(world, client_for):
    mine = make_referral(world)
    theirs = make_referral(world, actor=world.other_referrer)
    response = client_for(world.referrer).get(reverse("referrals:my_referrals"))
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.reference in html
    assert theirs.reference not in html
    assert "nhsuk-tag--blue" in html  # requested


def test_my_referrals_filters_by_status_and_refuses_unknown_status(world, client_for):
    requested = make_referral(world)
    declined = make_referral(world)
    services.referral_transition(
        referral=declined, to_status="rejected", actor=world.link_worker, reason="Not eligible"
    )
    client = client_for(world.referrer)
    html = client.get(reverse("referrals:my_referrals"), {"status": "rejected"}).content.decode()
    assert declined.reference in html
    assert requested.reference not in html
    bad = client.get(reverse("referrals:my_referrals"), {"status": "nonsense"})
    assert bad.status_code == 400
    assert "Choose a status from the list." in bad.content.decode()


@pytest.mark.parametrize("persona", ["link_worker", "outsider", "provider", "commissioner"])
def test_my_referrals_is_for_referrers_only(world, client_for, persona):
    assert (
        client_for(getattr(world, persona)).get(reverse("referrals:my_referrals")).status_code
        == 403
    )


def test_referrer_sees_status_history_and_message_back_but_not_the_episode(world, client_for):
    referral = make_referral(world)
    services.referral_transition(referral=referral, to_status="accepted", actor=world.link_worker)
    episode = Episode.objects.get(referral=referral)
    Referral.objects.filter(pk=referral.pk).update(message_back="Mary joined the walking group.")
    response = client_for(world.referrer).get(reverse("referrals:detail", args=[referral.uuid]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "What has happened" in html
    assert "Accepted" in html and "Requested" in html
    assert "Mary joined the walking group." in html
    assert str(episode.uuid) not in html
    assert "Accept and open an episode" not in html
    assert "07700 900456" not in html  # contact details are for the team


@pytest.mark.parametrize("persona", ["other_referrer", "outsider"])
def test_a_referral_of_someone_else_is_not_found(world, client_for, persona):
    referral = make_referral(world)
    response = client_for(getattr(world, persona)).get(
        reverse("referrals:detail", args=[referral.uuid])
    )
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["provider", "volunteer", "commissioner"])
def test_roles_without_referrals_are_refused_a_referral_page(world, client_for, persona):
    referral = make_referral(world)
    response = client_for(getattr(world, persona)).get(
        reverse("referrals:detail", args=[referral.uuid])
    )
    assert response.status_code == 403


def test_referrer_can_withdraw_their_own_new_referral(world, client_for):
    referral = make_referral(world)
    client = client_for(world.referrer)
    page = client.get(reverse("referrals:detail", args=[referral.uuid])).content.decode()
    assert "Cancel this referral" in page
    assert "Decline this referral" not in page
    url = reverse("referrals:action", args=[referral.uuid, "cancel"])
    response = client.post(url, {"cancel-reason": "Sent by mistake"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == TaskStatus.CANCELLED
    assert referral.status_reason == "Sent by mistake"


def test_referrer_cannot_accept_or_decline(world, client_for):
    referral = make_referral(world)
    client = client_for(world.referrer)
    for action in ("accept", "decline", "hold"):
        url = reverse("referrals:action", args=[referral.uuid, action])
        assert client.post(url, {"decline-reason_choice": "other"}).status_code == 403
    referral.refresh_from_db()
    assert referral.status == TaskStatus.REQUESTED


# --- the inbox ------------------------------------------------------------------------------


def test_inbox_lists_the_teams_requested_referrals_risk_and_urgent_first(world, client_for):
    routine = make_referral(world, reason="Wants to get out more and meet people.")
    urgent = make_referral(world, urgency="urgent", reason="Eviction notice for Friday.")
    risky = make_referral(
        world, risk_of_harm=True, risk_details="Talked about ending it.", reason="Very low."
    )
    accepted = make_referral(world)
    services.referral_transition(referral=accepted, to_status="accepted", actor=world.link_worker)
    response = client_for(world.link_worker).get(reverse("referrals:inbox"))
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(r.reference) for r in (risky, urgent, routine)]
    assert positions == sorted(positions)
    assert accepted.reference not in html
    assert "Loneliness and isolation" in html  # needs shown by label
    assert "Risk of harm" in html
    assert "GP practice" in html


def test_inbox_shows_the_supervisor_risk_alerts_at_the_top(world, client_for):
    referral = make_referral(world, risk_of_harm=True, risk_details="Said she feels unsafe.")
    assert Alert.objects.filter(recipient=world.supervisor, kind=AlertKind.RISK).exists()
    html = client_for(world.supervisor).get(reverse("referrals:inbox")).content.decode()
    assert "Alerts for you" in html
    assert html.index("Alerts for you") < html.index("<table")
    assert referral.reference in html[: html.index("<table")]
    link_worker_html = client_for(world.link_worker).get(reverse("referrals:inbox")).content
    assert b"Alerts for you" not in link_worker_html


def test_outsider_inbox_does_not_show_our_referrals(world, client_for):
    referral = make_referral(world)
    response = client_for(world.outsider).get(reverse("referrals:inbox"))
    assert response.status_code == 200
    assert referral.reference not in response.content.decode()


@pytest.mark.parametrize("persona", ["referrer", "provider", "volunteer", "commissioner"])
def test_inbox_is_refused_to_roles_outside_a_team(world, client_for, persona):
    assert client_for(getattr(world, persona)).get(reverse("referrals:inbox")).status_code == 403


# --- staff actions --------------------------------------------------------------------------


def test_accepting_opens_an_episode_and_goes_to_it(world, client_for):
    referral = make_referral(world)
    client = client_for(world.link_worker)
    page = client.get(reverse("referrals:detail", args=[referral.uuid])).content.decode()
    assert "Accept and open an episode" in page
    response = client.post(reverse("referrals:action", args=[referral.uuid, "accept"]))
    episode = Episode.objects.get(referral=referral)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:episode", args=[episode.uuid])
    assert episode.link_worker == world.link_worker
    referral.refresh_from_db()
    assert referral.status == TaskStatus.ACCEPTED


def test_decline_needs_a_reason_and_other_needs_words(world, client_for):
    referral = make_referral(world)
    client = client_for(world.link_worker)
    url = reverse("referrals:action", args=[referral.uuid, "decline"])
    empty = client.post(url, {"decline-reason_choice": ""})
    assert empty.status_code == 400
    assert 'href="#id_decline-reason_choice"' in empty.content.decode()
    other = client.post(url, {"decline-reason_choice": "other", "decline-reason_text": ""})
    assert other.status_code == 400
    assert "Enter why you are declining the referral" in other.content.decode()
    referral.refresh_from_db()
    assert referral.status == TaskStatus.REQUESTED
    done = client.post(
        url,
        {"decline-reason_choice": "Needs a different service", "decline-reason_text": "Try IAPT."},
    )
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.status == TaskStatus.REJECTED
    assert referral.status_reason == "Needs a different service. Try IAPT."
    # The referrer sees the reason in the closed loop.
    html = client_for(world.referrer).get(reverse("referrals:detail", args=[referral.uuid]))
    assert "Needs a different service. Try IAPT." in html.content.decode()


def test_hold_and_resume_an_accepted_referral(world, client_for):
    referral = make_referral(world)
    services.referral_transition(referral=referral, to_status="accepted", actor=world.link_worker)
    client = client_for(world.link_worker)
    no_reason = client.post(reverse("referrals:action", args=[referral.uuid, "hold"]), {})
    assert no_reason.status_code == 400
    held = client.post(
        reverse("referrals:action", args=[referral.uuid, "hold"]),
        {"hold-reason": "In hospital for two weeks"},
    )
    assert held.status_code == 302
    referral.refresh_from_db()
    assert referral.status == TaskStatus.ON_HOLD
    client.post(reverse("referrals:action", args=[referral.uuid, "resume"]))
    referral.refresh_from_db()
    assert referral.status == TaskStatus.IN_PROGRESS


def test_a_declined_referral_cannot_be_accepted(world, client_for):
    referral = make_referral(world)
    services.referral_transition(
        referral=referral, to_status="rejected", actor=world.link_worker, reason="Not eligible"
    )
    response = client_for(world.link_worker).post(
        reverse("referrals:action", args=[referral.uuid, "accept"])
    )
    assert response.status_code == 409
    assert "cannot be reopened" in response.content.decode()
    assert not Episode.objects.exists()


def test_unknown_action_is_not_found(world, client_for):
    referral = make_referral(world)
    url = reverse("referrals:action", args=[referral.uuid, "explode"])
    assert client_for(world.link_worker).post(url).status_code == 404


def test_outsider_cannot_act_on_or_assign_our_referral(world, client_for):
    referral = make_referral(world)
    client = client_for(world.outsider)
    assert (
        client.post(reverse("referrals:action", args=[referral.uuid, "accept"])).status_code == 404
    )
    assign = client.post(
        reverse("referrals:assign", args=[referral.uuid]),
        {"link_worker": str(world.outsider.uuid)},
    )
    assert assign.status_code == 404
    referral.refresh_from_db()
    assert referral.status == TaskStatus.REQUESTED
    assert referral.assigned_to is None


def test_assigning_with_htmx_swaps_in_the_new_assignee(world, client_for):
    referral = make_referral(world)
    response = client_for(world.supervisor).post(
        reverse("referrals:assign", args=[referral.uuid]),
        {"link_worker": str(world.teammate.uuid)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    # The name as the template writes it: a generated name can hold an apostrophe (O'Connor).
    assert f"Assigned to {escape(world.teammate.display_name)}." in html
    referral.refresh_from_db()
    assert referral.assigned_to == world.teammate


def test_assigning_without_javascript_redirects_back(world, client_for):
    referral = make_referral(world)
    response = client_for(world.link_worker).post(
        reverse("referrals:assign", args=[referral.uuid]), {"link_worker": str(world.teammate.uuid)}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.assigned_to == world.teammate


def test_assigning_to_someone_outside_the_team_is_refused(world, client_for):
    referral = make_referral(world)
    response = client_for(world.link_worker).post(
        reverse("referrals:assign", args=[referral.uuid]), {"link_worker": str(world.outsider.uuid)}
    )
    assert response.status_code == 400
    assert "Select a link worker from this team" in response.content.decode()
    referral.refresh_from_db()
    assert referral.assigned_to is None


# --- the public self-referral form -----------------------------------------------------------


def self_referral_data(*, seconds_ago: float = 10, **overrides):
    data = {
        "given_name": "Jo",
        "family_name": "Bloggs",
        "preferred_name": "Jojo",
        "date_of_birth_day": "2",
        "date_of_birth_month": "11",
        "date_of_birth_year": "1990",
        "postcode": "ls2 9jt",
        "preferred_contact_method": "phone",
        "phone": "07700 900789",
        "mobile": "",
        "email": "",
        "preferred_contact_times": "Weekday mornings",
        "reason": "I lost my job and I'm behind on rent. I don't go out much now.",
        "at_risk": "no",
        "consent_confirmed": "on",
        "website": "",
        "form_token": self_referral_token(issued_at=time.time() - seconds_ago),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_public_form_needs_no_sign_in_and_carries_the_spam_traps(client, world):
    response = client.get(reverse("public:self_refer"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="website"' in html and 'tabindex="-1"' in html
    assert 'name="form_token"' in html
    # The crisis contacts are in the conditional reveal of "are you at risk".
    assert 'id="conditional-crisis"' in html
    assert "116 123" in html and "NHS 111" in html and "999" in html


def test_self_referral_gives_a_reference_and_says_what_happens_next(client, world):
    response = client.post(reverse("public:self_refer"), self_referral_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("public:self_refer_done")
    referral = Referral.objects.get()
    assert referral.source == ReferralSource.SELF
    assert referral.team == world.service_team  # the intake team
    assert referral.person.preferred_name == "Jojo"
    assert referral.person.postcode == "LS2 9JT"
    done = client.get(response["Location"])
    html = done.content.decode()
    assert referral.reference in html
    assert "within 10 working days" in html
    assert "by phone call" in html
    assert "If you need help now" not in html


def test_self_referral_at_risk_shows_crisis_contacts_on_the_confirmation(client, world):
    response = client.post(reverse("public:self_refer"), self_referral_data(at_risk="yes"))
    assert response.status_code == 302
    assert Referral.objects.get().risk_of_harm
    html = client.get(response["Location"]).content.decode()
    assert "If you need help now" in html
    assert "116 123" in html and "NHS 111" in html and "999" in html


def test_a_submission_faster_than_three_seconds_is_refused_and_saves_nothing(client, world):
    response = client.post(reverse("public:self_refer"), self_referral_data(seconds_ago=1))
    assert response.status_code == 400
    assert "quicker than we expected" in response.content.decode()
    assert not Referral.objects.exists()
    assert not Person.objects.exists()


def test_a_form_older_than_two_hours_is_refused_and_saves_nothing(client, world):
    response = client.post(
        reverse("public:self_refer"), self_referral_data(seconds_ago=2 * 60 * 60 + 5)
    )
    assert response.status_code == 400
    assert "more than 2 hours" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_forged_or_missing_timestamp_is_refused(client, world):
    forged = self_referral_data()
    forged["form_token"] = forged["form_token"][:-2] + "xx"
    assert client.post(reverse("public:self_refer"), forged).status_code == 400
    missing = self_referral_data(form_token="")
    assert client.post(reverse("public:self_refer"), missing).status_code == 400
    assert not Referral.objects.exists()


def test_the_honeypot_catches_a_bot_and_saves_nothing(client, world):
    response = client.post(
        reverse("public:self_refer"), self_referral_data(website="http://spam.example")
    )
    assert response.status_code == 400
    assert "We could not send your form" in response.content.decode()
    assert not Referral.objects.exists()


def test_the_refused_form_keeps_the_answers_and_gets_a_fresh_timestamp(client, world):
    data = self_referral_data(seconds_ago=1)
    html = client.post(reverse("public:self_refer"), data).content.decode()
    assert 'value="Bloggs"' in html
    token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    assert token != data["form_token"]


def test_the_chosen_contact_method_needs_its_details(client, world):
    data = self_referral_data(preferred_contact_method="email", email="")
    response = client.post(reverse("public:self_refer"), data)
    assert response.status_code == 400
    assert 'href="#id_email"' in response.content.decode()
    assert not Referral.objects.exists()


def test_bad_answers_on_the_public_form_show_errors_and_save_nothing(client, world):
    data = self_referral_data(
        given_name="", postcode="12345", at_risk=None, consent_confirmed=None, reason=""
    )
    response = client.post(reverse("public:self_refer"), data)
    assert response.status_code == 400
    html = response.content.decode()
    for anchor in ("#id_given_name", "#id_postcode", "#id_at_risk_0", "#id_consent_confirmed"):
        assert f'href="{anchor}"' in html
    assert not Referral.objects.exists()


def test_over_the_rate_limit_the_public_form_says_so_with_429(client, world, settings):
    settings.LINKWELL = {**settings.LINKWELL, "SELF_REFERRAL_RATE_LIMIT_PER_HOUR": 1}
    assert client.post(reverse("public:self_refer"), self_referral_data()).status_code == 302
    second = client.post(
        reverse("public:self_refer"), self_referral_data(given_name="Jim", family_name="Other")
    )
    assert second.status_code == 429
    html = second.content.decode()
    assert "in the last hour" in html
    assert Referral.objects.count() == 1


def test_the_confirmation_page_without_a_referral_goes_back_to_the_form(client, world):
    response = client.get(reverse("public:self_refer_done"))
    assert response.status_code == 302
    assert response["Location"] == reverse("public:self_refer")
    session = client.session
    assert SELF_REFERRAL_SESSION_KEY not in session


def test_the_crisis_page_is_public(client):
    response = client.get(reverse("public:crisis"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "999" in html and "NHS 111" in html and "116 123" in html


def test_a_supervisor_marks_an_alert_read_and_it_leaves_the_inbox(world, client_for):
    make_referral(world, risk_of_harm=True, risk_details="Said she feels unsafe.")
    alert = Alert.objects.get(recipient=world.supervisor)
    client = client_for(world.supervisor)
    url = reverse("referrals:alert_read", args=[alert.uuid])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Marked as read." in response.content.decode()
    alert.refresh_from_db()
    assert alert.read_at is not None
    assert b"Alerts for you" not in client.get(reverse("referrals:inbox")).content


def test_nobody_else_can_mark_a_supervisors_alert_read(world, client_for):
    make_referral(world, risk_of_harm=True, risk_details="Said she feels unsafe.")
    alert = Alert.objects.get(recipient=world.supervisor)
    url = reverse("referrals:alert_read", args=[alert.uuid])
    assert client_for(world.link_worker).post(url).status_code == 404
    assert client_for(world.outsider).post(url).status_code == 404
    assert client_for(world.referrer).post(url).status_code == 403
    alert.refresh_from_db()
    assert alert.read_at is None
    without_js = client_for(world.supervisor).post(url)
    assert without_js.status_code == 302
    assert without_js["Location"] == reverse("referrals:inbox")


def test_behind_a_proxy_the_rate_limit_keys_on_the_address_the_proxy_saw(client, world, settings):
    settings.LINKWELL = {
        **settings.LINKWELL,
        "SELF_REFERRAL_RATE_LIMIT_PER_HOUR": 1,
        "TRUSTED_PROXY_COUNT": 1,
    }
    url = reverse("public:self_refer")
    first = client.post(url, self_referral_data(), HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert first.status_code == 302
    # Another person behind the same proxy is not blocked by the first one.
    other = client.post(
        url,
        self_referral_data(given_name="Ann", family_name="Other"),
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert other.status_code == 302
    # A forged address on the left does not dodge the limit: the proxy's entry is what counts.
    forged = client.post(
        url,
        self_referral_data(given_name="Bo", family_name="Again"),
        HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7",
    )
    assert forged.status_code == 429
    assert Referral.objects.count() == 2


def test_the_referrer_reads_the_status_in_plain_words(world, client_for):
    referral = make_referral(world)
    services.referral_transition(
        referral=referral, to_status="rejected", actor=world.link_worker, reason="Not eligible"
    )
    html = client_for(world.referrer).get(reverse("referrals:detail", args=[referral.uuid]))
    text = html.content.decode()
    assert "Declined: Not eligible" in text
    assert "No message yet." in text


def test_a_problem_with_the_whole_form_is_listed_first(client, world):
    data = self_referral_data(seconds_ago=1, given_name="")
    html = client.post(reverse("public:self_refer"), data).content.decode()
    summary = html[html.index("There is a problem") :]
    assert summary.index("quicker than we expected") < summary.index("Enter your first name")


@pytest.mark.parametrize("box", ["date_of_birth_day", "date_of_birth_month"])
def test_the_public_form_shows_an_error_for_a_day_or_month_past_any_calendar(client, world, box):
    # 2147483648 in the day box was a server error.
    response = client.post(reverse("public:self_refer"), self_referral_data(**{box: "2147483648"}))
    assert response.status_code in (200, 400)
    assert "Date of birth must be a real date" in response.content.decode()
    assert not Referral.objects.exists()
