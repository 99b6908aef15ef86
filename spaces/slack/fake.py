"""FakeSlack: a stateful imitation of the Slack Web API methods, the SCIM v2 Users endpoints and response_url
hooks that `spaces.slack.client` uses, with a workspace (users, channels and their members, messages).

It answers as Slack does: HTTP 200 with `{"ok": false, "error": ...}` for refusals (`invalid_auth` for a wrong
token, `missing_scope` with `needed`/`provided`), HTTP 429 with `Retry-After` for rate limits, and RFC 7644 bodies
and statuses on SCIM. Signed Events API and interactivity deliveries are built by `spaces.slack.fake_hooks`.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

from spaces.fakes import Call, FakePlatform, Injected
from spaces.slack.client import SCIM_PATCH, SCIM_USER
from spaces.slack.fake_hooks import SlackDeliveries

SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
BOT_USER = "UBOTSTEWARD"
ADMIN_USER = "UADMIN0001"
BOT_TOKEN = "xoxb-fake-bot"
ADMIN_TOKEN = "xoxp-fake-admin"

# What each method needs of a bot token (the admin token is a workspace admin's user token with every scope).
SCOPES = {
    "chat.delete": "chat:write",
    "chat.postMessage": "chat:write",
    "conversations.open": "im:write",
    "conversations.history": "channels:history",
    "conversations.replies": "channels:history",
    "conversations.kick": "channels:manage",
    "conversations.invite": "channels:manage",
    "conversations.members": "channels:read",
    "users.conversations": "channels:read",
    "users.lookupByEmail": "users:read.email",
}
MUTATING = frozenset({"chat.delete", "chat.postMessage", "conversations.kick", "conversations.invite", "conversations.open"})


class SlackError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class FakeChannel:
    id: str
    name: str
    members: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)
    is_private: bool = False
    is_general: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_private": self.is_private,
            "is_general": self.is_general,
            "is_archived": False,
            "created": 1600000000,
        }

    def find(self, ts: str) -> dict[str, Any] | None:
        return next((message for message in self.messages if message["ts"] == ts), None)


def _page(items: list[Any], params: dict[str, str], default: int = 100) -> tuple[list[Any], str]:
    """Slack's cursor pagination: an opaque cursor, an empty next_cursor on the last page."""
    start = int(base64.b64decode(params["cursor"]).decode().split(":")[1]) if params.get("cursor") else 0
    limit = int(params.get("limit") or default)
    end = start + limit
    return items[start:end], base64.b64encode(f"next:{end}".encode()).decode() if end < len(items) else ""


def _flag(value: str | None) -> bool:
    return str(value).lower() in {"1", "true"}


