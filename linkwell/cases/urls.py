from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("<uuid:episode_uuid>/", views.episode_detail, name="episode"),
    path("<uuid:episode_uuid>/assign/", views.episode_assign, name="assign"),
    path("<uuid:episode_uuid>/<slug:action>/", views.episode_action, name="action"),
]
