"""Every page, as each role sees it, passes axe-core's WCAG 2.2 A and AA checks in Chromium.

The demo data is loaded, each demo login (and a visitor who is not signed in) walks every link it
can follow from its start page, and axe-core (from npm, a development dependency) checks each kind
of page once: the first time any role reaches it (pages differing only in the record they show are
one kind). The public pages a person reaches from a message (a group place offer, the group poll,
an outcome measure to complete) are visited from links made for them. Forms that people meet
first (the self-referral form, the referrer's form, signing in) are also checked showing their
errors, and the self-referral form's follow-up questions are checked opened. No page may ask the
browser for anything from another site (no CDN, no web fonts) or for a static file that is not
there.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from linkwell.conftest import launch_chromium, login

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ROLES = ["linkworker", "supervisor", "referrer", "provider", "volunteer", "commissioner", "admin"]
# Not pages: the APIs, Django's admin (not Linkwell's own pages), downloads, signing out.
NOT_PAGES = re.compile(
    r"^/(api|hsds|fhir|admin|static)/|/logout/|/export|/download|\.(csv|json|xlsx|pdf|ics)$"
)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TOKEN = re.compile(r"/(offer|poll|s)/[^/]+/")
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + "  " + n.html.slice(0, 200)),
  }));
}"""


def _kind(path: str, query: str) -> str:
    """Pages differing only in the record they show (or the token in their link) are one kind;
    the query's parameter names (not values) make a different view of the same page."""
    shape = TOKEN.sub(r"/\1/<token>/", UUID.sub("<uuid>", path))
    shape = re.sub(r"/\d+(?=/|$)", "/<n>", shape)
    names = sorted({name for name, _ in urllib.parse.parse_qsl(query) if name != "format"})
    return shape + ("?" + "&".join(names) if names else "")


class Walk:
    def __init__(self, page, base: str, axe: str) -> None:
        self.page, self.base, self.axe = page, base, axe
        self.kinds: set[str] = set()
        self.checked = 0
        self.violations: list[str] = []

    def check(self, label: str) -> None:
        self.page.add_script_tag(content=self.axe)
        for v in self.page.evaluate(RUN_AXE, WCAG):
            nodes = "\n      ".join(v["nodes"])
            self.violations.append(
                f"{label}: {v['rule']} ({v['impact']}) {v['help']}\n      {nodes}"
            )
        self.checked += 1

    def walk(self, who: str, starts: list[str]) -> None:
        """Every kind of page not yet checked that ``who`` reaches from ``starts`` (which are
        visited whoever reached them first: "/" is a different page for each role)."""
        queue, seen = list(starts), set()
        while queue:
            target = queue.pop(0)
            if target in seen:
                continue
            seen.add(target)
            url = urllib.parse.urlsplit(target)
            kind = _kind(url.path, url.query)
            if kind in self.kinds and target not in starts:
                continue
            response = self.page.goto(self.base + target, wait_until="load")
            assert response is not None
            final = urllib.parse.urlsplit(self.page.url)
            if "html" not in response.headers.get("content-type", ""):
                continue
            self.kinds.add(kind)
            final_kind = _kind(final.path, final.query)
            if final_kind in self.kinds and final.path != url.path:
                continue  # redirected to a page already checked
            self.kinds.add(final_kind)
            self.check(f"{who} {final.path}{'?' + final.query if final.query else ''}")
            links = self.page.eval_on_selector_all(
                "a[href]:not([download])", "els => els.map(e => e.getAttribute('href'))"
            )
            for href in links:
                link = urllib.parse.urlsplit(urllib.parse.urljoin(self.page.url, href))
                if link.netloc != final.netloc or NOT_PAGES.search(link.path):
                    continue
                if "format=" in link.query:
                    continue
                queue.append(link.path + ("?" + link.query if link.query else ""))


