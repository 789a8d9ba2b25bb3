from django.urls import path

from . import views

app_name = "outcomes"
urlpatterns = [
    path("due/", views.due_list, name="due_list"),
    path("schedule/", views.schedule_edit, name="schedule"),
    path("episodes/<uuid:episode_uuid>/", views.episode_outcomes, name="episode"),
    path("episodes/<uuid:episode_uuid>/enter/<str:code>/", views.measure_enter, name="enter"),
    path("due/<uuid:due_uuid>/link/", views.link_issue, name="issue_link"),
    path("people/<uuid:person_uuid>/", views.person_change, name="person_change"),
    path("risk-flags/", views.risk_flag_list, name="risk_flags"),
    path("risk-flags/<uuid:flag_uuid>/", views.risk_flag_detail, name="risk_flag"),
    # The person's own link: no sign-in. The token is signed, single-use and expires.
    path("s/<str:token>/", views.self_complete, name="self_complete"),
]
