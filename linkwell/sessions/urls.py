from django.urls import path

from . import views

app_name = "sessions"
urlpatterns = [
    path("diary/", views.diary, name="diary"),
    path("extensions/", views.extensions_awaiting, name="extensions"),
    path("episodes/<uuid:episode_uuid>/", views.episode_sessions, name="episode"),
    path("episodes/<uuid:episode_uuid>/extension/", views.extension_request, name="extension"),
    path(
        "appointments/<uuid:appointment_uuid>/outcome/",
        views.appointment_outcome,
        name="outcome",
    ),
]
