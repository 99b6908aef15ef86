"""A test-only space ("test-hooks") that signs its webhooks like a real platform, and a feed for polling.

Deliveries are JSON, signed with HMAC-SHA256 of the body under the connection's `secret`:

    X-Test-Delivery: <id>
    X-Test-Signature: sha256=<hex>
    {"events": [{"type": "report" | "content" | "moderation" | "odd", ...}], "immediate": {...}}

Its users are GitHub identities (`identity_space`), so the shared personas' handles work. `read` and
`moderation_log` answer from `FEEDS[slug]`, which a test fills (or sets to fail).
"""

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse, JsonResponse

from people.models import Space as IdentitySpace
from spaces.base import (
    ContentEvent,
    Event,
    Handled,
    Inbound,
    Item,
    ModeratorActionEvent,
    NotConfigured,
    ReportEvent,
    Space,
    SpaceError,
    WebhookRefused,
)
from spaces.registry import register
from spaces.secrets import env_name

PLATFORM = "test-hooks"


@dataclass(frozen=True)
class OddEvent:
    """An event type dispatch does not know."""

    what: str


@dataclass
class Feed:
    items: list[Item] = field(default_factory=list)
    log: list[ModeratorActionEvent] = field(default_factory=list)
    fail: SpaceError | Exception | None = None
    asked: list[tuple[str, datetime]] = field(default_factory=list)  # ("read" | "log", since)


FEEDS: dict[str, Feed] = {}


def feed(slug: str) -> Feed:
    return FEEDS.setdefault(slug, Feed())


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _item(data: dict[str, Any]) -> Item:
    created = data.get("created_at")
    return Item(
        external_id=str(data["id"]),
        author=tuple(data.get("author", ())),
        text=str(data.get("text", "")),
        url=str(data.get("url", "")),
        created_at=datetime.fromisoformat(created) if created else None,
        addressed=tuple(data.get("addressed", ())),
        thread=str(data.get("thread", "")),
        kind=str(data.get("kind", "comment")),
    )


def _event(data: dict[str, Any]) -> Event | OddEvent:
    kind = data.get("type")
    if kind == "report":
        item = _item(data["item"]) if data.get("item") else None
        return ReportEvent(tuple(data.get("reporter", ())), item, data.get("note", ""), data.get("reporter_name", ""))
    if kind == "content":
        return ContentEvent(_item(data["item"]))
    if kind == "moderation":
        at = datetime.fromisoformat(data["at"]) if data.get("at") else None
        return ModeratorActionEvent(data["action"], tuple(data.get("actor", ())), tuple(data["subject"]), data.get("detail", ""), at)
    return OddEvent(str(kind))


@register
class HookSpace(Space):
    platform = PLATFORM
    title = "Test hooks"
    identity_space: ClassVar[str] = IdentitySpace.GITHUB
    setting_names = ("team",)
    secret_names = ("secret",)

    def parse_webhook(self, request: HttpRequest) -> Inbound:
        secret = self.secrets.get("secret")
        if not secret:
            raise NotConfigured(f"no signing secret configured: set {env_name(self.connection.slug, 'secret')}")
        given = request.headers.get("X-Test-Signature", "")
        if not hmac.compare_digest(given, sign(secret, request.body)):
            raise WebhookRefused("bad signature", status=401)
        delivery = request.headers.get("X-Test-Delivery", "")
        if not delivery:
            raise WebhookRefused("no delivery id")
        try:
            payload = json.loads(request.body)
            events = tuple(_event(item) for item in payload.get("events", []))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise WebhookRefused("malformed payload") from None
        return Inbound(delivery_id=delivery, events=events, immediate=payload.get("immediate"))  # type: ignore[arg-type]

    def webhook_response(self, inbound: Inbound, handled: list[Handled]) -> HttpResponse:
        reports = [{"reference": item.report_reference, "follow_up": item.follow_up_url} for item in handled if item.report_reference]
        if reports:
            return JsonResponse({"reports": reports})
        return super().webhook_response(inbound, handled)

    def read(self, since: datetime) -> Iterator[Item]:
        source = feed(self.connection.slug)
        source.asked.append(("read", since))
        if source.fail is not None:
            raise source.fail
        return iter([item for item in source.items if item.created_at is None or item.created_at >= since])

    def moderation_log(self, since: datetime) -> Iterator[ModeratorActionEvent]:
        source = feed(self.connection.slug)
        source.asked.append(("log", since))
        if source.fail is not None:
            raise source.fail
        return iter([event for event in source.log if event.at is None or event.at >= since])
