"""Slack's signed requests: the Events API (JSON) and interactivity (a form with a `payload` JSON field).

Slack signs both the same way: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{raw body}">` with the
app's signing secret, and `X-Slack-Request-Timestamp`. Anything unsigned, wrongly signed, older than five minutes
or not well-formed is refused before a single field of it is believed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from spaces.base import ContentEvent, ContentRemovedEvent, Event, Inbound, Item, ReportEvent, WebhookRefused
from spaces.slack import messages

if TYPE_CHECKING:
    from django.http import HttpRequest

FRESHNESS = 5 * 60  # seconds; Slack's own advice, and what keeps a captured request from being replayed later
REPORT_CALLBACK = "report_message"  # the callback id of the "Report to the stewards" message shortcut


@dataclass(frozen=True)
class SlackInbound(Inbound):
    """An Inbound that remembers where to answer the person who used a shortcut (only they see the answer)."""

    response_url: str = ""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def verified_body(request: HttpRequest, secret: str, now: float | None = None) -> bytes:
    signature = request.headers.get("X-Slack-Signature", "")
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    if not signature or not timestamp:
        raise WebhookRefused("The request carries no Slack signature.", status=401)
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookRefused("The Slack request timestamp is not a number.", status=401) from None
    if abs((now if now is not None else time.time()) - sent_at) > FRESHNESS:
        raise WebhookRefused("The Slack request is more than 5 minutes old (or from the future); refused as a possible replay.", status=401)
    body = request.body
    if not hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode()):
        raise WebhookRefused("The Slack signature does not match the signing secret.", status=401)
    return body


def _json_object(raw: bytes | str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRefused(f"The {what} is not valid JSON.") from None
    if not isinstance(data, dict):
        raise WebhookRefused(f"The {what} is not a JSON object.")
    return data


def parse(request: HttpRequest, secret: str, *, team_id: str = "", workspace_url: str = "") -> SlackInbound:
    body = verified_body(request, secret)
    delivery = "sha256:" + hashlib.sha256(body).hexdigest()  # stable for the same signed body: a replay is recognised
    if request.content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(body.decode(), strict_parsing=True)
        except (ValueError, UnicodeDecodeError):
            raise WebhookRefused("The interactivity request is not a well-formed form.") from None
        if not form.get("payload"):
            raise WebhookRefused("The interactivity request has no payload field.")
        payload = _json_object(form["payload"][0], "interactivity payload")
        _same_workspace(team_id, str((payload.get("team") or {}).get("id") or ""))
        return _interaction(payload, delivery, workspace_url)
    envelope = _json_object(body, "Events API request")
    if envelope.get("type") == "url_verification":
        challenge = envelope.get("challenge")
        if not isinstance(challenge, str) or not challenge:
            raise WebhookRefused("The url_verification request has no challenge.")
        return SlackInbound(delivery_id=delivery, immediate={"challenge": challenge})
    _same_workspace(team_id, str(envelope.get("team_id") or ""))
    if envelope.get("type") != "event_callback":
        return SlackInbound(delivery_id=delivery)  # e.g. app_rate_limited: nothing to act on
    event_id, event = envelope.get("event_id"), envelope.get("event")
    if not isinstance(event_id, str) or not event_id or not isinstance(event, dict):
        raise WebhookRefused("The event_callback has no event_id or no event.")
    found = _message_event(event, workspace_url)
    return SlackInbound(delivery_id=event_id, events=(found,) if found else ())


def _same_workspace(expected: str, sent: str) -> None:
    if expected and sent and sent.upper() != expected.upper():
        raise WebhookRefused(f"The request is for Slack workspace {sent}, not the connected workspace {expected}.", status=403)


def _message_event(event: Mapping[str, Any], workspace_url: str) -> Event | None:
    """New messages (with a file or not), thread replies sent to the channel, and edits, when a person wrote them;
    deletions."""
    if event.get("type") != "message" or not event.get("channel"):
        return None
    message: Mapping[str, Any] = event
    if event.get("subtype") == "message_deleted" and event.get("deleted_ts"):
        # Slack does not say who deleted it (its author or an admin): screening marks its item (screening.removals).
        channel, deleted_ts = str(event["channel"]), str(event["deleted_ts"])
        return ContentRemovedEvent(f"{channel}/{deleted_ts}", at=messages.created_at(str(event.get("ts") or deleted_ts)))
    if event.get("subtype") == "message_changed":
        inner = event.get("message")
        if not isinstance(inner, Mapping):
            return None
        message = _edited_message(inner, event.get("previous_message"))
    if not messages.written_by_a_person(message) or not message.get("ts"):
        return None
    return ContentEvent(messages.item(message, str(event["channel"]), workspace_url))


def _edited_message(inner: Mapping[str, Any], previous: Any) -> Mapping[str, Any]:
    """The edited message, named by its own ts. Slack's published shape puts it in `message.ts`; a delivery whose
    `message` lacks it still names the same message in `previous_message.ts`. The event's outer `ts` is the edit's
    own time, never the message's, so it is not used."""
    if inner.get("ts") or not isinstance(previous, Mapping) or not previous.get("ts"):
        return inner
    restored = {**inner, "ts": previous["ts"]}
    for key in ("user", "thread_ts", "parent_user_id"):  # the author and thread do not change with an edit
        if not restored.get(key) and previous.get(key):
            restored[key] = previous[key]
    return restored


def _interaction(payload: Mapping[str, Any], delivery: str, workspace_url: str) -> SlackInbound:
    if payload.get("type") != "message_action" or payload.get("callback_id") != REPORT_CALLBACK:
        return SlackInbound(delivery_id=delivery)  # another app feature; nothing for the stewards
    user, channel, message = payload.get("user"), payload.get("channel"), payload.get("message")
    if not isinstance(user, Mapping) or not user.get("id") or not isinstance(channel, Mapping) or not isinstance(message, Mapping):
        raise WebhookRefused("The message shortcut payload lacks its user, channel or message.")
    domain = str((payload.get("team") or {}).get("domain") or "")
    link_base = workspace_url or (f"https://{domain}.slack.com" if domain else "")
    reported: Item = messages.item(message, str(channel.get("id", "")), link_base)
    report = ReportEvent(reporter=(str(user["id"]).casefold(),), item=reported, reporter_name=str(user.get("name") or ""))
    return SlackInbound(delivery_id=delivery, events=(report,), response_url=str(payload.get("response_url") or ""))
