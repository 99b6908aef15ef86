"""The calls Steward makes to a Matrix homeserver: the client-server API (https://spec.matrix.org/v1.15/client-server-api/)
and, where the community gives Steward an admin token, Synapse's admin API for event reports. Nothing else.

Plain httpx against the spec rather than a client library: Steward needs a few dozen synchronous calls, no
end-to-end encryption (a moderation bot reads the community's unencrypted rooms), and the same error handling and
timeouts as its other platforms; mautrix and matrix-nio are asyncio frameworks built for long-running bots
(docs/spaces/matrix.md, "Why plain HTTP").

Every answer is turned into data or into one of the interface's failures in `MatrixClient._call`, so the space
never sees an HTTP status. Matrix errors carry an `errcode` (M_FORBIDDEN, M_NOT_FOUND, M_LIMIT_EXCEEDED...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from spaces.base import PermanentFailure, TemporaryFailure

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
CLIENT = "/_matrix/client/v3"


class MatrixRefused(PermanentFailure):
    """The homeserver refused: `errcode` is Matrix's error code (M_FORBIDDEN...), `status` the HTTP status."""

    def __init__(self, message: str, *, status: int, errcode: str) -> None:
        super().__init__(message)
        self.status = status
        self.errcode = errcode


def q(value: str) -> str:
    """A room id, event id, user id or state key as one path segment ("!abc:example.org" -> "%21abc%3Aexample.org")."""
    return quote(value, safe="")


