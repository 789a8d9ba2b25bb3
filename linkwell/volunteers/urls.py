from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("me/", views.my_page, name="me"),
]
