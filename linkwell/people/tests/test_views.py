import datetime as dt

import pytest
from django.urls import reverse

from linkwell.audit.models import AuditEvent
from linkwell.people.models import DuplicateStatus, Person, PossibleDuplicate
from linkwell.people.selectors import consent_in_force
from linkwell.people.services import person_flag_duplicates
from linkwell.people.tests.helpers import on_caseload, with_episode
from linkwell.referrals.models import Referral

pytestmark = pytest.mark.django_db

DOB = dt.date(1962, 8, 30)
OTHERS = ["outsider", "referrer", "other_referrer", "provider", "volunteer", "commissioner"]


@pytest.fixture
def person(world):
    return on_caseload(
        world.service_team,
        given_name="Margaret",
        family_name="Okafor",
        preferred_name="Peggy",
        date_of_birth=DOB,
        language="Igbo",
        interpreter_needed=True,
        accessibility_needs="Step-free access",
    )


@pytest.fixture
def pair(world):
    a = on_caseload(world.service_team, given_name="Jon", family_name="Reid", date_of_birth=DOB)
    b = on_caseload(world.service_team, given_name="John", family_name="Reid", date_of_birth=DOB)
    (duplicate,) = person_flag_duplicates(person=b)
    return a, b, duplicate


def test_person_page_shows_preferred_name_first_and_history(world, client_for, person):
    with_episode(world.service_team, person, number=1)
    response = client_for(world.link_worker).get(reverse("people:detail", args=[person.uuid]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Peggy Okafor" in html
    assert "Needs an interpreter" in html and "Igbo" in html
    assert "Step-free access" in html
    assert person.referrals.get().reference in html
    assert "Episode 1" in html
    assert reverse("volunteers:person", args=[person.uuid]) in html
    assert AuditEvent.objects.filter(action="read", person_uuid=person.uuid).count() == 1


def test_recording_consent_on_the_person_page(world, client_for, person):
    client = client_for(world.link_worker)
    url = reverse("people:consent", args=[person.uuid])
    response = client.post(url, {"purpose": "contact_sms", "given": "yes", "method": "verbal"})
    assert response.status_code == 302
    assert consent_in_force(person=person, purpose="contact_sms")
    client.post(url, {"purpose": "contact_sms", "given": "no", "method": "written", "note": "x"})
    assert not consent_in_force(person=person, purpose="contact_sms")


def test_consent_form_errors_are_summarised_and_change_nothing(world, client_for, person):
    response = client_for(world.link_worker).post(
        reverse("people:consent", args=[person.uuid]), {"purpose": "contact_sms"}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not person.consents.exists()


def test_editing_a_person(world, client_for, person):
    client = client_for(world.link_worker)
    url = reverse("people:edit", args=[person.uuid])
    assert client.get(url).status_code == 200
    data = {
        "given_name": "Margaret",
        "family_name": "Okafor",
        "preferred_name": "Peggy",
        "nhs_number": "943 476 5919",
        "date_of_birth": "1962-08-30",
        "postcode": "ls6 1ab",
        "preferred_contact_method": "sms",
        "language": "Igbo",
        "interpreter_needed": "on",
        "ethnic_category": "N",
        "sex": "female",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    person.refresh_from_db()
    assert person.nhs_number == "9434765919"
    assert person.postcode == "LS6 1AB"
    assert person.preferred_contact_method == "sms"


def test_editing_with_a_bad_nhs_number_shows_the_error_and_changes_nothing(
    world, client_for, person
):
    response = client_for(world.link_worker).post(
        reverse("people:edit", args=[person.uuid]),
        {
            "given_name": "Margaret",
            "family_name": "Okafor",
            "nhs_number": "943 476 5918",
            "preferred_contact_method": "phone",
            "language": "Igbo",
            "ethnic_category": "99",
            "sex": "female",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "the check digit does not match" in html
    person.refresh_from_db()
    assert person.nhs_number == ""


def test_duplicate_review_lists_pairs_side_by_side(world, client_for, pair):
    a, b, duplicate = pair
    response = client_for(world.link_worker).get(reverse("people:duplicates"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jon Reid" in html and "John Reid" in html
    assert "same date of birth, similar name" in html
    assert reverse("people:duplicate_merge", args=[duplicate.uuid]) in html


def test_merging_from_the_review_page(world, client_for, pair):
    a, b, duplicate = pair
    response = client_for(world.link_worker).post(
        reverse("people:duplicate_merge", args=[duplicate.uuid]), {"keep": str(b.uuid)}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.merged_into == b
    assert Referral.objects.filter(person=b).count() == 2
    duplicate.refresh_from_db()
    assert duplicate.status == DuplicateStatus.MERGED
    # The merged record's old page leads to the survivor.
    old = client_for(world.link_worker).get(reverse("people:detail", args=[a.uuid]))
    assert old.status_code == 302
    assert old.url == reverse("people:detail", args=[b.uuid])


def test_merge_needs_one_of_the_two_records(world, client_for, pair):
    a, b, duplicate = pair
    stranger = on_caseload(world.service_team)
    client_for(world.link_worker).post(
        reverse("people:duplicate_merge", args=[duplicate.uuid]), {"keep": str(stranger.uuid)}
    )
    assert not Person.objects.filter(merged_into__isnull=False).exists()


def test_keeping_a_pair_apart(world, client_for, pair):
    a, b, duplicate = pair
    response = client_for(world.supervisor).post(
        reverse("people:duplicate_keep_apart", args=[duplicate.uuid])
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == DuplicateStatus.KEPT_APART
    page = client_for(world.link_worker).get(reverse("people:duplicates")).content.decode()
    assert "no possible duplicates" in page


@pytest.mark.parametrize("persona", OTHERS)
def test_others_are_refused_on_every_page(world, client_for, person, pair, persona):
    a, b, duplicate = pair
    client = client_for(getattr(world, persona))
    assert client.get(reverse("people:detail", args=[person.uuid])).status_code == 404
    assert client.get(reverse("people:edit", args=[person.uuid])).status_code == 404
    edit = client.post(
        reverse("people:edit", args=[person.uuid]), {"given_name": "X", "family_name": "Y"}
    )
    assert edit.status_code == 404
    consent = client.post(
        reverse("people:consent", args=[person.uuid]),
        {"purpose": "contact_sms", "given": "yes", "method": "verbal"},
    )
    assert consent.status_code == 404
    merge = client.post(
        reverse("people:duplicate_merge", args=[duplicate.uuid]), {"keep": str(a.uuid)}
    )
    assert merge.status_code in (403, 404)
    apart = client.post(reverse("people:duplicate_keep_apart", args=[duplicate.uuid]))
    assert apart.status_code in (403, 404)
    listing = client.get(reverse("people:duplicates"))
    if persona == "outsider":
        assert listing.status_code == 200
        # Their uuids and full names, not a bare surname: the outsider's own generated name,
        # shown in the page's header, could be a Reid or an Okafor.
        listed = listing.content.decode()
        for shown in (str(a.uuid), str(b.uuid), "Jon Reid", "John Reid"):
            assert shown not in listed
        people = client.get(reverse("people:list")).content.decode()
        for shown in (str(person.uuid), "Peggy Okafor", "Margaret Okafor"):
            assert shown not in people
    else:
        assert listing.status_code == 403
        assert client.get(reverse("people:list")).status_code == 403
    person.refresh_from_db()
    assert person.given_name == "Margaret"
    assert not person.consents.exists()
    assert PossibleDuplicate.objects.get(pk=duplicate.pk).status == DuplicateStatus.OPEN


def test_anonymous_visitors_are_sent_to_sign_in(client, person):
    response = client.get(reverse("people:detail", args=[person.uuid]))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_navigation_marks_only_the_duplicates_page_current(world, client_for, pair):
    response = client_for(world.link_worker).get(reverse("people:duplicates"))
    current = [item["label"] for item in response.context["nav_items"] if item["current"]]
    assert current == ["Possible duplicates"]
    labels = [item["label"] for item in response.context["nav_items"]]
    assert "People" in labels


def test_people_list_page_searches(world, client_for, person):
    response = client_for(world.link_worker).get(reverse("people:list"), {"q": "okafor"})
    assert response.status_code == 200
    assert "Peggy Okafor" in response.content.decode()
    assert (
        client_for(world.link_worker).get(reverse("people:list"), {"q": "zzz"}).status_code == 200
    )


def test_the_duplicates_page_logs_its_reads_in_one_transaction(world, client_for, pair):
    # Each person shown was an audit transaction of its own (up to a hundred for one page).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.link_worker)

    def transactions() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("people:duplicates")).status_code == 200
        return sum(q["sql"].startswith(("BEGIN", "SAVEPOINT")) for q in queries.captured_queries)

    one = transactions()
    for n in range(3):
        first = on_caseload(
            world.service_team, given_name=f"Ann{n}", family_name="Lee", date_of_birth=DOB
        )
        other = on_caseload(
            world.service_team, given_name=f"Anne{n}", family_name="Lee", date_of_birth=DOB
        )
        assert person_flag_duplicates(person=other), first
    assert transactions() == one
    shown = AuditEvent.objects.filter(action="read", detail__via="duplicates").values("person_uuid")
    assert len({row["person_uuid"] for row in shown}) == 8
