"""The calls Steward makes to Zulip's REST API (https://zulip.com/api/), and nothing else.

Zulip takes its parameters form-encoded (query string for GET), with lists and objects as JSON text, and
answers JSON with `result` ("success" or "error"), `msg` and, for errors, a machine-readable `code`.
Every answer is turned into data or into one of the interface's failures in `ZulipClient._call`, so the
space never sees an HTTP status.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from spaces.base import PermanentFailure, TemporaryFailure

TIMEOUT = httpx.Timeout(20.0, connect=5.0)


class ZulipRefused(PermanentFailure):
    """Zulip answered with an error. `code` is Zulip's error code; `zulip_msg` its own (translated) words."""

    def __init__(self, message: str, *, status: int, code: str, zulip_msg: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.zulip_msg = zulip_msg


def _encode(params: Mapping[str, Any]) -> dict[str, str]:
    """Zulip's wire format: lists and objects as JSON text, booleans as JSON literals."""
    encoded = {}
    for key, value in params.items():
        if isinstance(value, (list, dict, tuple, bool)):
            encoded[key] = json.dumps(value)
        else:
            encoded[key] = str(value)
    return encoded


def _seconds(value: Any) -> float | None:
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return None


class ZulipClient:
    PAGE_SIZE = 100  # messages per GET /messages request; Zulip allows up to 5000

    def __init__(self, site: str, email: str, api_key: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self.site = site.rstrip("/")
        self._email = email
        self._api_key = api_key
        self._transport = transport
        self._http: httpx.Client | None = None

    def http(self) -> httpx.Client:
        # One client (connection pool, TLS context) per ZulipClient: making them per request is slow.
        if self._http is None:
            self._http = httpx.Client(
                base_url=f"{self.site}/api/v1", auth=(self._email, self._api_key), timeout=TIMEOUT, transport=self._transport
            )
        return self._http

    # The one place HTTP results become data or failures ---------------------------------------

    def _call(self, method: str, path: str, what: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        form = _encode(params or {})
        try:
            # GET parameters go in the query string, all others form-encoded in the body (DELETE too).
            query, body = (form, None) if method == "GET" else (None, form)
            response = self.http().request(method, path, params=query, data=body)
        except httpx.TimeoutException:
            raise TemporaryFailure(f"Zulip at {self.site} did not answer in time while {what}.") from None
        except httpx.TransportError as error:
            raise TemporaryFailure(f"Could not reach Zulip at {self.site} while {what} ({type(error).__name__}).") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        status = response.status_code
        zulip_msg = str(body.get("msg") or response.reason_phrase)
        code = str(body.get("code") or "")
        if status == 429 or code == "RATE_LIMIT_HIT":
            # The body's `retry-after` is the documented one; the header carries the same number.
            retry_after = _seconds(body.get("retry-after"))
            if retry_after is None:
                retry_after = _seconds(response.headers.get("Retry-After"))
            raise TemporaryFailure(f"Zulip's rate limit was hit while {what}.", retry_after=retry_after)
        if status >= 500:
            raise TemporaryFailure(
                f"Zulip had a server error ({status}) while {what}.", retry_after=_seconds(response.headers.get("Retry-After"))
            )
        if status == 401:
            raise ZulipRefused(
                f"Zulip refused the bot's credentials while {what} ({zulip_msg}): check the bot_email and api_key secrets.",
                status=status,
                code=code,
                zulip_msg=zulip_msg,
            )
        if status >= 400 or body.get("result") != "success":
            hint = ""
            if code == "UNAUTHORIZED_PRINCIPAL" or "administrator" in zulip_msg or "owner" in zulip_msg:
                hint = " Steward's bot must be an organization administrator (owners can only be changed by an owner)."
            raise ZulipRefused(f"Zulip refused {what}: {zulip_msg}.{hint}", status=status, code=code, zulip_msg=zulip_msg)
        return body

    # Users ---------------------------------------------------------------------------------------

    def user(self, key: str | int) -> dict[str, Any]:
        """GET /users/{user_id} or GET /users/{email}: one user, deactivated ones included (`is_active`)."""
        body = self._call("GET", f"/users/{quote(str(key), safe='@')}", f"looking up the user {key}")
        return dict(body["user"])

    def deactivate_user(self, user_id: int) -> None:
        self._call("DELETE", f"/users/{user_id}", f"deactivating the user {user_id}")

    def reactivate_user(self, user_id: int) -> None:
        self._call("POST", f"/users/{user_id}/reactivate", f"reactivating the user {user_id}")

    # Messages ------------------------------------------------------------------------------------

    def message(self, message_id: int) -> dict[str, Any] | None:
        """The message, or None when Zulip says it does not exist (deleted, or never visible to the bot)."""
        try:
            body = self._call("GET", f"/messages/{message_id}", f"fetching the message {message_id}", {"apply_markdown": False})
        except ZulipRefused as error:
            if error.status == 400 and error.code == "BAD_REQUEST":  # "Invalid message(s)"
                return None
            raise
        return dict(body["message"])

    def delete_message(self, message_id: int) -> bool:
        """False when the message was already gone."""
        try:
            self._call("DELETE", f"/messages/{message_id}", f"deleting the message {message_id}")
        except ZulipRefused as error:
            if error.status == 400 and error.code == "BAD_REQUEST" and self.message(message_id) is None:
                return False
            raise
        return True

    def messages(self, stream: str, *, anchor: str | int, num_before: int) -> tuple[list[dict[str, Any]], bool]:
        """Up to `num_before` messages of a stream before the anchor (excluded), oldest first, and `found_oldest`."""
        params: dict[str, Any] = {
            "anchor": anchor,
            "num_before": num_before,
            "num_after": 0,
            # "stream" rather than "channel": every Zulip version understands it (channel came in 9.0).
            "narrow": [{"operator": "stream", "operand": stream}],
            "apply_markdown": False,
        }
        if anchor != "newest":
            params["include_anchor"] = False
        body = self._call("GET", "/messages", f"reading the stream #{stream}", params)
        return [dict(item) for item in body.get("messages", [])], bool(body.get("found_oldest"))

    def send_stream_message(self, stream: str, topic: str, content: str) -> int:
        """POST /messages to a stream (a channel, in Zulip's newer words) under a topic; returns the message id."""
        params = {"type": "stream", "to": stream, "topic": topic, "content": content}
        body = self._call("POST", "/messages", f"posting in the stream #{stream}", params)
        return int(body["id"])

    def send_direct_message(self, user_ids: Sequence[int], content: str) -> int:
        """POST /messages of type "direct" (Zulip 7.0; "private" before, which Zulip still takes) to these users."""
        params = {"type": "direct", "to": list(user_ids), "content": content}
        body = self._call("POST", "/messages", "sending a direct message", params)
        return int(body["id"])

    # Streams and subscriptions ---------------------------------------------------------------------

    def stream_id(self, name: str) -> int:
        body = self._call("GET", "/get_stream_id", f"looking up the stream #{name}", {"stream": name})
        return int(body["stream_id"])

    def is_subscribed(self, user_id: int, stream_id: int) -> bool:
        body = self._call("GET", f"/users/{user_id}/subscriptions/{stream_id}", f"checking whether user {user_id} is in stream {stream_id}")
        return bool(body["is_subscribed"])

    def unsubscribe(self, user_id: int, streams: Sequence[str]) -> list[str]:
        """The streams the user was actually removed from."""
        body = self._call(
            "DELETE",
            "/users/me/subscriptions",
            f"unsubscribing the user {user_id}",
            # Unsubscribing takes plain stream names; subscribing takes objects with a "name".
            {"subscriptions": list(streams), "principals": [user_id]},
        )
        return [str(name) for name in body.get("removed", [])]

    def subscribe(self, user_id: int, streams: Sequence[str]) -> None:
        self._call(
            "POST",
            "/users/me/subscriptions",
            f"subscribing the user {user_id}",
            {"subscriptions": [{"name": name} for name in streams], "principals": [user_id]},
        )
