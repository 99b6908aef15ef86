from django.urls import path

from policy import embed, views

app_name = "policy"
urlpatterns = [
    path("", views.home, name="home"),
    path("code-of-conduct/", views.code_of_conduct, name="code_of_conduct"),
    path("how-to-report/", views.how_to_report, name="how_to_report"),
    path("how-to-report/<slug:space>/", views.space_note, name="space_note"),
    path("how-to-report/<slug:space>/badge.svg", embed.space_badge, name="space_badge"),
    path("what-happens-next/", views.what_happens_next, name="what_happens_next"),
    path("stewards/", views.stewards, name="stewards"),
]
