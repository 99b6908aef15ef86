from django.urls import URLPattern, URLResolver, path

from clocks import views

app_name = "clocks"
urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<str:code>/clocks/target/", views.set_target, name="set_target"),
    path("cases/<str:code>/clocks/measures/", views.take_measure, name="take_measure"),
    path("cases/<str:code>/clocks/measures/review/", views.review_measure, name="review_measure"),
]
