from django.urls import URLPattern, URLResolver, include, path

from enforcement import views

app_name = "enforcement"

# The case page's enforcement section (mounted under enforcement/): every one is a POST needing WRITE on the case.
urlpatterns: list[URLPattern | URLResolver] = [
    path("review/", include("enforcement.review.urls")),
    path("cases/<str:code>/plan/approve/", views.approve_plan, name="approve_plan"),
    path("cases/<str:code>/plan/notice/", views.record_notice, name="record_notice"),
    path("cases/<str:code>/plan/cancel/", views.cancel_plan, name="cancel_plan"),
    path("cases/<str:code>/plan/add-action/", views.add_action, name="add_action"),
    path("cases/<str:code>/action/remove/", views.remove_action, name="remove_action"),
    path("cases/<str:code>/action/reason/", views.edit_reason, name="edit_reason"),
    path("cases/<str:code>/action/retry/", views.retry_action, name="retry_action"),
    path("cases/<str:code>/action/accept-drift/", views.accept_drift, name="accept_drift"),
]
