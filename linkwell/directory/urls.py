from django.urls import path

from . import views, views_manage

app_name = "directory"
urlpatterns = [
    path("", views.search, name="search"),
    path("services/<str:service_id>/", views.service_detail, name="service"),
    path("manage/", views_manage.listings, name="manage"),
    path("manage/reviews/", views_manage.reviews, name="manage_reviews"),
    path("manage/reviews/<str:change_id>/", views_manage.review_decide, name="manage_decide"),
    path("manage/<str:service_id>/", views_manage.listing_edit_view, name="manage_edit"),
    path("manage/<str:service_id>/verify/", views_manage.listing_verify_view, name="manage_verify"),
]
