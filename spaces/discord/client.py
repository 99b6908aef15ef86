"""Discord's HTTP API, only the calls Steward makes, with every failure mapped in one place (`_send`).

Discord answers errors as `{"code": 50013, "message": "Missing Permissions"}` and rate limits as HTTP 429
with `{"message": ..., "retry_after": 1.234, "global": false}`; the body's float `retry_after` is more
precise than the `Retry-After` header, which is only a fallback (Cloudflare's own 429s carry no JSON).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from spaces.base import PermanentFailure, TemporaryFailure

DEFAULT_API_URL = "https://discord.com/api/v10"
# Discord asks bots to identify themselves as "DiscordBot (url, version)"; requests without it may be blocked.
USER_AGENT = "DiscordBot (https://discord.com/developers/docs, 0.1.0) Steward"
AUDIT_REASON_LIMIT = 512  # characters Discord keeps of X-Audit-Log-Reason
PAGE = 100  # the most messages or audit-log entries Discord returns per request

# Discord's JSON error codes that Steward reads as "the thing is not there".
UNKNOWN_CHANNEL = 10003
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_BAN = 10026
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013

# Audit-log action types Steward reads (Discord's AuditLogActionTypes).
MEMBER_BAN_ADD = 22
MEMBER_UPDATE = 24
# A moderator deleted somebody else's message(s): target_id is their author, options.channel_id and options.count
# (strings) say where and how many; Discord names no message. A deletion by the author is not logged.
MESSAGE_DELETE = 72
# Messages deleted at once through the bulk-delete API (bots' "purge" commands): target_id is the channel,
# options.count how many; Discord names neither the messages nor their authors.
MESSAGE_BULK_DELETE = 73

DISCORD_EPOCH_MS = 1420070400000  # the first millisecond of 2015, where snowflake time starts


def snowflake_at(moment: datetime) -> int:
    """The smallest snowflake created at `moment`: ids greater than it were created after."""
    return max(int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS, 0) << 22


def time_of(snowflake: str | int) -> datetime:
    return datetime.fromtimestamp(((int(snowflake) >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


class DiscordRefused(PermanentFailure):
    """A 4xx from Discord; `code` is Discord's JSON error code so callers can tell "unknown ban" from "forbidden"."""

    def __init__(self, message: str, status: int, code: int | None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


# Steward-readable explanations for the refusals an admin can fix.
_EXPLAINED = {
    MISSING_PERMISSIONS: "the bot lacks a permission here (it needs Ban Members, Moderate Members and Manage Messages, "
    "and its role must be above the person's highest role)",
    MISSING_ACCESS: "the bot cannot see that channel or server (check that it is a member and may view the channel)",
}


def _refusal(response: httpx.Response, what: str) -> PermanentFailure:
    body = _json_or_none(response)
    code = body.get("code") if isinstance(body, dict) and isinstance(body.get("code"), int) else None
    said = str(body.get("message", "")) if isinstance(body, dict) else ""
    if response.status_code == 401:
        return DiscordRefused("Discord refused: the bot token is not valid (401 Unauthorized).", 401, code)
    if code in _EXPLAINED:
        return DiscordRefused(f"Discord refused to {what}: {_EXPLAINED[code]} ({said}, code {code}).", response.status_code, code)
    detail = f"{said} (HTTP {response.status_code}, code {code})" if said else f"HTTP {response.status_code}"
    return DiscordRefused(f"Discord refused to {what}: {detail}.", response.status_code, code)


def _retry_after(response: httpx.Response) -> float | None:
    body = _json_or_none(response)
    if isinstance(body, dict) and isinstance(body.get("retry_after"), (int, float)):
        return float(body["retry_after"])
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def audit_reason(reason: str) -> dict[str, str]:
    """The header that puts Steward's reason in the server's audit log (URL-encoded, as Discord requires)."""
    reason = " ".join(reason.split())[:AUDIT_REASON_LIMIT]
    return {"X-Audit-Log-Reason": quote(reason, safe="")} if reason else {}


class DiscordClient:
    """One bot's view of the API. Use as a context manager so the connection pool is closed."""

    def __init__(self, api_url: str, token: str, *, timeout: float = 15.0, transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(
            base_url=api_url.rstrip("/"),
            headers={"Authorization": f"Bot {token}", "User-Agent": USER_AGENT},
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> DiscordClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self._http.close()

    # The one place HTTP results become Steward's failures ------------------------------------------

    def _send(
        self, method: str, path: str, what: str, *, body: Any = None, params: Mapping[str, Any] | None = None, reason: str = ""
    ) -> httpx.Response:
        try:
            response = self._http.request(method, path, json=body, params=params, headers=audit_reason(reason) if reason else None)
        except httpx.TimeoutException:
            raise TemporaryFailure(f"Discord did not answer in time while trying to {what}.") from None
        except httpx.TransportError as error:
            raise TemporaryFailure(f"Could not reach Discord to {what} ({type(error).__name__}).") from None
        if response.status_code == 429:
            scope = "globally " if (_json_or_none(response) or {}).get("global") else ""
            raise TemporaryFailure(f"Discord {scope}rate-limited the request to {what}.", retry_after=_retry_after(response))
        if response.status_code >= 500:
            raise TemporaryFailure(f"Discord had a server error (HTTP {response.status_code}) while trying to {what}.")
        if response.status_code >= 400:
            raise _refusal(response, what)
        return response

    # Members and time-outs -------------------------------------------------------------------------

    def member(self, guild: str, user: str) -> dict[str, Any]:
        return dict(self._send("GET", f"/guilds/{guild}/members/{user}", f"look up member {user}").json())

    def set_timeout(self, guild: str, user: str, until: datetime | None, reason: str) -> dict[str, Any]:
        value = until.astimezone(UTC).isoformat() if until is not None else None
        what = f"time out member {user}" if until is not None else f"lift the time-out of member {user}"
        response = self._send("PATCH", f"/guilds/{guild}/members/{user}", what, body={"communication_disabled_until": value}, reason=reason)
        return dict(response.json()) if response.content else {}

    # Bans ---------------------------------------------------------------------------------------

    def ban(self, guild: str, user: str) -> dict[str, Any]:
        return dict(self._send("GET", f"/guilds/{guild}/bans/{user}", f"look up the ban of user {user}").json())

    def add_ban(self, guild: str, user: str, delete_message_seconds: int, reason: str) -> None:
        self._send(
            "PUT",
            f"/guilds/{guild}/bans/{user}",
            f"ban user {user}",
            body={"delete_message_seconds": delete_message_seconds},
            reason=reason,
        )

    def remove_ban(self, guild: str, user: str, reason: str) -> None:
        # Discord's description gives unbanning an (empty) JSON body; sending `{}` keeps to it.
        self._send("DELETE", f"/guilds/{guild}/bans/{user}", f"lift the ban of user {user}", body={}, reason=reason)

    # Messages -----------------------------------------------------------------------------------

    def message(self, channel: str, message: str) -> dict[str, Any]:
        return dict(self._send("GET", f"/channels/{channel}/messages/{message}", f"look up message {message}").json())

    def delete_message(self, channel: str, message: str, reason: str) -> None:
        self._send("DELETE", f"/channels/{channel}/messages/{message}", f"delete message {message}", reason=reason)

    def create_message(self, channel: str, content: str) -> dict[str, Any]:
        """A plain message from the bot; mentions in it ping nobody (allowed_mentions parses none)."""
        body = {"content": content, "allowed_mentions": {"parse": []}}
        return dict(self._send("POST", f"/channels/{channel}/messages", f"post in channel {channel}", body=body).json())

    def open_dm(self, user: str) -> str:
        """The bot's direct-message channel with a user (Discord returns the existing one if there is one)."""
        return str(self._send("POST", "/users/@me/channels", f"open a direct message to {user}", body={"recipient_id": user}).json()["id"])

    def messages_after(self, channel: str, after: int) -> Iterator[dict[str, Any]]:
        """Every message in a channel with an id above `after`, oldest first, a page of 100 at a time."""
        while True:
            page = self._send(
                "GET", f"/channels/{channel}/messages", f"read channel {channel}", params={"after": str(after), "limit": PAGE}
            ).json()
            page = sorted(page or [], key=lambda item: int(item["id"]))  # Discord gives each page newest first
            yield from page
            if len(page) < PAGE:
                return
            after = int(page[-1]["id"])

    # Audit log and self -------------------------------------------------------------------------

    def audit_log(self, guild: str, action_type: int, after: int) -> Iterator[tuple[dict[str, Any], dict[str, dict[str, Any]]]]:
        """Audit-log entries of one type with an id above `after`, oldest first, each with the users the page names."""
        while True:
            params = {"action_type": action_type, "after": str(after), "limit": PAGE}
            page = self._send("GET", f"/guilds/{guild}/audit-logs", "read the server's audit log", params=params).json()
            users = {str(user["id"]): user for user in page.get("users", [])}
            entries = sorted(page.get("audit_log_entries", []), key=lambda item: int(item["id"]))
            for entry in entries:
                yield entry, users
            if len(entries) < PAGE:
                return
            after = int(entries[-1]["id"])

    # Application commands (the "Report message" command) ----------------------------------------------

    @staticmethod
    def _commands_path(application: str, guild: str | None) -> str:
        return f"/applications/{application}/guilds/{guild}/commands" if guild else f"/applications/{application}/commands"

    def application_commands(self, application: str, guild: str | None) -> list[dict[str, Any]]:
        """The application's commands in one server (or, with no server, its global ones)."""
        return list(self._send("GET", self._commands_path(application, guild), "list the application's commands").json())

    def create_application_command(self, application: str, guild: str | None, definition: Mapping[str, Any]) -> dict[str, Any]:
        """Create a command, or overwrite the one of the same name and type (Discord's upsert): other commands stay."""
        path = self._commands_path(application, guild)
        return dict(self._send("POST", path, f"register the command {definition.get('name')!r}", body=dict(definition)).json())

    def me(self) -> dict[str, Any]:
        return dict(self._send("GET", "/users/@me", "look up the bot's own account").json())
