from django.urls import URLPattern, URLResolver, path

from decisions import views

app_name = "decisions"
urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<str:code>/decision/propose/", views.propose, name="propose"),
    path("cases/<str:code>/decision/vote/", views.vote, name="vote"),
    path("cases/<str:code>/decision/withdraw/", views.withdraw, name="withdraw"),
    path("cases/<str:code>/decision/inform/", views.record_inform, name="record_inform"),
    path("cases/<str:code>/decision/response/", views.record_response, name="record_response"),
    path("cases/<str:code>/decision/appeal/", views.decide_appeal, name="decide_appeal"),
    path("follow-up/<str:reference>/<str:secret>/appeal/", views.appeal_reporter, name="appeal_reporter"),
    # Before intake's follow-up/<reference>/<secret>/: "appeal" is never a secret (intake.forms.looks_valid).
    path("follow-up/<str:reference>/appeal/", views.appeal_reporter_page, name="appeal_reporter_page"),
    path("party/<str:token>/appeal/", views.appeal_reported, name="appeal_reported"),
    path("party/open/<int:link>/appeal/", views.appeal_reported_page, name="appeal_reported_page"),
]
