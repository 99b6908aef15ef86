"""Response headers that every page gets, a clear answer to a form body Django cannot read, and HEAD without a body."""

import codecs
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

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


class HeadWithoutBodyMiddleware:
    """HEAD gets GET's status and headers (Content-Length included) and no body (RFC 9110, 9.3.2).

    Django leaves that to the server, and gunicorn sends whatever body the application returns: on a kept-alive
    connection the client then reads the page as the next response's status line. First in MIDDLEWARE, so it
    sees every answer, WhiteNoise's included, after CommonMiddleware has set the length.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                # A file being streamed (evidence, a static file) is not read; it stays among the response's
                # closers, so the handler still closes it.
                response.streaming_content = []  # type: ignore[attr-defined]  # a StreamingHttpResponse here
            else:
                response.content = b""
        return response


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


class FormCharsetMiddleware:
    """A form body (application/x-www-form-urlencoded) in any charset but UTF-8 gets a plain 400 here.

    Django reads such bodies only as UTF-8 and raises BadRequest otherwise; but its error pages re-run
    the CSRF check, which reads the body again and raises again, so every POST answered 500. This
    answers before anything reads the body. A charset Python does not know Django ignores (it reads
    UTF-8), and aliases of UTF-8 ("utf8") are read as UTF-8.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = (request.content_params or {}).get("charset", "") if request.content_type == "application/x-www-form-urlencoded" else ""
        if request.method == "POST" and charset:
            try:
                codec = codecs.lookup(charset).name
            except LookupError:
                codec = "utf-8"
            if codec != "utf-8":
                message = _("This form was sent in a character set Steward cannot read. Forms are read in UTF-8 only.")
                return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
            request.encoding = "utf-8"
        return self.get_response(request)


# For pages that show a secret, a report or typed text: no caches, no referrer to other sites (not
# "no-referrer": browsers then send `Origin: null` and the page's own forms fail CSRF), no indexing.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Robots-Tag": "noindex, nofollow"}


def private(response: HttpResponse, *, indexable: bool = False) -> HttpResponse:
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    if indexable:
        del response["X-Robots-Tag"]
    return response
