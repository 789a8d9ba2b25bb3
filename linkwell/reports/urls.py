from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_index, name="index"),
    path("extract.csv", views.extract_download, name="extract"),
    path("baseline/", views.baseline_import, name="baseline"),
    path("<slug:slug>/", views.report_view, name="report"),
]
