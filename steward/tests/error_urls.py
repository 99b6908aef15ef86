"""The site's URLs plus two that fail, so the tests can see the 403 and 500 pages a real failure gets."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from steward.urls import urlpatterns as site_urlpatterns


def refused(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


urlpatterns = [path("test-refused/", refused), path("test-broken/", broken), *site_urlpatterns]
