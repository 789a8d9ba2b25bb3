from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    # The referrer's page: find the person (or enter them), then refer.
    path("new/", views.referral_find, name="new"),
    path("new/person/", views.referral_new_person, name="new_person"),
    path("new/found/<str:token>/", views.referral_new_for, name="new_for"),
    path("mine/", views.my_referrals, name="my_referrals"),
    path("inbox/", views.inbox, name="inbox"),
    path("alerts/<uuid:alert_uuid>/read/", views.alert_read, name="alert_read"),
    path("<uuid:referral_uuid>/", views.referral_detail, name="detail"),
    path("<uuid:referral_uuid>/sent/", views.referral_sent, name="sent"),
    path("<uuid:referral_uuid>/assign/", views.referral_assign, name="assign"),
    path("<uuid:referral_uuid>/<slug:action>/", views.referral_action, name="action"),
]
