"""Pages reached from a link or QR code, without signing in (mounted under /public/groups/)."""

from django.urls import path

from . import views

app_name = "groups_public"
urlpatterns = [
    path("offer/<str:token>/", views.offer_answer, name="offer"),
    path("poll/<str:token>/", views.poll, name="poll"),
]
