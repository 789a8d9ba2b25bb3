"""Staff pages for community capacity and co-design (under /community/): community groups,
practice training and its before/after report, feedback, ideas and board meetings."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "community_staff"

urlpatterns: list[URLPattern] = []
