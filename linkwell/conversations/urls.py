from django.urls import path

from . import views

app_name = "conversations"
urlpatterns = [
    path("<uuid:episode_uuid>/", views.conversation, name="conversation"),
    path("<uuid:episode_uuid>/suggest/", views.suggest, name="suggest"),
    path("<uuid:episode_uuid>/add-need/", views.add_need, name="add_need"),
    path("<uuid:episode_uuid>/matches/", views.matches, name="matches"),
    path("<uuid:episode_uuid>/options/", views.offer, name="offer"),
    path("<uuid:episode_uuid>/options/<uuid:option_uuid>/", views.decide, name="decide"),
    path("<uuid:episode_uuid>/plan/", views.plan, name="plan"),
    path("<uuid:episode_uuid>/plan.pdf", views.plan_download, name="plan_pdf"),
    path("<uuid:episode_uuid>/message-back/", views.message_back, name="message_back"),
    path(
        "<uuid:episode_uuid>/message-back.pdf",
        views.message_back_download,
        name="message_back_pdf",
    ),
]
