from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("<uuid:organisation_uuid>/feedback/", views.feedback_form, name="feedback"),
    path("<uuid:organisation_uuid>/you-said-we-did/", views.you_said_we_did, name="you_said"),
]
