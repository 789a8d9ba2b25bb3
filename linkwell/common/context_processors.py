"""Header navigation by role, so each person sees only the places they can use."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# (url name, label, roles). Apps add their pages here as they arrive.
NAVIGATION: list[tuple[str, str, tuple[str, ...]]] = [
    ("referrals:inbox", "Referral inbox", ("link_worker", "supervisor", "admin")),
    ("cases:caseload", "Caseload", ("link_worker", "supervisor", "admin")),
    ("outcomes:due_list", "Questionnaires due", ("link_worker", "supervisor", "admin")),
    ("outcomes:risk_flags", "Risk flags", ("link_worker", "supervisor", "admin")),
    ("referrals:new", "Make a referral", ("referrer", "link_worker", "supervisor")),
    ("referrals:my_referrals", "My referrals", ("referrer",)),
    ("people:list", "People", ("link_worker", "supervisor", "admin")),
    ("people:duplicates", "Possible duplicates", ("link_worker", "supervisor", "admin")),
    ("sessions:diary", "Diary", ("link_worker", "supervisor")),
    (
        "groups:programmes",
        "Groups",
        ("link_worker", "supervisor", "admin", "provider", "volunteer"),
    ),
    ("connections:inbox", "Connections", ("link_worker", "supervisor", "admin", "provider")),
    ("volunteers:list", "Volunteers", ("link_worker", "supervisor", "admin")),
    ("volunteers:me", "My matches", ("volunteer",)),
    ("community_staff:index", "Community", ("link_worker", "supervisor", "admin")),
    ("reports:index", "Reports", ("supervisor", "admin", "commissioner")),
    ("audit:search", "Audit log", ("supervisor", "admin")),
    ("directory:search", "Directory", ("link_worker", "supervisor", "referrer")),
    ("directory:manage", "Your listings", ("provider", "admin")),
    ("accounts:security", "Security", ()),
]


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label, roles in NAVIGATION:
        if roles and user.role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue  # the page's app is not installed in this deployment
        items.append({"url": url, "label": label, "current": False})
    # Only the most specific matching item is current (/people/duplicates/ is not also /people/).
    matching = [item for item in items if request.path.startswith(str(item["url"]))]
    if matching:
        max(matching, key=lambda item: len(str(item["url"])))["current"] = True
    return {"nav_items": items}
