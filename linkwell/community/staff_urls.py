"""Staff pages for community capacity and co-design (under /community/): community groups,
practice training and its before/after report, feedback, ideas and board meetings."""

from __future__ import annotations

from django.urls import path

from . import staff_views as views

app_name = "community_staff"

urlpatterns = [
    path("", views.index, name="index"),
    path("groups/", views.group_list, name="groups"),
    path("groups/<uuid:group_uuid>/", views.group_detail, name="group"),
    path("groups/<uuid:group_uuid>/<slug:action>/", views.group_detail, name="group_action"),
    path(
        "facilitators/<uuid:facilitator_uuid>/trained/",
        views.facilitator_trained,
        name="facilitator_trained",
    ),
    path("training/", views.training, name="training"),
    path(
        "training/practices/<uuid:practice_uuid>/",
        views.practice_report,
        name="practice_report",
    ),
    path(
        "training/practices/<uuid:practice_uuid>/report.csv",
        views.practice_report_csv,
        name="practice_report_csv",
    ),
    path("feedback/", views.feedback_list, name="feedback"),
    path("you-said-we-did/", views.you_said, name="you_said"),
    path(
        "you-said-we-did/<uuid:entry_uuid>/publish/",
        views.you_said_publish,
        name="you_said_publish",
    ),
    path("board/", views.board, name="board"),
    path("board/actions/<uuid:action_uuid>/done/", views.board_action_done, name="board_done"),
]
