from django.urls import URLPattern, URLResolver, path

from mywork import views

app_name = "mywork"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
]
