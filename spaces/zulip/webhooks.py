"""Zulip outgoing-webhook deliveries (https://zulip.com/api/outgoing-webhooks), in Zulip's own format.

Zulip does not sign its deliveries: each carries the bot's token in the JSON body (`token`), which is
compared in constant time with the `webhook_token` secret. There is no signed timestamp to check for
freshness; replays are refused by the caller through the delivery id, which is the message id (an
outgoing webhook fires once per new message).
"""

from __future__ import annotations

import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from spaces.base import ContentEvent, Inbound, Item, WebhookRefused

# `@**Full Name|12**` (mention), `@_**Full Name|12**` (silent mention, as in quote-and-reply).
MENTION = re.compile(r"@_?\*\*[^*|]*\|(\d+)\*\*")
# Rendered mentions carry the id even when the source text named the person only (`@**Full Name**`).
RENDERED_MENTION = re.compile(r'class="user-mention[^"]*"[^>]*data-user-id="(\d+)"')


def _hash_component(text: str) -> str:
    """Zulip's encoding of one part of a narrow URL: percent-encoding with '.' in place of '%'."""
    return quote(text, safe="").replace(".", "%2E").replace("%", ".")


def message_url(site: str, message: dict[str, Any]) -> str:
    message_id = message.get("id")
    if message.get("type") == "stream" and message.get("stream_id") is not None:
        stream = f"{message['stream_id']}-{_hash_component(str(message.get('display_recipient') or ''))}"
        topic = _hash_component(str(message.get("subject") or message.get("topic") or ""))
        return f"{site}/#narrow/stream/{stream}/topic/{topic}/near/{message_id}"
    return f"{site}/#narrow/near/{message_id}"


def _handles(user_id: Any, email: Any) -> tuple[str, ...]:
    found = [str(value).casefold() for value in (user_id, email) if value not in (None, "")]
    return tuple(dict.fromkeys(found))


def item_from_message(site: str, message: dict[str, Any]) -> Item:
    """An Item for a Zulip message object (as in GET /messages or an outgoing-webhook payload)."""
    content = str(message.get("content") or "")
    addressed = MENTION.findall(content) + RENDERED_MENTION.findall(str(message.get("rendered_content") or ""))
    recipients = message.get("display_recipient")
    if isinstance(recipients, list):  # a direct message: everyone in it besides the sender is addressed
        for person in recipients:
            if isinstance(person, dict) and person.get("id") != message.get("sender_id"):
                addressed.extend(_handles(person.get("id"), person.get("email")))
        thread = "direct message"
    else:
        thread = str(recipients or "")
        topic = message.get("subject") or message.get("topic")
        if topic:
            thread = f"{thread} > {topic}"
    timestamp = message.get("timestamp")
    return Item(
        external_id=str(message.get("id")),
        author=_handles(message.get("sender_id"), message.get("sender_email")),
        text=content,
        url=message_url(site, message),
        created_at=datetime.fromtimestamp(int(timestamp), tz=UTC) if isinstance(timestamp, (int, float)) else None,
        addressed=tuple(dict.fromkeys(str(handle).casefold() for handle in addressed)),
        thread=thread,
        kind="message",
    )


def parse_delivery(raw: bytes, token: str, site: str) -> Inbound:
    """Check the delivery's token and turn its message into a ContentEvent; WebhookRefused for anything else."""
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRefused("The delivery is not valid JSON (is the outgoing webhook set to the Zulip format?).") from None
    if not isinstance(payload, dict):
        raise WebhookRefused("The delivery is not a JSON object.")
    given = payload.get("token")
    if not isinstance(given, str) or not given:
        raise WebhookRefused("The delivery carries no token.", status=403)
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise WebhookRefused("The delivery's token does not match this connection's webhook_token.", status=403)
    message = payload.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("id"), int):
        raise WebhookRefused("The delivery has no message with an id.")
    return Inbound(delivery_id=str(message["id"]), events=(ContentEvent(item_from_message(site, message)),))