class MatrixClient:
    def __init__(self, homeserver: str, access_token: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self.homeserver = homeserver.rstrip("/")
        self._token = access_token
        self._transport = transport
        self._http: httpx.Client | None = None
        self._me: str | None = None

    def http(self) -> httpx.Client:
        # One client (connection pool) per MatrixClient: making them per request is slow.
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.homeserver,
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=TIMEOUT,
                transport=self._transport,
            )
        return self._http

    # The one place HTTP results become data or failures ---------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        try:
            response = self.http().request(
                method,
                path,
                json=dict(body) if body is not None else None,
                params={key: value for key, value in (params or {}).items() if value is not None},
                timeout=timeout if timeout is not None else TIMEOUT,
            )
        except httpx.TimeoutException:
            raise TemporaryFailure(f"The Matrix homeserver {self.homeserver} did not answer in time while {what}.") from None
        except httpx.TransportError as error:
            reason = type(error).__name__
            raise TemporaryFailure(f"Could not reach the Matrix homeserver {self.homeserver} while {what} ({reason}).") from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {"chunk": data}
        if response.status_code < 400:
            return data
        errcode = str(data.get("errcode") or "")
        said = str(data.get("error") or response.reason_phrase)  # the homeserver's own words
        if response.status_code == 429 or errcode == "M_LIMIT_EXCEEDED":
            retry_ms = data.get("retry_after_ms")
            header = response.headers.get("Retry-After")
            retry = float(retry_ms) / 1000 if isinstance(retry_ms, (int, float)) else float(header) if header and header.isdigit() else None
            raise TemporaryFailure(f"The Matrix homeserver is rate-limiting Steward while {what}.", retry_after=retry)
        if response.status_code >= 500:
            raise TemporaryFailure(f"The Matrix homeserver failed ({response.status_code}) while {what}: {said}")
        message = f"The Matrix homeserver refused {what}: {said} ({errcode or response.status_code})."
        raise MatrixRefused(message, status=response.status_code, errcode=errcode)

    # Who Steward is ---------------------------------------------------------------------------

    def whoami(self) -> str:
        if self._me is None:
            self._me = str(self._call("GET", f"{CLIENT}/account/whoami", "asking who the bot is")["user_id"])
        return self._me

    # Rooms ------------------------------------------------------------------------------------

    def joined_rooms(self) -> list[str]:
        return [str(room) for room in self._call("GET", f"{CLIENT}/joined_rooms", "listing the bot's rooms").get("joined_rooms", [])]

    def resolve_alias(self, alias: str) -> str:
        return str(self._call("GET", f"{CLIENT}/directory/room/{q(alias)}", f"looking up the room {alias}")["room_id"])

    def join(self, room: str) -> str:
        """Join a room by id or alias (accepts a pending invitation); returns the room id."""
        return str(self._call("POST", f"{CLIENT}/join/{q(room)}", f"joining {room}", body={})["room_id"])

    def leave(self, room: str) -> None:
        self._call("POST", f"{CLIENT}/rooms/{q(room)}/leave", f"leaving {room}", body={})

    def create_room(self, body: Mapping[str, Any]) -> str:
        return str(self._call("POST", f"{CLIENT}/createRoom", "creating a room", body=body)["room_id"])

    def state(self, room: str, event_type: str, state_key: str = "") -> dict[str, Any] | None:
        """The content of one state event, or None where there is none (or it was emptied, as a removed policy rule is)."""
        try:
            content = self._call("GET", f"{CLIENT}/rooms/{q(room)}/state/{q(event_type)}/{q(state_key)}", f"reading {event_type} in {room}")
        except MatrixRefused as refused:
            if refused.errcode == "M_NOT_FOUND":
                return None
            raise
        return content or None

    def room_state(self, room: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"{CLIENT}/rooms/{q(room)}/state", f"reading the state of {room}").get("chunk", []))

    def put_state(self, room: str, event_type: str, state_key: str, content: Mapping[str, Any]) -> str:
        path = f"{CLIENT}/rooms/{q(room)}/state/{q(event_type)}/{q(state_key)}"
        return str(self._call("PUT", path, f"setting {event_type} in {room}", body=content).get("event_id", ""))

    def state_event(self, room: str, event_type: str, state_key: str = "") -> dict[str, Any] | None:
        """One whole state event (sender, content, `unsigned.replaces_state`), or None where there is none. Synapse's
        `format=event` answers the event where the specification's call gives only its content."""
        path = f"{CLIENT}/rooms/{q(room)}/state/{q(event_type)}/{q(state_key)}"
        try:
            event = self._call("GET", path, f"reading {event_type} in {room}", params={"format": "event"})
        except MatrixRefused as refused:
            if refused.errcode == "M_NOT_FOUND":
                return None
            raise
        return event if "content" in event else {"content": event}  # a server without format=event gives the content

    def profile(self, user: str) -> dict[str, Any]:
        return self._call("GET", f"{CLIENT}/profile/{q(user)}", f"looking up {user}")

    def members(self, room: str, membership: str | None = None) -> list[dict[str, Any]]:
        """The room's m.room.member events (every membership, or only `membership`: join, invite, ban, leave)."""
        params = {"membership": membership} if membership else None
        answer = self._call("GET", f"{CLIENT}/rooms/{q(room)}/members", f"listing the members of {room}", params=params)
        return list(answer.get("chunk", []))

    def joined_members(self, room: str) -> list[str]:
        """The user ids joined to the room: a compact answer, where /members would also list everyone who ever left."""
        answer = self._call("GET", f"{CLIENT}/rooms/{q(room)}/joined_members", f"listing the members of {room}")
        return [str(user) for user in answer.get("joined") or {}]

    def membership(self, room: str, user: str) -> str:
        """join, invite, knock, leave or ban; "leave" for someone the room never saw."""
        content = self.state(room, "m.room.member", user)
        return str((content or {}).get("membership") or "leave")

    # Moderation -------------------------------------------------------------------------------

    def ban(self, room: str, user: str, reason: str) -> None:
        self._call("POST", f"{CLIENT}/rooms/{q(room)}/ban", f"banning {user} from {room}", body={"user_id": user, "reason": reason})

    def unban(self, room: str, user: str, reason: str) -> None:
        self._call("POST", f"{CLIENT}/rooms/{q(room)}/unban", f"unbanning {user} in {room}", body={"user_id": user, "reason": reason})

    def kick(self, room: str, user: str, reason: str) -> None:
        self._call("POST", f"{CLIENT}/rooms/{q(room)}/kick", f"removing {user} from {room}", body={"user_id": user, "reason": reason})

    def redact(self, room: str, event_id: str, reason: str, txn_id: str) -> str:
        """Redact an event. The transaction id makes a retry the same request (the homeserver answers it once)."""
        path = f"{CLIENT}/rooms/{q(room)}/redact/{q(event_id)}/{q(txn_id)}"
        return str(self._call("PUT", path, f"redacting {event_id} in {room}", body={"reason": reason}).get("event_id", ""))

    def event(self, room: str, event_id: str) -> dict[str, Any] | None:
        try:
            return self._call("GET", f"{CLIENT}/rooms/{q(room)}/event/{q(event_id)}", f"reading {event_id} in {room}")
        except MatrixRefused as refused:
            if refused.errcode == "M_NOT_FOUND":
                return None
            raise

    # Messages ---------------------------------------------------------------------------------

    def send(self, room: str, event_type: str, content: Mapping[str, Any], txn_id: str) -> str:
        """Send an event; the same `txn_id` again (a retry) is not sent twice by the homeserver."""
        path = f"{CLIENT}/rooms/{q(room)}/send/{q(event_type)}/{q(txn_id)}"
        return str(self._call("PUT", path, f"sending a message to {room}", body=content)["event_id"])

    def messages(
        self,
        room: str,
        *,
        start: str | None,
        end: str | None = None,
        direction: str = "b",
        limit: int = 100,
        event_filter: str | None = None,
    ) -> dict[str, Any]:
        """A page of the room's events (`event_filter`: a RoomEventFilter as JSON, e.g. one sender's events)."""
        params = {"from": start, "to": end, "dir": direction, "limit": limit, "filter": event_filter}
        return self._call("GET", f"{CLIENT}/rooms/{q(room)}/messages", f"reading the messages of {room}", params=params)

    def sync(self, since: str | None, filter_: str, *, timeout_ms: int = 0) -> dict[str, Any]:
        """One /sync: `since` "" or None for the first (the recent past), never long-polling unless asked."""
        params = {"since": since or None, "filter": filter_, "timeout": timeout_ms, "set_presence": "offline"}
        return self._call("GET", f"{CLIENT}/sync", "reading the rooms (/sync)", params=params, timeout=timeout_ms / 1000 + 30)

    def account_data(self, event_type: str) -> dict[str, Any]:
        """The bot's global account data of a type (m.direct: its direct chats), {} where it has none."""
        path = f"{CLIENT}/user/{q(self.whoami())}/account_data/{q(event_type)}"
        try:
            return self._call("GET", path, f"reading the bot's {event_type}")
        except MatrixRefused as refused:
            if refused.errcode == "M_NOT_FOUND":
                return {}
            raise

    def put_account_data(self, event_type: str, content: Mapping[str, Any]) -> None:
        path = f"{CLIENT}/user/{q(self.whoami())}/account_data/{q(event_type)}"
        self._call("PUT", path, f"storing the bot's {event_type}", body=content)

    def upload_filter(self, definition: Mapping[str, Any]) -> str:
        user = self.whoami()
        return str(self._call("POST", f"{CLIENT}/user/{q(user)}/filter", "storing the sync filter", body=definition)["filter_id"])

    # Synapse's admin API (only with an admin token) ---------------------------------------------

    def event_reports(self, *, start: int = 0, limit: int = 100, direction: str = "f") -> dict[str, Any]:
        """Synapse's event reports, oldest first ("b": newest first): {"event_reports": [...], "next_token": n, "total": n}."""
        params = {"from": start, "limit": limit, "dir": direction}
        return self._call("GET", "/_synapse/admin/v1/event_reports", "reading the homeserver's event reports", params=params)

    def event_report(self, report_id: int | str) -> dict[str, Any]:
        return self._call("GET", f"/_synapse/admin/v1/event_reports/{q(str(report_id))}", f"reading event report {report_id}")
