from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

# Where each role starts after signing in.
ROLE_HOME = {
    "link_worker": "referrals:inbox",
    "supervisor": "referrals:inbox",
    "referrer": "referrals:my_referrals",
    "provider": "connections:inbox",
    "volunteer": "volunteers:me",
    "commissioner": "reports:index",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    target = ROLE_HOME.get(request.user.role)  # type: ignore[union-attr]
    if target:
        try:
            return redirect(reverse(target))
        except NoReverseMatch:
            pass
    return render(request, "common/home.html")
