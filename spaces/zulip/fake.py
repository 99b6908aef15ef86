"""A stateful imitation of the part of Zulip's REST API that Steward uses, for the tests.

It remembers users (active or not), streams, subscriptions and messages; answers in Zulip's shapes
(`{"result": "success", "msg": "", ...}` and `{"result": "error", "msg": ..., "code": ...}` with the
documented status codes); checks HTTP basic authentication (bot e-mail and API key); and holds each
endpoint to its documented request shape (`ENDPOINTS`, from https://zulip.com/api/ and zerver/openapi/zulip.yaml),
refusing a request that breaks it the way Zulip does: a missing parameter is REQUEST_VARIABLE_MISSING,
a value that is not the documented JSON is BAD_REQUEST. Zulip itself ignores unknown parameters (it lists
them in `ignored_parameters_unsupported`); the fake refuses them, so a client sending a parameter Zulip
would silently drop fails the tests instead of believing it took effect.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx

from spaces.fakes import Call, FakePlatform, Injected
from spaces.zulip.webhooks import MENTION

Validator = Callable[[Any], bool]


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _named_objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) and isinstance(item.get("name"), str) for item in value)


def _principals(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, (int, str)) and not isinstance(item, bool) for item in value)


def _narrow(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) and {"operator", "operand"} <= set(item) for item in value)


def _boolean(value: Any) -> bool:
    return isinstance(value, bool)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _anchor(value: Any) -> bool:
    return _integer(value) or value in ("newest", "oldest", "first_unread")


@dataclass(frozen=True)
class Shape:
    """One endpoint's documented request: required and optional parameters; JSON-typed ones with their check."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    json: dict[str, Validator] = field(default_factory=dict)
    admin: bool = False  # organization administrators only
    doc: str = ""


ENDPOINTS: dict[tuple[str, str], Shape] = {
    ("GET", "/users/{user_id_or_email}"): Shape(
        optional=("client_gravatar", "include_custom_profile_fields"),
        json={"client_gravatar": _boolean, "include_custom_profile_fields": _boolean},
        doc="https://zulip.com/api/get-user, https://zulip.com/api/get-user-by-email",
    ),
    ("DELETE", "/users/{user_id}"): Shape(
        optional=("deactivation_notification_comment",), admin=True, doc="https://zulip.com/api/deactivate-user"
    ),
    ("POST", "/users/{user_id}/reactivate"): Shape(admin=True, doc="https://zulip.com/api/reactivate-user"),
    ("GET", "/messages/{message_id}"): Shape(
        optional=("apply_markdown", "allow_empty_topic_name"),
        json={"apply_markdown": _boolean, "allow_empty_topic_name": _boolean},
        doc="https://zulip.com/api/get-message",
    ),
    ("DELETE", "/messages/{message_id}"): Shape(admin=True, doc="https://zulip.com/api/delete-message"),
    ("GET", "/messages"): Shape(
        required=("num_before", "num_after"),
        optional=("anchor", "include_anchor", "narrow", "client_gravatar", "apply_markdown", "use_first_unread_anchor"),
        json={
            "num_before": _integer,
            "num_after": _integer,
            "anchor": _anchor,
            "include_anchor": _boolean,
            "narrow": _narrow,
            "client_gravatar": _boolean,
            "apply_markdown": _boolean,
        },
        doc="https://zulip.com/api/get-messages",
    ),
    ("POST", "/messages"): Shape(
        required=("type", "to", "content"),
        optional=("topic", "queue_id", "local_id", "read_by_sender"),
        json={"read_by_sender": _boolean},
        doc="https://zulip.com/api/send-message",
    ),
    ("GET", "/get_stream_id"): Shape(required=("stream",), doc="https://zulip.com/api/get-stream-id"),
    ("GET", "/users/{user_id}/subscriptions/{stream_id}"): Shape(doc="https://zulip.com/api/get-subscription-status"),
    ("DELETE", "/users/me/subscriptions"): Shape(
        required=("subscriptions",),
        optional=("principals",),
        # Plain names here (objects are refused by Zulip), unlike POST.
        json={"subscriptions": _strings, "principals": _principals},
        admin=True,
        doc="https://zulip.com/api/unsubscribe",
    ),
    ("POST", "/users/me/subscriptions"): Shape(
        required=("subscriptions",),
        optional=("principals", "authorization_errors_fatal", "announce", "invite_only", "is_web_public", "history_public_to_subscribers"),
        json={
            "subscriptions": _named_objects,
            "principals": _principals,
            "authorization_errors_fatal": _boolean,
            "announce": _boolean,
            "invite_only": _boolean,
            "is_web_public": _boolean,
            "history_public_to_subscribers": _boolean,
        },
        admin=True,
        doc="https://zulip.com/api/subscribe",
    ),
}


