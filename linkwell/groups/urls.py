from django.urls import path

from . import views

app_name = "groups"
urlpatterns = [
    path("", views.programme_list, name="programmes"),
    path("programmes/<uuid:programme_uuid>/", views.programme_detail, name="programme"),
    path("sessions/<uuid:session_uuid>/", views.session_detail, name="session"),
    path("sessions/<uuid:session_uuid>/book/", views.session_book, name="book"),
    path(
        "sessions/<uuid:session_uuid>/facilitators/", views.session_facilitator, name="facilitator"
    ),
    path("sessions/<uuid:session_uuid>/register/", views.register, name="register"),
    path("sessions/<uuid:session_uuid>/poll-codes/", views.poll_codes, name="poll_codes"),
    path("bookings/<uuid:booking_uuid>/", views.booking_action, name="booking"),
]
