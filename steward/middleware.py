"""Response headers that every page gets."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from steward.logging import SECRET_PREFIXES

# htmx is served from our own origin, so no third-party sources are needed anywhere.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.user.is_authenticated or request.path.startswith(SECRET_PREFIXES):
            # Confidential pages must not stay in shared caches or the browser's back history.
            response["Cache-Control"] = "no-store"
        return response


# For pages that show a secret, a report or typed text: no caches, no referrer to other sites (not
# "no-referrer": browsers then send `Origin: null` and the page's own forms fail CSRF), no indexing.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Robots-Tag": "noindex, nofollow"}


def private(response: HttpResponse, *, indexable: bool = False) -> HttpResponse:
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    if indexable:
        del response["X-Robots-Tag"]
    return response
