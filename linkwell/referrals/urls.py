from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("new/", views.referral_new, name="new"),
    path("mine/", views.my_referrals, name="my_referrals"),
    path("inbox/", views.inbox, name="inbox"),
    path("alerts/<uuid:alert_uuid>/read/", views.alert_read, name="alert_read"),
    path("<uuid:referral_uuid>/", views.referral_detail, name="detail"),
    path("<uuid:referral_uuid>/sent/", views.referral_sent, name="sent"),
    path("<uuid:referral_uuid>/assign/", views.referral_assign, name="assign"),
    path("<uuid:referral_uuid>/<slug:action>/", views.referral_action, name="action"),
]
