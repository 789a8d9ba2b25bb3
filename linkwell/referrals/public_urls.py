from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("self-referral/", views.self_refer, name="self_refer"),
    path("self-referral/sent/", views.self_refer_done, name="self_refer_done"),
    path("crisis/", views.crisis, name="crisis"),
]
