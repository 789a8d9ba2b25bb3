from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("duplicates/", views.duplicate_list, name="duplicates"),
    path("duplicates/<uuid:duplicate_uuid>/merge/", views.duplicate_merge, name="duplicate_merge"),
    path(
        "duplicates/<uuid:duplicate_uuid>/keep-apart/",
        views.duplicate_keep_apart,
        name="duplicate_keep_apart",
    ),
    path("<uuid:person_uuid>/", views.person_detail, name="detail"),
    path("<uuid:person_uuid>/edit/", views.person_edit, name="edit"),
    path("<uuid:person_uuid>/consents/", views.consent_create, name="consent"),
]
