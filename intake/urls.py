from django.urls import path

from intake import views

app_name = "intake"
urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/on-behalf/", views.report_on_behalf, name="report_on_behalf"),
    path("follow-up/", views.follow_up_start, name="follow_up_start"),
    path("follow-up/<str:reference>/<str:secret>/", views.follow_up, name="follow_up"),
]