class FakeSlack(SlackDeliveries, FakePlatform):
    def __init__(
        self, *, bot_token: str = BOT_TOKEN, admin_token: str = ADMIN_TOKEN, team_id: str = "T0STEWARD", domain: str = "acme"
    ) -> None:
        super().__init__()
        self.bot_token, self.admin_token, self.team_id, self.domain = bot_token, admin_token, team_id, domain
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, FakeChannel] = {}
        self.revoked_scopes: dict[str, set[str]] = {}
        self.responses: list[dict[str, Any]] = []  # what was posted to response_url hooks
        self.exchanges: list[tuple[str, str, httpx.Response]] = []  # (method, path, response), for contract checks
        self._clock = itertools.count(1700000000)
        self.add_user(BOT_USER, "steward", "steward@bots.invalid", bot=True)
        self.add_user(ADMIN_USER, "admin", "admin@example.org")
        methods: dict[str, Callable[[dict[str, str], str], dict[str, Any]]] = {
            "chat.delete": self._chat_delete,
            "chat.postMessage": self._chat_post,
            "conversations.open": self._open,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "conversations.kick": self._kick,
            "conversations.invite": self._invite,
            "conversations.members": self._members,
            "users.conversations": self._user_conversations,
            "users.lookupByEmail": self._lookup_by_email,
        }
        for name, handler in methods.items():
            for verb in ("GET", "POST"):  # Slack takes every method by either verb
                self.route(verb, "/api/" + re.escape(name), self._web(name, handler), mutates=name in MUTATING)
        self.route("GET", r"/scim/v2/Users/(?P<user_id>[A-Z0-9]+)", self._scim_get)
        self.route("DELETE", r"/scim/v2/Users/(?P<user_id>[A-Z0-9]+)", self._scim_delete)
        self.route("PATCH", r"/scim/v2/Users/(?P<user_id>[A-Z0-9]+)", self._scim_patch)
        self.route("POST", r"/hooks/response/(?P<hook>[A-Za-z0-9-]+)", self._response_url)

    # Workspace set-up and changes "by hand" ------------------------------------------------------

    def add_user(self, user_id: str, name: str, email: str, *, bot: bool = False) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": name.title(),
            "deleted": False,
            "is_bot": bot,
            "is_admin": user_id == ADMIN_USER,
            "profile": {"email": email, "display_name": name},
        }

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: Iterable[str] = (),
        *,
        private: bool = False,
        general: bool = False,
        bot_member: bool = True,
    ) -> FakeChannel:
        channel = FakeChannel(
            channel_id, name, set(members) | ({BOT_USER} if bot_member else set()), is_private=private, is_general=general
        )
        self.channels[channel_id] = channel
        return channel

    def post(self, channel: str, user: str, text: str, *, thread_ts: str = "") -> str:
        """A message as if somebody wrote it in Slack; returns its ts."""
        ts = f"{next(self._clock)}.000100"
        message: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts, "team": self.team_id}
        if thread_ts:
            parent = self.channels[channel].find(thread_ts)
            message.update(thread_ts=thread_ts, parent_user_id=parent["user"] if parent else "")
            if parent is not None:
                parent.update(thread_ts=thread_ts, reply_count=int(parent.get("reply_count", 0)) + 1)
        self.channels[channel].messages.append(message)
        return ts

    def permalink(self, channel: str, ts: str, thread_ts: str = "") -> str:
        link = f"https://{self.domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return f"{link}?thread_ts={thread_ts}&cid={channel}" if thread_ts else link

    def invite_by_hand(self, channel: str, user_id: str) -> None:
        self.channels[channel].members.add(user_id)

    def reactivate_by_hand(self, user_id: str) -> None:
        self.users[user_id]["deleted"] = False

    def revoke_scope(self, token: str, scope: str) -> None:
        self.revoked_scopes.setdefault(token, set()).add(scope)

    def is_member(self, channel: str, user_id: str) -> bool:
        return user_id in self.channels[channel].members

    def is_active(self, user_id: str) -> bool:
        return not self.users[user_id]["deleted"]

    def delete_by_hand(self, channel: str, ts: str) -> dict[str, Any]:
        """An admin (or the author) deletes a message in Slack's client: the `message_deleted` event it sends."""
        message = self.channels[channel].find(ts)
        assert message is not None, f"no message {ts} in {channel}"
        self.channels[channel].messages.remove(message)
        return self.deleted_event(channel, message, f"{int(float(ts)) + 120}.000300")

    def has_message(self, channel: str, ts: str) -> bool:
        message = self.channels[channel].find(ts)
        return message is not None and message.get("subtype") != "tombstone"

    # Transport ------------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        response = super().handle(request)
        with self.lock:
            self.exchanges.append((request.method, request.url.path, response))
        return response

    def rate_limited(self, retry_after: float = 1.0) -> Injected:
        # Slack: HTTP 429, Retry-After in seconds, and (on the Web API) ok=false with error "ratelimited".
        return Injected(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(int(retry_after))})

    def not_found(self, call: Call) -> httpx.Response:
        if call.path.startswith("/api/"):
            return self.reply(404, {"ok": False, "error": "unknown_method", "req_method": call.path.removeprefix("/api/")})
        if call.path.startswith("/scim/"):
            return self._scim_error(404, "Resource not found")
        return self.reply(404, "404 page not found", {"Content-Type": "text/plain"})

    # Web API --------------------------------------------------------------------------------------

    def _web(self, method: str, handler: Callable[[dict[str, str], str], dict[str, Any]]) -> Callable[..., httpx.Response]:
        def answer(call: Call) -> httpx.Response:
            params = dict(call.query)
            if call.body:
                if call.headers.get("content-type", "").startswith("application/json"):
                    params.update({key: str(value) for key, value in call.json().items()})
                else:
                    params.update(parse_qsl(call.body.decode(), keep_blank_values=True))
            token = call.headers.get("authorization", "").removeprefix("Bearer ") or params.pop("token", "")
            try:
                caller = self._caller(method, token)
                return self.reply(200, {"ok": True, **handler(params, caller)})
            except SlackError as error:
                return self.reply(200, {"ok": False, "error": error.error, **error.extra})

        return answer

    def _caller(self, method: str, token: str) -> str:
        if not token:
            raise SlackError("not_authed")
        if token == self.admin_token:
            return ADMIN_USER
        if token != self.bot_token:
            raise SlackError("invalid_auth")
        needed = SCOPES[method]
        if needed in self.revoked_scopes.get(token, set()):
            granted = sorted(set(SCOPES.values()) - self.revoked_scopes[token])
            raise SlackError("missing_scope", needed=needed, provided=",".join(granted))
        return BOT_USER

    def _channel(self, params: dict[str, str], caller: str, *, must_be_member: bool = False) -> FakeChannel:
        channel = self.channels.get(params.get("channel", ""))
        if channel is None or (channel.is_private and caller not in channel.members and caller != ADMIN_USER):
            raise SlackError("channel_not_found")
        if must_be_member and caller not in channel.members and caller != ADMIN_USER:
            raise SlackError("not_in_channel")
        return channel

    def _user(self, user_id: str) -> dict[str, Any]:
        if user_id not in self.users:
            raise SlackError("user_not_found")
        return self.users[user_id]

    def _chat_delete(self, params: dict[str, str], caller: str) -> dict[str, Any]:
        channel = self._channel(params, caller)
        message = channel.find(params.get("ts", ""))
        if message is None or message.get("subtype") == "tombstone":
            raise SlackError("message_not_found")
        if caller != ADMIN_USER and message.get("user") != caller:
            raise SlackError("cant_delete_message")
        if message.get("reply_count"):  # a thread's parent leaves a tombstone so the replies keep their place
            message.update(subtype="tombstone", text="This message was deleted.", user="USLACKBOT", hidden=True)
        else:
            channel.messages.remove(message)
        return {"channel": channel.id, "ts": message["ts"]}

    def _chat_post(self, params: dict[str, str], caller: str) -> dict[str, Any]:
        """chat.postMessage: the caller must be in the channel (without chat:write.public), and text is needed."""
        channel = self._channel(params, caller, must_be_member=True)
        text = params.get("text", "")
        if not text and not params.get("blocks") and not params.get("attachments"):
            raise SlackError("no_text")
        ts = f"{next(self._clock)}.000200"
        message = {"type": "message", "user": caller, "text": text, "ts": ts, "team": self.team_id}
        if caller == BOT_USER:
            message["bot_id"] = "B0STEWARD"
        channel.messages.append(message)
        return {"channel": channel.id, "ts": ts, "message": dict(message)}

    def _open(self, params: dict[str, str], caller: str) -> dict[str, Any]:
        """conversations.open with one other person: their direct message conversation with the caller, made on first
        use; Slack answers `no_op`/`already_open` when it existed. Deactivated people cannot be written to."""
        users = [user for user in params.get("users", "").split(",") if user]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > 1:
            raise SlackError("not_implemented", detail="FakeSlack opens one-to-one conversations only")
        person = self._user(users[0])
        if person["deleted"]:
            raise SlackError("user_disabled")
        if person["is_bot"]:
            raise SlackError("cannot_dm_bot")
        found = next((c for c in self.channels.values() if c.id.startswith("D") and c.members == {caller, users[0]}), None)
        if found is not None:
            return {"no_op": True, "already_open": True, "channel": {"id": found.id}}
        channel = FakeChannel(f"D{len(self.channels):08d}", "", {caller, users[0]}, is_private=True)
        self.channels[channel.id] = channel
        return {"channel": {"id": channel.id}}

    def direct_messages_to(self, user_id: str) -> list[str]:
        """The texts Steward's bot sent `user_id` in their direct message conversation, oldest first."""
        return [
            message["text"]
            for channel in self.channels.values()
            if channel.id.startswith("D") and channel.members == {BOT_USER, user_id}
            for message in channel.messages
            if message.get("user") == BOT_USER
        ]

    def posted_by_bot(self, channel: str) -> list[str]:
        """The texts Steward's bot posted in a channel, oldest first."""
        return [message["text"] for message in self.channels[channel].messages if message.get("user") == BOT_USER]

    @staticmethod
    def _window(messages: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
        inclusive = _flag(params.get("inclusive"))
        oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or 1e12)

        def inside(message: dict[str, Any]) -> bool:
            ts = float(message["ts"])
            return (oldest <= ts <= latest) if inclusive else (oldest < ts < latest)

        return [message for message in messages if inside(message)]

    def _history(self, params: dict[str, str], caller: str) -> dict[str, Any]:
        channel = self._channel(params, caller, must_be_member=True)
        top = [message for message in channel.messages if message.get("thread_ts", message["ts"]) == message["ts"]]
        found = sorted(self._window(top, params), key=lambda message: float(message["ts"]), reverse=True)
        page, cursor = _page(found, params)
        return {"messages": page, "has_more": bool(cursor), "pin_count": 0, "response_metadata": {"next_cursor": cursor}}

    def _replies(self, params: dict[str, str], caller: str) -> dict[str, Any]:
        if caller == BOT_USER:  # Slack's docs: bot tokens may read threads of DMs only, not of channels
            raise SlackError("not_allowed_token_type")
        channel = self._channel(params, caller, must_be_member=True)
        asked = channel.find(params.get("ts", ""))
        if asked is None:
            raise SlackError("thread_not_found")
        root_ts = asked.get("thread_ts", asked["ts"])
        parent = channel.find(root_ts)
        replies = [message for message in channel.messages if message.get("thread_ts") == root_ts and message["ts"] != root_ts]
        found = ([parent] if parent else []) + sorted(self._window(replies, params), key=lambda message: float(message["ts"]))
        page, cursor = _page(found, params, default=1000)
        return {"messages": page, "has_more": bool(cursor), "response_metadata": {"next_cursor": cursor}}

    def _kick(self, params: dict[str, str], caller: str) -> dict[str, Any]:
        channel = self._channel(params, caller)
        user_id = params.get("user", "")
        self._user(user_id)
        if user_id == caller:
            raise SlackError("cant_kick_self")
        if channel.is_general:
            raise SlackError("cant_kick_from_general")
        # Slack answers not_in_channel when the person is not there, and also when the caller is not.
        if user_id not in channel.members or caller not in channel.members:
            raise SlackError("not_in_channel")
        channel.members.discard(user_id)
        return {}

    def _invite(self, params: dict[str, str], caller: str) -> dict[str, Any]:
        channel = self._channel(params, caller, must_be_member=True)
        users = [user for user in params.get("users", "").split(",") if user]
        if not users:
            raise SlackError("no_user")
        for user_id in users:
            self._user(user_id)
            if user_id == caller:
                raise SlackError("cant_invite_self")
            if user_id in channel.members:
                raise SlackError("already_in_channel")
        channel.members.update(users)
        return {"channel": channel.as_json()}

    def _members(self, params: dict[str, str], caller: str) -> dict[str, Any]:
        channel = self._channel(params, caller)
        page, cursor = _page(sorted(channel.members), params)
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    def _user_conversations(self, params: dict[str, str], caller: str) -> dict[str, Any]:
        user_id = params.get("user") or caller
        self._user(user_id)
        types = set((params.get("types") or "public_channel").split(","))
        visible = [
            channel
            for channel in self.channels.values()
            if user_id in channel.members
            and ("private_channel" if channel.is_private else "public_channel") in types
            and (not channel.is_private or caller in channel.members)
        ]
        page, cursor = _page([channel.as_json() for channel in sorted(visible, key=lambda channel: channel.id)], params)
        return {"channels": page, "response_metadata": {"next_cursor": cursor}}

    def _lookup_by_email(self, params: dict[str, str], caller: str) -> dict[str, Any]:
        email = params.get("email", "").casefold()
        for user in self.users.values():
            if user["profile"]["email"].casefold() == email:
                return {"user": user}
        raise SlackError("users_not_found")

    # SCIM v2 ----------------------------------------------------------------------------------------

    def _scim_error(self, status: int, detail: str, scim_type: str = "") -> httpx.Response:
        body: dict[str, Any] = {"schemas": [SCIM_ERROR], "status": str(status), "detail": detail}
        if scim_type:
            body["scimType"] = scim_type
        return self.reply(status, body, {"Content-Type": "application/scim+json"})

    def _scim_user(self, user_id: str) -> dict[str, Any]:
        user = self.users[user_id]
        return {
            "schemas": [SCIM_USER],
            "id": user_id,
            "externalId": "",
            "meta": {"created": "2023-11-14T22:13:20-08:00", "location": f"https://api.slack.com/scim/v2/Users/{user_id}"},
            "userName": user["name"],
            "nickName": user["name"],
            "name": {"givenName": user["real_name"], "familyName": ""},
            "displayName": user["name"],
            "emails": [{"value": user["profile"]["email"], "primary": True}],
            "active": not user["deleted"],
        }

    def _scim_auth(self, call: Call, user_id: str) -> httpx.Response | None:
        if call.headers.get("authorization", "") != f"Bearer {self.admin_token}":
            return self._scim_error(401, "invalid_authentication")
        if user_id not in self.users:
            return self._scim_error(404, f"User {user_id} not found")
        return None

    def _scim_get(self, call: Call, user_id: str) -> httpx.Response:
        refused = self._scim_auth(call, user_id)
        return refused or self.reply(200, self._scim_user(user_id), {"Content-Type": "application/scim+json"})

    def _scim_delete(self, call: Call, user_id: str) -> httpx.Response:
        refused = self._scim_auth(call, user_id)
        if refused:
            return refused
        self.users[user_id]["deleted"] = True  # Slack's SCIM DELETE deactivates; the account stays
        return self.reply(204)

    def _scim_patch(self, call: Call, user_id: str) -> httpx.Response:
        refused = self._scim_auth(call, user_id)
        if refused:
            return refused
        try:
            body = json.loads(call.body)
        except ValueError:
            return self._scim_error(400, "The body is not JSON.", "invalidSyntax")
        operations = body.get("Operations") if isinstance(body, dict) else None
        if SCIM_PATCH not in (body.get("schemas") or []) or not isinstance(operations, list) or not operations:
            return self._scim_error(400, "A PATCH needs the PatchOp schema and Operations.", "invalidSyntax")
        for operation in operations:
            if str(operation.get("op", "")).lower() not in {"add", "replace", "remove"}:
                return self._scim_error(400, f"Unknown op {operation.get('op')!r}.", "invalidSyntax")
            value = operation.get("value")
            if operation.get("path") == "active":
                active = value
            elif isinstance(value, dict) and "active" in value:
                active = value["active"]
            else:
                continue
            if not isinstance(active, bool):
                return self._scim_error(400, "active must be a boolean.", "invalidValue")
            self.users[user_id]["deleted"] = not active
        return self.reply(200, self._scim_user(user_id), {"Content-Type": "application/scim+json"})

    # response_url -----------------------------------------------------------------------------------

    def response_url(self, base_url: str, hook: str = "T0STEWARD-1-abc") -> str:
        return f"{base_url}/hooks/response/{hook}"

    def _response_url(self, call: Call, hook: str) -> httpx.Response:
        with self.lock:
            self.responses.append({"hook": hook, **call.json()})
        return self.reply(200, {"ok": True})
