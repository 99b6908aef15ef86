from django.urls import path

from intake import views

app_name = "intake"
urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/on-behalf/", views.report_on_behalf, name="report_on_behalf"),
    path("follow-up/", views.follow_up_start, name="follow_up_start"),
    path("follow-up/<str:reference>/", views.follow_up_page, name="follow_up_page"),
    path("follow-up/<str:reference>/leave/", views.follow_up_leave, name="follow_up_leave"),
    # After the two above: a secret is never "leave" (looks_valid), and the appeal page is matched first (decisions).
    path("follow-up/<str:reference>/<str:secret>/", views.follow_up, name="follow_up"),
]
