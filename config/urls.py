from django.contrib import admin
from django.urls import include, path

from config.api import api
from linkwell.common.views import home
from linkwell.fhir.api import fhir_api

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("linkwell.accounts.urls")),
    path("people/", include("linkwell.people.urls")),
    path("referrals/", include("linkwell.referrals.urls")),
    path("public/", include("linkwell.referrals.public_urls")),
    path("public/groups/", include("linkwell.groups.public_urls")),
    path("cases/", include("linkwell.cases.urls")),
    path("audit/", include("linkwell.audit.urls")),
    path("directory/", include("linkwell.directory.urls")),
    path("hsds/", include("linkwell.hsds.urls")),
    path("outcomes/", include("linkwell.outcomes.urls")),
    path("conversations/", include("linkwell.conversations.urls")),
    path("connections/", include("linkwell.connections.urls")),
    path("fhir/", fhir_api.urls),
    path("volunteers/", include("linkwell.volunteers.urls")),
    path("public/community/", include("linkwell.community.urls")),
    path("community/", include("linkwell.community.staff_urls")),
    path("reports/", include("linkwell.reports.urls")),
    path("sessions/", include("linkwell.sessions.urls")),
    path("groups/", include("linkwell.groups.urls")),
]
