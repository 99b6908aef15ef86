"""The webhook endpoint every space delivers to: `POST /spaces/hooks/<slug>/`.

No session, no CSRF token (the platform signs its deliveries instead, and the space checks that in
`parse_webhook`). Whatever is refused is refused with a short plain answer and one log line that
names the connection and the reason: never the body, never a header, never a secret.

The caller is anonymous: what is wrong on Steward's side (a connection without its secret or
setting) is for the operator's log only, with the variable to set; the caller gets a bare 404, as
if there were no such connection, and learns nothing of the configuration.
"""

import logging
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from spaces.base import NotConfigured, PermanentFailure, Space, WebhookRefused
from spaces.inbound import Replayed, receive
from spaces.models import SpaceConnection
from spaces.registry import space_for

logger = logging.getLogger("steward.spaces")

NOT_FOUND = "Not found."
DUPLICATE = "Already taken."


def _refuse(
    connection: SpaceConnection, status: int, reason: str, message: str | None = None, level: int = logging.WARNING
) -> HttpResponse:
    logger.log(level, 'webhook refused: connection=%s status=%s reason="%s"', connection.slug, status, reason)
    response = HttpResponse(message or reason, status=status, content_type="text/plain; charset=utf-8")
    # The line above is the one log line for this refusal; Django would add its own "Bad Request: ..." line.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _printable(text: str) -> str:
    """A delivery id as the platform sent it, but safe for a log line (no line breaks, no quotes)."""
    return re.sub(r"[^A-Za-z0-9._:@-]", "?", text)[:80]


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _body_limit(space: Space) -> int:
    return space.webhook_max_bytes or settings.STEWARD_WEBHOOK_MAX_BYTES


def _read_body(request: HttpRequest, limit: int) -> bool:
    """Read the body under this platform's limit rather than Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB, sized
    for forms): GitHub sends up to 25 MB. False when the body is over the limit (a declared length, or what arrives)."""
    if _declared_length(request) > limit:
        return False
    body = request.read(limit + 1)
    # `request.body` is what every space's parser reads; set here, Django does not check its own limit again.
    request._body = body
    return len(body) <= limit


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, slug: str) -> HttpResponse:
    connection = SpaceConnection.objects.filter(slug=slug, enabled=True).first()
    if connection is None:
        # The same bare answer as a connection that cannot take this delivery, so callers cannot tell the two apart.
        return HttpResponse(NOT_FOUND, status=404, content_type="text/plain; charset=utf-8")
    try:
        space = space_for(connection)
        # Each platform's largest delivery is the limit; anything bigger is refused before it is read.
        if not _read_body(request, _body_limit(space)):
            return _refuse(connection, 413, "body too large")
        inbound = space.parse_webhook(request)
    except NotConfigured as error:
        return _refuse(connection, 404, f"not configured: {error.message}", NOT_FOUND, level=logging.ERROR)
    except PermanentFailure as error:
        return _refuse(connection, 404, error.message, NOT_FOUND)
    except WebhookRefused as refused:
        if refused.status >= 500:  # a fault on this side, whatever the space calls it: the operator's to know
            return _refuse(connection, 404, f"not configured: {refused.reason}", NOT_FOUND, level=logging.ERROR)
        # A 404 looks the same whatever the reason (a platform without webhooks): the caller learns nothing of the setup.
        return _refuse(connection, refused.status, refused.reason, NOT_FOUND if refused.status == 404 else None)
    except RequestDataTooBig:
        return _refuse(connection, 413, "body too large")
    if not inbound.delivery_id:
        # Without an id a replay cannot be recognised: such a delivery is never taken.
        return _refuse(connection, 400, "no delivery id")
    try:
        handled = receive(connection, inbound)
    except Replayed:
        # A genuine delivery (its signature was checked above) already taken: the platform's retry after a slow or
        # lost answer (Slack's X-Slack-Retry-Num, GitHub's redelivery with the same X-GitHub-Delivery). It changes
        # nothing, and it is answered 2xx: Slack counts any other answer as a failure and switches the app's
        # events off after repeated ones.
        logger.info(
            "webhook duplicate: connection=%s delivery=%s retry=%s",
            connection.slug,
            _printable(inbound.delivery_id),
            _printable(request.headers.get("X-Slack-Retry-Num", "") or "-"),
        )
        return HttpResponse(DUPLICATE, status=200, content_type="text/plain; charset=utf-8")
    logger.info(
        "webhook accepted: connection=%s delivery=%s events=%d", connection.slug, _printable(inbound.delivery_id), len(inbound.events)
    )
    return space.webhook_response(inbound, handled)
