from django.urls import path

from . import views

app_name = "connections"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<uuid:connection_uuid>/", views.detail, name="detail"),
    path("<uuid:connection_uuid>/answer/", views.answer, name="answer"),
    path("new/<uuid:episode_uuid>/", views.create, name="create"),
]
