from django.urls import URLPattern, URLResolver, path

from spaces import views

app_name = "spaces"

urlpatterns: list[URLPattern | URLResolver] = [
    path("hooks/<slug:slug>/", views.webhook, name="webhook"),
]
