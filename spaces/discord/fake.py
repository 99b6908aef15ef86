"""A stateful imitation of the part of Discord's API that Steward uses, for the tests.

It remembers members and their time-outs, bans, channels and messages, and writes an audit log as
Discord does. Every request body it receives is checked against Discord's published OpenAPI description
(a body that does not match gets Discord's 400 "Invalid Form Body"), and every response it gives is
checked too, so the fake cannot drift from the real API unnoticed: violations are kept in
`contract_errors`, which the tests require to be empty. It also signs interactions with its own
Ed25519 key, the way Discord signs deliveries to an application's interactions endpoint.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from spaces.contracts import ContractError, check_request, check_response, check_schema
from spaces.discord.client import DISCORD_EPOCH_MS, MEMBER_BAN_ADD, MEMBER_UPDATE, MESSAGE_BULK_DELETE, MESSAGE_DELETE
from spaces.fakes import Call, FakePlatform, Injected

MEMBER_BAN_REMOVE = 23
MAX_TIMEOUT = timedelta(days=28)
_VERSION_PREFIX = re.compile(r"^/api/v\d+")
_ID = r"(?:/api/v\d+)?"  # the fake answers with or without Discord's /api/v10 prefix


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class FakeDiscord(FakePlatform):
    def __init__(self, *, token: str = "fake-bot-token", guild_id: str = "81384788765712384") -> None:  # noqa: S107 (a test double)
        super().__init__()
        self.token = token
        self.guild_id = guild_id
        self._counter = itertools.count(1)
        self.users: dict[str, dict[str, Any]] = {}
        self.members: dict[str, dict[str, Any]] = {}  # user id -> the member's guild state
        self.bans: dict[str, str | None] = {}  # user id -> reason
        self.channels: dict[str, dict[str, dict[str, Any]]] = {}  # channel id -> message id -> message
        self.audit_entries: list[dict[str, Any]] = []
        self.contract_errors: list[str] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.dm_channels: dict[str, str] = {}  # user id -> the bot's direct-message channel with them
        self.dms_closed: set[str] = (
            set()
        )  # users who accept no direct messages from server members  # a guild id ("" for global) -> the application's commands
        self.bot = self.add_user("steward-bot", member=True, bot=True)
        self.application_id = self.bot  # a bot user's id is its application's id
        self._key = Ed25519PrivateKey.generate()
        self.public_key = self._key.public_key().public_bytes_raw().hex()

        guild = rf"{_ID}/guilds/(?P<guild>\d+)"
        self.route("GET", rf"{guild}/members/(?P<user>\d+)", self._guarded(self._get_member))
        self.route("PATCH", rf"{guild}/members/(?P<user>\d+)", self._guarded(self._patch_member))
        self.route("GET", rf"{guild}/bans/(?P<user>\d+)", self._guarded(self._get_ban))
        self.route("PUT", rf"{guild}/bans/(?P<user>\d+)", self._guarded(self._put_ban))
        self.route("DELETE", rf"{guild}/bans/(?P<user>\d+)", self._guarded(self._delete_ban))
        self.route("GET", rf"{guild}/audit-logs", self._guarded(self._get_audit_log))
        self.route("GET", rf"{_ID}/channels/(?P<channel>\d+)/messages", self._guarded(self._list_messages))
        self.route("GET", rf"{_ID}/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self._guarded(self._get_message))
        self.route("DELETE", rf"{_ID}/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self._guarded(self._delete_message))
        self.route("POST", rf"{_ID}/channels/(?P<channel>\d+)/messages", self._guarded(self._create_message))
        self.route("GET", rf"{_ID}/users/@me", self._guarded(self._get_me))
        self.route("POST", rf"{_ID}/users/@me/channels", self._guarded(self._open_dm))
        for commands in (
            rf"{_ID}/applications/(?P<application>\d+)/guilds/(?P<guild>\d+)/commands",
            rf"{_ID}/applications/(?P<application>\d+)/commands",
        ):
            self.route("GET", commands, self._guarded(self._list_commands))
            self.route("POST", commands, self._guarded(self._create_command))

    # Discord's answers --------------------------------------------------------------------------

    @classmethod
    def error(cls, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> httpx.Response:
        body: dict[str, Any] = {"message": message, "code": code}
        if errors:
            body["errors"] = errors
        return cls.reply(status, body)

    def not_found(self, call: Call) -> httpx.Response:
        return self.error(404, 0, "404: Not Found")

    def rate_limited(self, retry_after: float = 1.0) -> Injected:
        """Discord's per-route 429: the exact wait in the body, rounded up in Retry-After, the bucket in headers."""
        headers = {
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": "fb1f3a5a0e1c7d3f8a3b",
            "X-RateLimit-Scope": "user",
        }
        return Injected(429, {"message": "You are being rate limited.", "retry_after": retry_after, "global": False, "code": 0}, headers)

    def _guarded(self, handler: Callable[..., httpx.Response]) -> Callable[..., httpx.Response]:
        """Authentication, then the request body and the response checked against Discord's description."""

        def guarded(call: Call, **groups: str) -> httpx.Response:
            if call.headers.get("authorization") != f"Bot {self.token}":
                return self.error(401, 0, "401: Unauthorized")
            path = _VERSION_PREFIX.sub("", call.path)
            try:
                body = call.json() if call.body else None
            except ValueError:
                return self.error(400, 50109, "The request body contains invalid JSON.")
            try:
                check_request("discord", call.method, path, body)
            except ContractError as failure:
                self.contract_errors.append(str(failure))
                return self.error(400, 50035, "Invalid Form Body", {"_errors": [{"code": "CONTRACT", "message": str(failure)}]})
            response = handler(call, **groups)
            if response.content and not self._field_errors(response):
                try:
                    check_response("discord", call.method, path, response.status_code, response.json())
                except ContractError as failure:
                    self.contract_errors.append(str(failure))
                    return self.error(500, 0, "500: Internal Server Error (the fake broke Discord's contract)")
            return response

        return guarded

    @staticmethod
    def _field_errors(response: httpx.Response) -> bool:
        # Discord's "Invalid Form Body" names field errors with string codes ("BASE_TYPE_REQUIRED") where the
        # published description types them as integers: that disagreement is Discord's, so those are not checked.
        return response.status_code == 400 and response.json().get("code") == 50035

    # State a test sets up -----------------------------------------------------------------------

    def snowflake(self, at: datetime | None = None) -> str:
        moment = at or datetime.now(UTC)
        return str(((int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(self._counter) & 0xFFF))

    def add_user(self, username: str, *, member: bool = True, bot: bool = False) -> str:
        user_id = self.snowflake(datetime(2020, 5, 1, tzinfo=UTC))
        user: dict[str, Any] = {
            "id": user_id, "username": username, "avatar": None, "discriminator": "0", "public_flags": 0, "flags": 0,
            "global_name": username.title(), "primary_guild": None,
        }  # fmt: skip
        if bot:
            user["bot"] = True
        with self.lock:
            self.users[user_id] = user
            if member:
                self.members[user_id] = {"joined_at": _iso(datetime(2024, 1, 1, tzinfo=UTC)), "communication_disabled_until": None}
        return user_id

    def add_channel(self) -> str:
        channel = self.snowflake(datetime(2021, 1, 1, tzinfo=UTC))
        with self.lock:
            self.channels[channel] = {}
        return channel

    def add_message(
        self,
        channel: str,
        author: str,
        content: str,
        *,
        reply_to: str | None = None,
        mentions: Iterable[str] = (),
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """A message as Discord returns it; `reply_to` makes it a reply (type 19) carrying the referenced message."""
        message_id = self.snowflake(at)
        with self.lock:
            message: dict[str, Any] = {
                "type": 0, "content": content, "mentions": [self.users[user] for user in mentions], "mention_roles": [],
                "attachments": [], "embeds": [], "timestamp": _iso(at or datetime.now(UTC)), "edited_timestamp": None, "flags": 0,
                "components": [], "id": message_id, "channel_id": channel, "author": self.users[author], "pinned": False,
                "mention_everyone": False, "tts": False,
            }  # fmt: skip
            if reply_to is not None:
                referenced = {key: value for key, value in self.channels[channel][reply_to].items() if key != "referenced_message"}
                message["type"] = 19
                message["message_reference"] = {"type": 0, "channel_id": channel, "message_id": reply_to, "guild_id": self.guild_id}
                message["referenced_message"] = referenced
            self.channels[channel][message_id] = message
        return message

    def member_view(self, user: str) -> dict[str, Any]:
        state = self.members[user]
        return {
            "avatar": None, "banner": None, "communication_disabled_until": state["communication_disabled_until"], "flags": 0,
            "joined_at": state["joined_at"], "nick": None, "pending": False, "premium_since": None, "roles": [],
            "user": self.users[user], "mute": False, "deaf": False,
        }  # fmt: skip

    def _log(
        self,
        action_type: int,
        actor: str,
        target: str,
        reason: str = "",
        changes: list[dict[str, Any]] | None = None,
        options: dict[str, str] | None = None,
    ) -> None:
        entry: dict[str, Any] = {"id": self.snowflake(), "action_type": action_type, "user_id": actor, "target_id": target}
        if changes:
            entry["changes"] = changes
        if options:
            entry["options"] = options  # Discord's optional audit entry info: every value a string
        if reason:
            entry["reason"] = reason
        self.audit_entries.append(entry)

    # Changes "made by hand" by a moderator in Discord's own interface ----------------------------------

    def ban_by_hand(self, user: str, moderator: str, reason: str = "") -> None:
        with self.lock:
            self.bans[user] = reason or None
            self.members.pop(user, None)
            self._log(MEMBER_BAN_ADD, moderator, user, reason)

    def unban_by_hand(self, user: str, moderator: str) -> None:
        with self.lock:
            self.bans.pop(user, None)
            self._log(MEMBER_BAN_REMOVE, moderator, user)

    def time_out_by_hand(self, user: str, moderator: str, until: datetime | None, reason: str = "") -> None:
        with self.lock:
            self._set_timeout(user, _iso(until) if until else None, moderator, reason)

    def rename_by_hand(self, user: str, moderator: str, nick: str) -> None:
        """A member update that is not a time-out (Steward must not report it as one)."""
        with self.lock:
            self._log(MEMBER_UPDATE, moderator, user, changes=[{"key": "nick", "old_value": None, "new_value": nick}])

    def delete_by_hand(self, channel: str, message: str, moderator: str | None = None, reason: str = "") -> None:
        """The message is deleted in Discord's interface: by its author (`moderator` None), which Discord does not log,
        or by a moderator, which it logs as MESSAGE_DELETE against the author."""
        with self.lock:
            author = self.channels[channel].pop(message)["author"]["id"]
            if moderator is not None and moderator != author:
                self._log(MESSAGE_DELETE, moderator, author, reason, options={"channel_id": channel, "count": "1"})

    def bulk_delete_by_hand(self, channel: str, messages: Iterable[str], moderator: str, reason: str = "") -> None:
        """A moderator's bot purges messages (POST /channels/{id}/messages/bulk-delete): one MESSAGE_BULK_DELETE entry
        against the channel, with the count and nothing about whose they were."""
        with self.lock:
            gone = [self.channels[channel].pop(message) for message in messages]
            self._log(MESSAGE_BULK_DELETE, moderator, channel, reason, options={"count": str(len(gone))})

    def timed_out_until(self, user: str) -> str | None:
        return self.members[user]["communication_disabled_until"] if user in self.members else None

    def _set_timeout(self, user: str, until: str | None, actor: str, reason: str) -> None:
        old = self.members[user]["communication_disabled_until"]
        self.members[user]["communication_disabled_until"] = until
        change = {"key": "communication_disabled_until", "old_value": old, "new_value": until}
        self._log(MEMBER_UPDATE, actor, user, reason, [change])

    # Handlers -----------------------------------------------------------------------------------

    @staticmethod
    def _reason(call: Call) -> str:
        return unquote(call.headers.get("x-audit-log-reason", ""))

    def _get_member(self, call: Call, guild: str, user: str) -> httpx.Response:
        if guild != self.guild_id:
            return self.error(404, 10004, "Unknown Guild")
        if user not in self.members:
            return self.error(404, 10007, "Unknown Member")
        return self.reply(200, self.member_view(user))

    def _patch_member(self, call: Call, guild: str, user: str) -> httpx.Response:
        if guild != self.guild_id:
            return self.error(404, 10004, "Unknown Guild")
        if user not in self.members:
            return self.error(404, 10007, "Unknown Member")
        body = call.json()
        if "communication_disabled_until" in body:
            until = body["communication_disabled_until"]
            if until is not None and datetime.fromisoformat(until) - datetime.now(UTC) > MAX_TIMEOUT:
                errors = {"communication_disabled_until": {"_errors": [
                    {"code": "BASE_TYPE_BAD_TIME", "message": "Timeout may not exceed 28 days."}]}}  # fmt: skip
                return self.error(400, 50035, "Invalid Form Body", errors)
            self._set_timeout(user, until, self.bot, self._reason(call))
        return self.reply(200, self.member_view(user))

    def _get_ban(self, call: Call, guild: str, user: str) -> httpx.Response:
        if user not in self.bans:
            return self.error(404, 10026, "Unknown Ban")
        return self.reply(200, {"user": self.users[user], "reason": self.bans[user]})

    def _put_ban(self, call: Call, guild: str, user: str) -> httpx.Response:
        if user not in self.users:
            return self.error(404, 10013, "Unknown User")
        seconds = call.json().get("delete_message_seconds") or 0
        self.bans[user] = self._reason(call) or None
        self.members.pop(user, None)  # a ban also removes the person from the server
        cutoff = datetime.now(UTC) - timedelta(seconds=seconds)
        for messages in self.channels.values():
            for message_id, message in list(messages.items()):
                if seconds and message["author"]["id"] == user and datetime.fromisoformat(message["timestamp"]) >= cutoff:
                    del messages[message_id]
        self._log(MEMBER_BAN_ADD, self.bot, user, self._reason(call))
        return self.reply(204)

    def _delete_ban(self, call: Call, guild: str, user: str) -> httpx.Response:
        if user not in self.bans:
            return self.error(404, 10026, "Unknown Ban")
        del self.bans[user]
        self._log(MEMBER_BAN_REMOVE, self.bot, user, self._reason(call))
        return self.reply(204)

    def _get_message(self, call: Call, channel: str, message: str) -> httpx.Response:
        if channel not in self.channels:
            return self.error(404, 10003, "Unknown Channel")
        if message not in self.channels[channel]:
            return self.error(404, 10008, "Unknown Message")
        return self.reply(200, self.channels[channel][message])

    def _open_dm(self, call: Call) -> httpx.Response:
        user = str(call.json().get("recipient_id") or "")
        if user not in self.users:
            return self.error(400, 50033, "Invalid Recipient(s)")
        if user not in self.dm_channels:
            self.dm_channels[user] = channel = self.snowflake()
            self.channels[channel] = {}
        body = {"id": self.dm_channels[user], "type": 1, "last_message_id": None, "flags": 0, "recipients": [self.users[user]]}
        return self.reply(200, body)

    def direct_messages(self, user: str) -> list[str]:
        """What Steward's bot wrote to a user in direct messages, oldest first."""
        return self.posted_by_bot(self.dm_channels[user]) if user in self.dm_channels else []

    def _create_message(self, call: Call, channel: str) -> httpx.Response:
        if channel not in self.channels:
            return self.error(404, 10003, "Unknown Channel")
        if any(dm == channel and user in self.dms_closed for user, dm in self.dm_channels.items()):
            return self.error(403, 50007, "Cannot send messages to this user")
        body = call.json()
        if not str(body.get("content") or "").strip() and not body.get("embeds"):
            return self.error(400, 50006, "Cannot send an empty message")
        message = self.add_message(channel, self.bot, str(body.get("content") or ""))
        return self.reply(200, message)

    def posted_by_bot(self, channel: str) -> list[str]:
        """The texts Steward's bot posted in a channel, oldest first."""
        found = sorted(self.channels[channel].values(), key=lambda message: int(message["id"]))
        return [message["content"] for message in found if message["author"]["id"] == self.bot]

    def _delete_message(self, call: Call, channel: str, message: str) -> httpx.Response:
        if channel not in self.channels:
            return self.error(404, 10003, "Unknown Channel")
        if message not in self.channels[channel]:
            return self.error(404, 10008, "Unknown Message")
        author = self.channels[channel].pop(message)["author"]["id"]
        if author != self.bot:  # Discord logs a deletion of somebody else's message only
            self._log(MESSAGE_DELETE, self.bot, author, self._reason(call), options={"channel_id": channel, "count": "1"})
        return self.reply(204)

    def _page(self, call: Call) -> tuple[int, int] | httpx.Response:
        try:
            after, limit = int(call.query.get("after", "0")), int(call.query.get("limit", "50"))
        except ValueError:
            return self.error(
                400, 50035, "Invalid Form Body", {"limit": {"_errors": [{"code": "NUMBER_TYPE_COERCE", "message": "Not a number."}]}}
            )
        if not 1 <= limit <= 100:
            errors = {"limit": {"_errors": [{"code": "NUMBER_TYPE_MAX", "message": "Int value should be less than or equal to 100."}]}}
            return self.error(400, 50035, "Invalid Form Body", errors)
        return after, limit

    def _list_messages(self, call: Call, channel: str) -> httpx.Response:
        if channel not in self.channels:
            return self.error(404, 10003, "Unknown Channel")
        page = self._page(call)
        if isinstance(page, httpx.Response):
            return page
        after, limit = page
        # The messages just after `after`, given newest first, as Discord does.
        newer = sorted((m for m in self.channels[channel].values() if int(m["id"]) > after), key=lambda m: int(m["id"]))[:limit]
        return self.reply(200, list(reversed(newer)))

    def _get_audit_log(self, call: Call, guild: str) -> httpx.Response:
        page = self._page(call)
        if isinstance(page, httpx.Response):
            return page
        after, limit = page
        kind = int(call.query["action_type"]) if "action_type" in call.query else None
        chosen = sorted(
            (e for e in self.audit_entries if int(e["id"]) > after and kind in (None, e["action_type"])), key=lambda e: int(e["id"])
        )[:limit]
        named = {str(e[field]) for e in chosen for field in ("user_id", "target_id") if e.get(field)}
        body = {
            "audit_log_entries": list(reversed(chosen)), "users": [self.users[user] for user in sorted(named) if user in self.users],
            "integrations": [], "webhooks": [], "guild_scheduled_events": [], "threads": [], "application_commands": [],
            "auto_moderation_rules": [],
        }  # fmt: skip
        return self.reply(200, body)

    def _get_me(self, call: Call) -> httpx.Response:
        return self.reply(200, {**self.users[self.bot], "mfa_enabled": True, "locale": "en-US", "verified": True, "email": None})

    # Application commands: Discord's upsert by name and type ---------------------------------------

    def _list_commands(self, call: Call, application: str, guild: str = "") -> httpx.Response:
        if application != self.application_id or guild not in ("", self.guild_id):
            return self.error(403, 50001, "Missing Access")
        return self.reply(200, [dict(command) for command in self.commands.get(guild, [])])

    def _create_command(self, call: Call, application: str, guild: str = "") -> httpx.Response:
        """A new name and type is created (201); an existing one is overwritten in place, keeping its id (200)."""
        if application != self.application_id or guild not in ("", self.guild_id):
            return self.error(403, 50001, "Missing Access")
        body = call.json()
        existing = self.commands.setdefault(guild, [])
        kind = body.get("type", 1)
        found = next((command for command in existing if command["name"] == body["name"] and command["type"] == kind), None)
        command = {
            "id": found["id"] if found else self.snowflake(), "application_id": application, "version": self.snowflake(),
            "default_member_permissions": body.get("default_member_permissions"), "type": kind, "name": body["name"],
            "description": body.get("description") or "", "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0], "nsfw": bool(body.get("nsfw", False)),
        }  # fmt: skip
        if guild:
            command["guild_id"] = guild
        if found:
            existing[existing.index(found)] = command
        else:
            existing.append(command)
        return self.reply(200 if found else 201, dict(command))

    # Interactions, signed as Discord signs them ----------------------------------------------------

    def ping_interaction(self) -> dict[str, Any]:
        return {"id": self.snowflake(), "application_id": self.application_id, "type": 1, "token": "ping-token", "version": 1}

    def report_interaction(
        self, message: dict[str, Any], reporter: str, *, name: str = "Report message", guild: str | None = None, nick: str | None = None
    ) -> dict[str, Any]:
        """A MESSAGE context-menu command on `message` by `reporter`, as Discord delivers it."""
        member = {**self.member_view(reporter), "nick": nick, "permissions": "1071698660929"}
        guild = guild or self.guild_id
        interaction = {
            "id": self.snowflake(), "application_id": self.application_id, "type": 2, "token": "aW50ZXJhY3Rpb246dG9rZW4", "version": 1,
            "guild_id": guild, "guild": {"id": guild, "locale": "en-US", "features": []}, "guild_locale": "en-US",
            "channel_id": message["channel_id"], "channel": {"id": message["channel_id"], "type": 0, "guild_id": guild, "name": "general"},
            "member": member, "locale": "en-GB", "app_permissions": "1122573558992465", "entitlements": [], "context": 0,
            "authorizing_integration_owners": {"0": guild},
            "data": {"id": "1199771127813296208", "name": name, "type": 3, "target_id": message["id"],
                     "resolved": {"messages": {message["id"]: message}}},
        }  # fmt: skip
        self.check_interaction(interaction)
        return interaction

    def check_interaction(self, interaction: dict[str, Any]) -> None:
        """The parts of an interaction that Discord's description has schemas for (it has none for the whole)."""
        check_schema("discord", "InteractionTypes", interaction["type"])
        check_schema("discord", "ApplicationCommandType", interaction["data"]["type"])
        check_response("discord", "GET", f"/guilds/{interaction['guild_id']}/members/1", 200, interaction["member"])
        for message in interaction["data"]["resolved"]["messages"].values():
            check_response("discord", "GET", f"/channels/{message['channel_id']}/messages/{message['id']}", 200, message)

    def signed_headers(self, body: bytes, *, timestamp: int | None = None, key: Ed25519PrivateKey | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = (key or self._key).sign(stamp.encode() + body)
        return {"X-Signature-Ed25519": signature.hex(), "X-Signature-Timestamp": stamp}

    @staticmethod
    def encode(interaction: dict[str, Any]) -> bytes:
        return json.dumps(interaction, separators=(",", ":")).encode()
