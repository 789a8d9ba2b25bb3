"""Report pages, downloads, the extract and baseline import; who is refused."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from openpyxl import load_workbook

from linkwell.reports.models import PopulationBaseline

pytestmark = pytest.mark.django_db
PAGES = ["/reports/", "/reports/activity/", "/reports/equity/", "/reports/outcomes/"]


@pytest.mark.parametrize(
    "persona", ["outsider", "link_worker", "referrer", "provider", "volunteer"]
)
def test_every_report_page_refuses_people_without_a_reporting_role(
    world, report_data, client_for, persona
):
    client = client_for(getattr(world, persona))
    for url in [*PAGES, "/reports/extract.csv", "/reports/baseline/", "/api/v1/reports/equity"]:
        assert client.get(url).status_code == 403, url


def test_report_page_shows_chart_and_numbers(world, report_data, client_for):
    response = client_for(world.supervisor).get("/reports/activity/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "Referrals by source" in body
    assert "GP practice" in body


def test_commissioner_page_shows_suppressed_counts_and_no_names(world, report_data, client_for):
    body = client_for(world.commissioner).get("/reports/equity/").content.decode()
    assert "&lt;5" in body
    # Whole names and identifiers: a family name alone can be a word the page uses ("White").
    for episode in report_data.episodes:
        person = episode.person
        assert escape(f"{person.given_name} {person.family_name}") not in body
        assert str(person.uuid) not in body
        if person.nhs_number:
            assert person.nhs_number not in body


def test_bad_filter_shows_error_summary(world, report_data, client_for):
    response = client_for(world.supervisor).get("/reports/activity/?date_from=yesterday")
    assert response.status_code == 400
    assert "Enter a date like 2026-04-01." in response.content.decode()


def test_downloads_in_three_formats(world, report_data, client_for):
    client = client_for(world.supervisor)
    csv_resp = client.get("/reports/outcomes/?format=csv")
    assert csv_resp["Content-Type"] == "text/csv"
    assert "SWEMWBS" in csv_resp.content.decode()
    xlsx = client.get("/reports/outcomes/?format=xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert any("Change from first" in name for name in wb.sheetnames)
    pdf = client.get("/reports/equity/?format=pdf")
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/reports/equity/?format=doc").status_code == 404


@pytest.mark.parametrize("report", ["activity", "equity", "outcomes"])
def test_every_report_downloads_in_every_format(world, report_data, client_for, report):
    # The activity report's spreadsheet was a server error: its section "Groups: fill rates and
    # waiting lists" named a sheet with a colon, which a sheet name may not hold.
    client = client_for(world.supervisor)
    page = client.get(f"/reports/{report}/")
    assert page.status_code == 200
    xlsx = client.get(f"/reports/{report}/?format=xlsx")
    assert xlsx.status_code == 200
    names = load_workbook(io.BytesIO(xlsx.content)).sheetnames
    assert names[-1] == "Notes" and len(names) >= 2
    if report == "activity":
        assert any(" Groups fill rates and wait" in name for name in names), names
    assert client.get(f"/reports/{report}/?format=csv").status_code == 200
    assert client.get(f"/reports/{report}/?format=pdf").content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Groups: fill rates and waiting lists", "3 Groups fill rates and waiting"),
        ("a[b]c*d?e/f\\g", "3 a b c d e f g"),
        ("Waiting times (days) by team, per month, in full", "3 Waiting times (days) by team,"),
        ("People's", "3 People's"),
        ("It's 'quoted'", "3 It's 'quoted"),
    ],
)
def test_a_sections_sheet_name_is_one_a_spreadsheet_can_hold(title, name):
    from openpyxl import Workbook

    from linkwell.reports.exports import sheet_name

    assert sheet_name(3, title) == name
    Workbook().create_sheet(sheet_name(3, title))  # openpyxl refuses names it cannot hold


def test_extract_download_is_pseudonymised(world, report_data, client_for):
    response = client_for(world.commissioner).get("/reports/extract.csv")
    text = response.content.decode()
    assert text.splitlines()[0].startswith("person_pseudonym,")
    assert len(text.splitlines()) == 10
    # No name as a word of any field (a family name such as "North" may be part of a
    # service's name, "Northside Wellbeing Service", which the extract does carry).
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    words = {word for cell in cells for word in re.findall(r"[\w'-]+", cell)}
    for episode in report_data.episodes:
        person = episode.person
        assert person.family_name not in words
        assert person.given_name not in words
        assert f"{person.given_name} {person.family_name}" not in text


def test_baseline_upload(world, client_for):
    client = client_for(world.supervisor)
    assert client.get("/reports/baseline/").status_code == 200
    upload = SimpleUploadedFile(
        "b.csv", b"dimension,category,population\nethnicity,white,800\n", "text/csv"
    )
    response = client.post("/reports/baseline/", {"baseline": upload})
    assert response.status_code == 302
    assert PopulationBaseline.objects.count() == 1
    bad = SimpleUploadedFile("b.csv", b"dimension,category,population\nsex,x,1\n", "text/csv")
    response = client.post("/reports/baseline/", {"baseline": bad})
    assert response.status_code == 400
    assert "category for sex" in response.content.decode()
    assert PopulationBaseline.objects.count() == 1


def test_commissioner_cannot_import_a_baseline(world, client_for):
    assert client_for(world.commissioner).get("/reports/baseline/").status_code == 403


def test_commissioner_is_refused_identifiable_pages_and_apis(world, report_data, client_for):
    client = client_for(world.commissioner)
    episode = report_data.episodes[0]
    for url in [
        "/people/",
        f"/people/{episode.person.uuid}/",
        f"/cases/{episode.uuid}/",
        f"/outcomes/episodes/{episode.uuid}/",
        f"/outcomes/people/{episode.person.uuid}/",
        f"/api/v1/people/{episode.person.uuid}",
        f"/api/v1/episodes/{episode.uuid}",
    ]:
        response = client.get(url)
        assert response.status_code in (403, 404), url
        # As an HTML page or a JSON body would show it (O'Neill, O&#x27;Neill).
        for shown in {episode.person.family_name, escape(episode.person.family_name)}:
            assert shown.encode() not in response.content, url
