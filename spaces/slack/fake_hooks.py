"""Signed Slack deliveries for tests, built and signed exactly as Slack builds and signs them (mixed into FakeSlack)."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from spaces.slack.webhooks import REPORT_CALLBACK, sign


class Delivery:
    """A request body and its headers, ready for `RequestFactory().post(path, data=body, content_type=..., headers=...)`."""

    def __init__(self, body: bytes, headers: dict[str, str], content_type: str) -> None:
        self.body, self.headers, self.content_type = body, headers, content_type


class SlackDeliveries:
    team_id: str
    domain: str

    @staticmethod
    def signed(body: bytes, secret: str, content_type: str, *, timestamp: int | None = None) -> Delivery:
        sent_at = str(int(time.time()) if timestamp is None else timestamp)
        headers = {"X-Slack-Request-Timestamp": sent_at, "X-Slack-Signature": sign(secret, sent_at, body)}
        return Delivery(body, headers, content_type)

    # Events API ------------------------------------------------------------------------------------

    def event(self, event: dict[str, Any], secret: str, *, event_id: str = "Ev0STEWARD1", timestamp: int | None = None) -> Delivery:
        envelope = {
            "token": "deprecated-verification-token",
            "team_id": self.team_id,
            "api_app_id": "A0STEWARD",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team_id, "user_id": "UBOTSTEWARD", "is_bot": True}],
        }
        return self.signed(json.dumps(envelope).encode(), secret, "application/json", timestamp=timestamp)

    def url_verification(self, challenge: str, secret: str) -> Delivery:
        body = {"token": "deprecated-verification-token", "challenge": challenge, "type": "url_verification"}
        return self.signed(json.dumps(body).encode(), secret, "application/json")

    @staticmethod
    def message_event(
        channel: str, user: str, text: str, ts: str, *, thread_ts: str = "", parent_user_id: str = "", subtype: str = "", **extra: Any
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "channel",
            **extra,
        }
        if subtype:
            event["subtype"] = subtype
        if thread_ts:
            event.update(thread_ts=thread_ts, parent_user_id=parent_user_id)
        return event

    @staticmethod
    def edited_event(channel: str, user: str, new_text: str, ts: str, old_text: str = "") -> dict[str, Any]:
        return {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": channel,
            "ts": f"{int(float(ts)) + 60}.000200",
            "event_ts": f"{int(float(ts)) + 60}.000200",
            "message": {
                "type": "message",
                "user": user,
                "text": new_text,
                "ts": ts,
                "edited": {"user": user, "ts": f"{int(float(ts)) + 60}.000000"},
            },
            "previous_message": {"type": "message", "user": user, "text": old_text, "ts": ts},
        }

    @staticmethod
    def deleted_event(channel: str, deleted: dict[str, Any], deleted_at: str) -> dict[str, Any]:
        """The `message` event of subtype `message_deleted` (docs.slack.dev/reference/events/message/message_deleted).

        Slack names the deleted message's ts and, in `previous_message`, its author, but never who deleted it.
        """
        return {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": channel,
            "ts": deleted_at,
            "deleted_ts": deleted["ts"],
            "event_ts": deleted_at,
            "channel_type": "channel",
            "previous_message": {key: deleted[key] for key in ("type", "user", "text", "ts") if key in deleted},
        }

    # Interactivity ---------------------------------------------------------------------------------

    def message_shortcut(
        self,
        secret: str,
        *,
        reporter: str,
        reporter_name: str,
        channel: str,
        message: dict[str, Any],
        response_url: str,
        callback_id: str = REPORT_CALLBACK,
        timestamp: int | None = None,
    ) -> Delivery:
        payload = {
            "type": "message_action",
            "token": "deprecated-verification-token",
            "action_ts": f"{int(time.time())}.123456",
            "team": {"id": self.team_id, "domain": self.domain},
            "user": {"id": reporter, "name": reporter_name, "username": reporter_name, "team_id": self.team_id},
            "channel": {"id": channel, "name": "general-chat"},
            "callback_id": callback_id,
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
            "message_ts": message.get("ts", ""),
            "message": message,
            "response_url": response_url,
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.signed(body, secret, "application/x-www-form-urlencoded", timestamp=timestamp)
