from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("me/", views.my_page, name="me"),
    path("", views.volunteer_list, name="list"),
    path("hours/", views.hours_report, name="hours"),
    path("people/<uuid:person_uuid>/", views.person_matches, name="person"),
    path("matches/<uuid:match_uuid>/", views.match_detail, name="match"),
    path("matches/<uuid:match_uuid>/<slug:action>/", views.match_detail, name="match_action"),
    path("<uuid:volunteer_uuid>/", views.volunteer_detail, name="detail"),
    path("<uuid:volunteer_uuid>/<slug:action>/", views.volunteer_detail, name="action"),
]
