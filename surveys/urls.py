from django.urls import URLPattern, URLResolver, path

from surveys import views

app_name = "surveys"
urlpatterns: list[URLPattern | URLResolver] = [
    # Before intake's follow-up/<reference>/<secret>/: "survey" is never a secret (intake.forms.looks_valid).
    path("follow-up/<str:reference>/survey/", views.reporter_survey, name="reporter_survey"),
    path("party/open/<int:link>/survey/", views.reported_survey, name="reported_survey"),
    path("surveys/", views.results, name="results"),
]
