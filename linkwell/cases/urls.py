from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("waiting/", views.caseload_waiting, name="waiting"),
    path("overdue/", views.caseload_overdue, name="overdue"),
    path("upcoming/", views.caseload_upcoming, name="upcoming"),
    path("extensions/", views.caseload_extensions, name="extensions"),
    path("<uuid:episode_uuid>/", views.episode_detail, name="episode"),
    path("<uuid:episode_uuid>/assign/", views.episode_assign, name="assign"),
    path("<uuid:episode_uuid>/<slug:action>/", views.episode_action, name="action"),
]