def _public_links() -> list[str]:
    """Links a person is sent by message: a group place offer, the group poll, a measure to
    complete; and the community feedback pages."""
    from linkwell.accounts.models import Organisation, OrganisationKind
    from linkwell.groups.models import Attendance, Booking, BookingStatus
    from linkwell.groups.tokens import OFFER_SALT, POLL_SALT, make_token
    from linkwell.outcomes.models import DueMeasure, DueStatus
    from linkwell.outcomes.services import due_measures_generate_all, self_completion_link_create

    links = ["/public/self-referral/", "/public/crisis/", "/accounts/login/"]
    offered = Booking.objects.filter(status=BookingStatus.OFFERED).first()
    booking = (
        Booking.objects.filter(status=BookingStatus.BOOKED, poll_response__isnull=True)
        .exclude(attendance=Attendance.ABSENT)
        .first()
    )
    assert booking is not None, "the demo has no group bookings to ask about"
    if offered is not None:
        links.append(
            f"/public/groups/offer/{make_token(booking_uuid=offered.uuid, salt=OFFER_SALT)}/"
        )
    links.append(f"/public/groups/poll/{make_token(booking_uuid=booking.uuid, salt=POLL_SALT)}/")
    due_measures_generate_all()  # as the daily run does
    due = DueMeasure.objects.filter(
        status=DueStatus.DUE, episode__link_worker__isnull=False
    ).first()
    assert due is not None, "the demo has no measures due"
    links.append(self_completion_link_create(due=due, actor=due.episode.link_worker).path)
    provider = Organisation.objects.filter(kind=OrganisationKind.COMMUNITY_PROVIDER).first()
    assert provider is not None
    links += [
        f"/public/community/{provider.uuid}/feedback/",
        f"/public/community/{provider.uuid}/you-said-we-did/",
    ]
    return links


def _submit_empty(walk: Walk, who: str, path: str, form: str) -> None:
    page = walk.page
    page.goto(walk.base + path, wait_until="load")
    with page.expect_navigation(wait_until="load"):
        page.locator(form).locator("button[type=submit], button:not([type])").first.click()
    assert page.locator(".nhsuk-error-summary").count() == 1, f"{path} showed no errors"
    walk.check(f"{who} {path} (sent empty, showing its errors)")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_passes_wcag_2_2_aa_checks_for_every_role(live_server):
    from playwright.sync_api import sync_playwright

    from linkwell.accounts.models import User

    assert AXE.exists(), f"{AXE} is missing: run `make install` (npm install) first"
    call_command("load_demo", people=30, seed=11, verbosity=0, stdout=StringIO(), stderr=StringIO())
    public = _public_links()
    sessions = {
        username: login(User.objects.get(username=username)).cookies["sessionid"].value
        for username in ROLES
    }
    axe = AXE.read_text()
    elsewhere: set[str] = set()
    missing: set[str] = set()
    here = urllib.parse.urlsplit(live_server.url).netloc

    def new_context(browser):
        context = browser.new_context(viewport={"width": 1280, "height": 900})

        def remember(request):
            if urllib.parse.urlsplit(request.url).netloc not in (here, ""):
                elsewhere.add(request.url)

        def missing_file(response):
            if "/static/" in response.url and response.status >= 400:
                missing.add(response.url)

        context.on("request", remember)
        context.on("response", missing_file)
        return context

    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = new_context(browser)
        walk = Walk(context.new_page(), live_server.url, axe)
        walk.walk("visitor", public)
        _submit_empty(walk, "visitor", "/public/self-referral/", "main form[method=post]")
        _submit_empty(walk, "visitor", "/accounts/login/", "main form[method=post]")
        # The self-referral form's follow-up questions, opened.
        page = walk.page
        page.goto(live_server.url + "/public/self-referral/", wait_until="load")
        page.get_by_role("group", name=re.compile("unsafe|harm|risk", re.I)).get_by_label(
            "Yes"
        ).check()
        page.get_by_label("Phone call").check()
        walk.check("visitor /public/self-referral/ (follow-up questions open)")
        context.close()
        for username in ROLES:
            context = new_context(browser)
            context.add_cookies(
                [{"name": "sessionid", "value": sessions[username], "url": live_server.url}]
            )
            walk.page = context.new_page()
            walk.walk(username, ["/"])
            if username == "referrer":
                _submit_empty(walk, username, "/referrals/new/person/", "main form[method=post]")
            context.close()
        browser.close()
    assert not elsewhere, f"pages asked another site for {sorted(elsewhere)}"
    assert not missing, f"pages asked for static files that are not there: {sorted(missing)}"
    assert not walk.violations, f"{len(walk.violations)} WCAG failures:\n" + "\n".join(
        walk.violations
    )
    assert walk.checked > 80, f"only {walk.checked} kinds of page were checked"
