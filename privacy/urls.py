from django.urls import URLPattern, URLResolver, path

from privacy import views

app_name = "privacy"
urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<str:code>/legal-hold/", views.legal_hold, name="legal_hold"),
    path("cases/<str:code>/expunge/", views.expunge, name="expunge"),
    path("requests/", views.requests, name="requests"),
    path("requests/new/", views.open_request, name="open_request"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/export/", views.request_export, name="request_export"),
    path("requests/<int:pk>/complete/", views.complete_request, name="request_complete"),
]