@dataclass
class FakeUser:
    user_id: int
    email: str
    full_name: str
    is_active: bool = True
    role: int = 400  # 100 owner, 200 administrator, 400 member


@dataclass
class FakeMessage:
    id: int
    sender_id: int
    stream_id: int
    topic: str
    content: str
    timestamp: int
    recipients: tuple[int, ...] = ()  # a direct message's people, sender included (stream_id is then 0)


class FakeZulip(FakePlatform):
    API = "/api/v1"

    def __init__(self, *, bot_email: str = "steward-bot@chat.example.org", api_key: str = "fake-zulip-api-key", admin: bool = True) -> None:
        super().__init__()
        self.bot_email = bot_email
        self.api_key = api_key
        self.admin = admin
        self.users: dict[int, FakeUser] = {}
        self.streams: dict[int, str] = {}
        self.subscriptions: set[tuple[int, int]] = set()
        self.messages: dict[int, FakeMessage] = {}
        self._ids = itertools.count(10)
        self.refused: list[tuple[Call, str]] = []  # requests that broke the documented shape, with Zulip's message
        self.bot_id = self.add_user(bot_email, "Steward", role=200)
        self._checked("GET", r"/users/(?P<key>[^/]+)", ("GET", "/users/{user_id_or_email}"), self._get_user)
        self._checked("DELETE", r"/users/(?P<user_id>\d+)", ("DELETE", "/users/{user_id}"), self._deactivate)
        self._checked("POST", r"/users/(?P<user_id>\d+)/reactivate", ("POST", "/users/{user_id}/reactivate"), self._reactivate)
        self._checked("GET", r"/messages/(?P<message_id>\d+)", ("GET", "/messages/{message_id}"), self._get_message)
        self._checked("DELETE", r"/messages/(?P<message_id>\d+)", ("DELETE", "/messages/{message_id}"), self._delete_message)
        self._checked("GET", r"/messages", ("GET", "/messages"), self._get_messages)
        self._checked("POST", r"/messages", ("POST", "/messages"), self._send_message)
        self._checked("GET", r"/get_stream_id", ("GET", "/get_stream_id"), self._get_stream_id)
        self._checked(
            "GET",
            r"/users/(?P<user_id>\d+)/subscriptions/(?P<stream_id>\d+)",
            ("GET", "/users/{user_id}/subscriptions/{stream_id}"),
            self._subscription_status,
        )
        self._checked("DELETE", r"/users/me/subscriptions", ("DELETE", "/users/me/subscriptions"), self._unsubscribe)
        self._checked("POST", r"/users/me/subscriptions", ("POST", "/users/me/subscriptions"), self._subscribe)

    # Zulip's answers ------------------------------------------------------------------------------

    def success(self, **data: Any) -> httpx.Response:
        return self.reply(200, {"result": "success", "msg": "", **data})

    def error(
        self, msg: str, code: str = "BAD_REQUEST", status: int = 400, headers: dict[str, str] | None = None, **data: Any
    ) -> httpx.Response:
        return self.reply(status, {"result": "error", "msg": msg, "code": code, **data}, headers)

    def not_found(self, call: Call) -> httpx.Response:
        return self.error("Not Found", status=404)

    def rate_limited(self, retry_after: float = 1.0) -> Injected:
        body = {"result": "error", "msg": "API usage exceeded rate limit", "code": "RATE_LIMIT_HIT", "retry-after": retry_after}
        return Injected(429, body, {"Retry-After": str(retry_after), "X-RateLimit-Remaining": "0"})

    # Authentication and the documented request shapes -----------------------------------------------

    def _checked(self, method: str, pattern: str, endpoint: tuple[str, str], handler: Callable[..., httpx.Response]) -> None:
        shape = ENDPOINTS[endpoint]

        def checked(call: Call, **groups: str) -> httpx.Response:
            refused = self._authenticate(call)
            if refused is not None:
                return refused
            params, refused = self._params(call, shape)
            if refused is not None:
                self.refused.append((call, refused.json()["msg"]))
                return refused
            if shape.admin and not self.admin:
                return self.error("Must be an organization administrator", "UNAUTHORIZED_PRINCIPAL")
            return handler(params, **{key: unquote(value) for key, value in groups.items()})

        self.route(method, self.API + pattern, checked)

    def _authenticate(self, call: Call) -> httpx.Response | None:
        header = call.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return self.error(
                "Not logged in: API authentication or user session required",
                "UNAUTHORIZED",
                401,
                {"WWW-Authenticate": 'Basic realm="zulip"'},
            )
        try:
            email, _, key = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return self.error("Malformed API key", "INVALID_API_KEY", 401, {"WWW-Authenticate": 'Basic realm="zulip"'})
        if email.casefold() != self.bot_email.casefold() or key != self.api_key:
            return self.error("Invalid API key", "INVALID_API_KEY", 401, {"WWW-Authenticate": 'Basic realm="zulip"'})
        return None

    def _params(self, call: Call, shape: Shape) -> tuple[dict[str, Any], httpx.Response | None]:
        if call.method == "GET":
            raw = dict(call.query)
        else:
            # Zulip reads form-encoded bodies; a JSON body is not parsed, so its parameters are simply missing.
            content_type = call.headers.get("content-type", "")
            raw = (
                dict(parse_qsl(call.body.decode(), keep_blank_values=True))
                if content_type.startswith("application/x-www-form-urlencoded")
                else {}
            )
        unknown = sorted(set(raw) - set(shape.required) - set(shape.optional))
        if unknown:
            return {}, self.error(f"Unsupported parameter(s): {', '.join(unknown)}", ignored_parameters_unsupported=unknown)
        for name in shape.required:
            if name not in raw:
                return {}, self.error(f"Missing '{name}' argument", "REQUEST_VARIABLE_MISSING", var_name=name)
        params: dict[str, Any] = {}
        for name, value in raw.items():
            check = shape.json.get(name)
            if check is None:
                params[name] = value
                continue
            try:
                decoded = json.loads(value)
            except ValueError:
                decoded = value  # Zulip accepts some bare strings, e.g. anchor=newest
            if not check(decoded):
                return {}, self.error(f"Invalid {name}", var_name=name)
            params[name] = decoded
        return params, None

    # Users ----------------------------------------------------------------------------------------

    def _user_json(self, user: FakeUser) -> dict[str, Any]:
        return {
            "user_id": user.user_id,
            "email": user.email,
            "delivery_email": user.email,
            "full_name": user.full_name,
            "is_active": user.is_active,
            "is_bot": user.user_id == self.bot_id,
            "role": user.role,
            "is_admin": user.role <= 200,
            "is_owner": user.role == 100,
            "is_guest": user.role == 600,
            "timezone": "",
            "date_joined": "2024-01-01T00:00:00+00:00",
            "avatar_url": None,
        }

    def _find_user(self, key: str) -> FakeUser | None:
        if key.isdigit():
            return self.users.get(int(key))
        return next((user for user in self.users.values() if user.email.casefold() == key.casefold()), None)

    def _get_user(self, params: dict[str, Any], key: str) -> httpx.Response:
        user = self._find_user(key)
        if user is None:
            return self.error("No such user")
        return self.success(user=self._user_json(user))

    def _deactivate(self, params: dict[str, Any], user_id: str) -> httpx.Response:
        user = self.users.get(int(user_id))
        if user is None or not user.is_active:  # Zulip refuses to deactivate a deactivated user this way
            return self.error("No such user")
        if user.role == 100:
            return self.error("Must be an organization owner", "UNAUTHORIZED_PRINCIPAL")
        user.is_active = False  # subscriptions are kept (inactive) and count again after reactivation
        return self.success()

    def _reactivate(self, params: dict[str, Any], user_id: str) -> httpx.Response:
        user = self.users.get(int(user_id))
        if user is None:
            return self.error("No such user")
        if user.is_active:
            return self.error("User is already active")
        user.is_active = True
        return self.success()

    # Messages -------------------------------------------------------------------------------------

    def _message_json(self, message: FakeMessage) -> dict[str, Any]:
        sender = self.users[message.sender_id]
        if message.recipients:
            return self._direct_message_json(message)
        return {
            "id": message.id,
            "sender_id": sender.user_id,
            "sender_email": sender.email,
            "sender_full_name": sender.full_name,
            "type": "stream",
            "stream_id": message.stream_id,
            "display_recipient": self.streams[message.stream_id],
            "subject": message.topic,
            "content": message.content,
            "timestamp": message.timestamp,
            "recipient_id": 1000 + message.stream_id,
            "reactions": [],
            "submessages": [],
            "flags": [],
            "is_me_message": False,
        }

    def _direct_message_json(self, message: FakeMessage) -> dict[str, Any]:
        """A direct message as GET /messages shows it: type "private", display_recipient the list of its people
        (sender included), an empty subject, and no stream_id."""
        sender = self.users[message.sender_id]
        people = [
            {"id": user_id, "email": self.users[user_id].email, "full_name": self.users[user_id].full_name, "is_mirror_dummy": False}
            for user_id in sorted(message.recipients)
        ]
        return {
            "id": message.id,
            "sender_id": sender.user_id,
            "sender_email": sender.email,
            "sender_full_name": sender.full_name,
            "type": "private",
            "display_recipient": people,
            "subject": "",
            "content": message.content,
            "timestamp": message.timestamp,
            "recipient_id": 5000 + min(message.recipients),
            "reactions": [],
            "submessages": [],
            "flags": [],
            "is_me_message": False,
        }

    def _get_message(self, params: dict[str, Any], message_id: str) -> httpx.Response:
        message = self.messages.get(int(message_id))
        if message is None:
            return self.error("Invalid message(s)")
        return self.success(message=self._message_json(message), raw_content=message.content)

    def _delete_message(self, params: dict[str, Any], message_id: str) -> httpx.Response:
        if self.messages.pop(int(message_id), None) is None:
            return self.error("Invalid message(s)")
        return self.success()

    def _in_narrow(self, message: FakeMessage, streams: list[str]) -> bool:
        if message.recipients:  # without a stream narrow, the bot reads the direct messages it is in
            return not streams and self.bot_id in message.recipients
        return not streams or self.streams[message.stream_id] in streams

    def _get_messages(self, params: dict[str, Any]) -> httpx.Response:
        narrow = params.get("narrow", [])
        streams = [item["operand"] for item in narrow if item["operator"] in ("stream", "channel")]
        unknown = [item["operator"] for item in narrow if item["operator"] not in ("stream", "channel")]
        if unknown:
            return self.error(f"Invalid narrow operator: {unknown[0]}", "BAD_NARROW")
        for name in streams:
            if name not in self.streams.values():
                return self.error(f"Invalid narrow operator: unknown channel {name}", "BAD_NARROW")
        messages = sorted((message for message in self.messages.values() if self._in_narrow(message, streams)), key=lambda m: m.id)
        anchor = params.get("anchor", "newest")
        if not _integer(anchor) and anchor != "newest":
            return self.error(f"Unsupported anchor in this imitation: {anchor}")
        limit = anchor if _integer(anchor) else max((m.id for m in messages), default=0)
        # Steward only reads backwards: the anchor (when included) and num_before messages before it.
        before = [m for m in messages if m.id < limit or (m.id == limit and params.get("include_anchor", True))]
        chosen = before[-params["num_before"] :] if params["num_before"] else []
        return self.success(
            messages=[self._message_json(message) for message in chosen],
            found_anchor=any(m.id == limit for m in messages),
            found_oldest=len(chosen) == len(before),
            found_newest=anchor == "newest",
            history_limited=False,
            anchor=limit,
        )

    def _send_message(self, params: dict[str, Any]) -> httpx.Response:
        if params["type"] in ("direct", "private"):
            return self._send_direct(params)
        if params["type"] not in ("stream", "channel"):
            return self.error("Invalid message type")
        stream_id = self._stream_by_name(str(params["to"]))
        if stream_id is None:
            return self.error(f"Channel '{params['to']}' does not exist", "STREAM_DOES_NOT_EXIST", stream=params["to"])
        if not params.get("topic"):
            return self.error("Missing topic")
        if not str(params["content"]).strip():
            return self.error("Message must not be empty")
        message_id = self.post(self.bot_id, stream_id, str(params["content"]), topic=str(params["topic"]))
        return self.success(id=message_id)

    def _send_direct(self, params: dict[str, Any]) -> httpx.Response:
        """A direct message: `to` is a JSON list of user ids (or e-mail addresses); Zulip refuses a deactivated
        recipient ("… is no longer using Zulip.") and an unknown one."""
        try:
            wanted = json.loads(str(params["to"]))
        except ValueError:
            wanted = [item.strip() for item in str(params["to"]).split(",")]
        if not isinstance(wanted, list) or not wanted:
            return self.error("Invalid to", var_name="to")
        people = []
        for key in wanted:
            user = self._find_user(str(key))
            if user is None:
                return self.error(f"Invalid user ID {key}" if str(key).isdigit() else f"Invalid email '{key}'")
            if not user.is_active:
                return self.error(f"'{user.email}' is no longer using Zulip.")
            people.append(user.user_id)
        if not str(params["content"]).strip():
            return self.error("Message must not be empty")
        return self.success(id=self.send_direct(self.bot_id, people, str(params["content"])))

    def direct_messages_to(self, user_id: int) -> list[str]:
        """The texts Steward's bot sent `user_id` alone, oldest first."""
        found = sorted(
            (m for m in self.messages.values() if m.sender_id == self.bot_id and set(m.recipients) == {self.bot_id, user_id}),
            key=lambda m: m.id,
        )
        return [message.content for message in found]

    def posted_by_bot(self, stream: str) -> list[str]:
        """The texts Steward's bot posted in a stream, oldest first."""
        stream_id = self._stream_by_name(stream)
        found = sorted((m for m in self.messages.values() if m.stream_id == stream_id and m.sender_id == self.bot_id), key=lambda m: m.id)
        return [message.content for message in found]

    # Streams and subscriptions ----------------------------------------------------------------------

    def _stream_by_name(self, name: str) -> int | None:
        return next((stream_id for stream_id, stream in self.streams.items() if stream.casefold() == name.casefold()), None)

    def _get_stream_id(self, params: dict[str, Any]) -> httpx.Response:
        stream_id = self._stream_by_name(params["stream"])
        if stream_id is None:
            return self.error(f"Invalid channel name '{params['stream']}'")
        return self.success(stream_id=stream_id)

    def _subscription_status(self, params: dict[str, Any], user_id: str, stream_id: str) -> httpx.Response:
        if int(user_id) not in self.users:
            return self.error("No such user")
        if int(stream_id) not in self.streams:
            return self.error("Invalid channel ID")
        return self.success(is_subscribed=(int(user_id), int(stream_id)) in self.subscriptions)

    def _principal_ids(self, principals: list[Any]) -> list[int] | httpx.Response:
        ids = []
        for principal in principals:
            user = self._find_user(str(principal))
            if user is None or not user.is_active:
                return self.error("No such user")
            ids.append(user.user_id)
        return ids

    def _unsubscribe(self, params: dict[str, Any]) -> httpx.Response:
        ids = self._principal_ids(params.get("principals", [self.bot_id]))
        if isinstance(ids, httpx.Response):
            return ids
        missing = [name for name in params["subscriptions"] if self._stream_by_name(name) is None]
        if missing:
            return self.error(f"Channel(s) ({', '.join(missing)}) do not exist", "STREAM_DOES_NOT_EXIST", stream=missing[0])
        removed: list[str] = []
        not_removed: list[str] = []
        for name in params["subscriptions"]:
            stream_id = self._stream_by_name(name)
            assert stream_id is not None
            pairs = {(user_id, stream_id) for user_id in ids}
            (removed if pairs & self.subscriptions else not_removed).append(self.streams[stream_id])
            self.subscriptions -= pairs
        return self.success(removed=removed, not_removed=not_removed)

    def _subscribe(self, params: dict[str, Any]) -> httpx.Response:
        ids = self._principal_ids(params.get("principals", [self.bot_id]))
        if isinstance(ids, httpx.Response):
            return ids
        subscribed: dict[str, list[str]] = {}
        already: dict[str, list[str]] = {}
        for item in params["subscriptions"]:
            stream_id = self._stream_by_name(item["name"]) or self.add_stream(item["name"])  # Zulip creates missing streams
            for user_id in ids:
                target = already if (user_id, stream_id) in self.subscriptions else subscribed
                target.setdefault(str(user_id), []).append(self.streams[stream_id])
                self.subscriptions.add((user_id, stream_id))
        return self.success(subscribed=subscribed, already_subscribed=already)

    # Test helpers: the organisation, and changes made by hand in Zulip ------------------------------

    def add_user(self, email: str, full_name: str, *, role: int = 400) -> int:
        user_id = next(self._ids)
        self.users[user_id] = FakeUser(user_id, email, full_name, role=role)
        return user_id

    def add_stream(self, name: str, members: tuple[int, ...] = ()) -> int:
        stream_id = next(self._ids)
        self.streams[stream_id] = name
        self.subscriptions |= {(user_id, stream_id) for user_id in members}
        return stream_id

    def post(self, sender_id: int, stream_id: int, content: str, *, topic: str = "general", timestamp: int | None = None) -> int:
        message_id = next(self._ids)
        self.messages[message_id] = FakeMessage(message_id, sender_id, stream_id, topic, content, timestamp or int(time.time()))
        return message_id

    def send_direct(self, sender_id: int, recipient_ids: list[int], content: str, *, timestamp: int | None = None) -> int:
        """A direct message (one-to-one or group) from sender_id to recipient_ids."""
        message_id = next(self._ids)
        people = tuple(sorted({sender_id, *recipient_ids}))
        self.messages[message_id] = FakeMessage(message_id, sender_id, 0, "", content, timestamp or int(time.time()), people)
        return message_id

    def reactivate_by_hand(self, user_id: int) -> None:
        self.users[user_id].is_active = True

    def deactivate_by_hand(self, user_id: int) -> None:
        self.users[user_id].is_active = False

    def subscribe_by_hand(self, user_id: int, stream_id: int) -> None:
        self.subscriptions.add((user_id, stream_id))

    def is_subscribed(self, user_id: int, stream_id: int) -> bool:
        return (user_id, stream_id) in self.subscriptions

    def outgoing_webhook(self, message_id: int, *, token: str, trigger: str = "mention") -> bytes:
        """The body Zulip POSTs to an outgoing-webhook bot's endpoint (Zulip format) for one message."""
        message = self._message_json(self.messages[message_id])
        mentions = {int(user_id) for user_id in MENTION.findall(message["content"])}
        rendered = " ".join(
            f'<span class="user-mention" data-user-id="{user_id}">@{self.users[user_id].full_name}</span>' for user_id in mentions
        )
        message["rendered_content"] = f"<p>{rendered}</p>"
        message["avatar_url"] = None
        message["client"] = "website"
        message["sender_realm_str"] = "chat"
        message["topic_links"] = []
        payload = {
            "bot_email": self.bot_email,
            "bot_full_name": "Steward",
            "data": message["content"],
            "message": message,
            "token": token,
            "trigger": trigger,
        }
        return json.dumps(payload).encode()
