"""Every URL of Steward, plus the bare page the benchmark divides by: the same server, middleware and session,
and a view that does nothing. Served only under steward.benchmark_settings."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

BARE_URL = "/_benchmark/bare/"


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns: list[URLPattern | URLResolver] = [
    path(BARE_URL.strip("/") + "/", bare, name="benchmark_bare"),
    path("", include("steward.urls")),
]
