"""Included by enforcement.urls under review/ (names in the `enforcement` namespace)."""

from django.urls import URLPattern, URLResolver, path

from enforcement.review import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("moderator-actions/", views.moderator_actions, name="moderator_actions"),
    path("moderator-actions/review/", views.review_moderator_action, name="review_moderator_action"),
    path("cases/<str:code>/no-contact/reviewed/", views.watch_alert_reviewed, name="watch_alert_reviewed"),
]
