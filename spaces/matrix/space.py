"""Matrix: a bot account with moderator power in the community's rooms (docs/spaces/matrix.md).

Operations live in `moderation.py`, reading (`/sync`, reports, moderation by hand) in `reading.py`, and the
Matrix way of sharing bans, policy lists, in `policy_lists.py`; this module holds the configuration and hands
each call to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from spaces.base import ActionRequest, Capability, Check, Handled, NotConfigured, Op, Outcome, Space, SyncBatch, Target
from spaces.matrix.client import MatrixClient
from spaces.registry import register
from spaces.secrets import missing_secrets


def names(value: Any) -> list[str]:
    """A settings list, given as a JSON list or as comma-separated text."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [str(item).strip() for item in items if str(item).strip()]


@register
class MatrixSpace(Space):
    platform = "matrix"
    title = "Matrix"
    capabilities = (
        Capability(Op.BAN, Target.PERSON, "Ban from the rooms", params=("redact_recent_hours",)),
        Capability(Op.REMOVE_FROM_CHANNEL, Target.PERSON, "Remove (kick) from the rooms", reversible=False, params=("room",)),
        Capability(Op.SILENCE, Target.PERSON, "Mute in the rooms (may read, may not post)"),
        Capability(Op.DELETE_CONTENT, Target.CONTENT, "Redact the message", reversible=False),
        # Only where the stewards choose it for a case and the policy allows it (enforcement.shared_bans): not an intent.
        Capability(Op.SHARE_BAN, Target.PERSON, "Publish the ban on the community's policy list (with the policy's public reason)"),
    )
    intents = {"ban": (Op.BAN,), "mute": (Op.SILENCE,)}
    # homeserver: the client API's base URL; rooms: room ids or aliases; space: a Matrix space whose rooms are watched
    # too; policy_room: the room Steward publishes its ban list in; follow_policy_rooms: trusted lists to follow.
    setting_names = ("homeserver", "rooms", "space", "policy_room", "follow_policy_rooms", "notice_channel")
    # access_token: the bot's; admin_token (optional): a Synapse admin's, to read the homeserver's event reports.
    secret_names = ("access_token", "admin_token")
    syncs = True
    # A redaction or a mute is followed by a direct message from the bot to the person (spaces/matrix/notices.py).
    notifies = frozenset({Op.DELETE_CONTENT, Op.SILENCE})
    notifies_privately = frozenset({Op.DELETE_CONTENT, Op.SILENCE})
    finds_notices = True
    posts_notices = True
    _client: MatrixClient | None = None
    _admin: MatrixClient | None = None
    _answer_in: dict[int, tuple[str, str]] | None = None

    @classmethod
    def needed_secrets(cls, settings: Mapping[str, Any]) -> tuple[str, ...]:
        return ("access_token",)

    @classmethod
    def settings_problems(cls, settings: Mapping[str, Any]) -> list[str]:
        problems = []
        homeserver = str(settings.get("homeserver") or "").strip()
        if not homeserver:
            problems.append("Name the homeserver's client API (setting 'homeserver', e.g. https://matrix.example.org).")
        elif urlsplit(homeserver).scheme not in ("http", "https"):
            problems.append(f"The homeserver {homeserver!r} is not an http(s) URL.")
        if not names(settings.get("rooms")) and not str(settings.get("space") or "").strip():
            problems.append("Name the rooms Steward moderates (setting 'rooms') or a Matrix space holding them ('space').")
        return problems

    # Configuration -------------------------------------------------------------------------------

    @property
    def homeserver(self) -> str:
        homeserver = str(self.settings.get("homeserver") or "").strip().rstrip("/")
        if not homeserver:
            raise NotConfigured(f"The Matrix connection {self.connection.slug} names no homeserver (setting 'homeserver').")
        return homeserver

    def client(self) -> MatrixClient:
        if self._client is None:
            missing = missing_secrets(self.connection.slug, ("access_token",))
            if missing:
                raise NotConfigured(f"Matrix needs the bot's access token: set {', '.join(missing)}.")
            self._client = MatrixClient(self.homeserver, self.secrets["access_token"])
        return self._client

    def admin(self) -> MatrixClient | None:
        """A client with the homeserver admin's token, where the community gave one (event reports); else None."""
        if self._admin is None and self.secrets.get("admin_token"):
            self._admin = MatrixClient(self.homeserver, self.secrets["admin_token"])
        return self._admin

    def rooms(self) -> list[str]:
        """The room ids Steward moderates: the `rooms` setting (aliases resolved) and the children of `space`."""
        client = self.client()
        found: list[str] = []
        for room in names(self.settings.get("rooms")):
            room_id = client.resolve_alias(room) if room.startswith("#") else room
            if room_id not in found:
                found.append(room_id)
        space = str(self.settings.get("space") or "").strip()
        if space:
            space_id = client.resolve_alias(space) if space.startswith("#") else space
            for event in client.room_state(space_id):
                if event.get("type") == "m.space.child" and event.get("content", {}).get("via") and event.get("state_key") not in found:
                    found.append(str(event["state_key"]))
        return found

    # Enforcement ---------------------------------------------------------------------------------

    def apply(self, request: ActionRequest) -> Outcome:
        if request.op == Op.SHARE_BAN:
            from spaces.matrix import policy_lists

            return policy_lists.publish(self, request)
        from spaces.matrix import moderation

        return moderation.apply(self, request)

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        if request.op == Op.SHARE_BAN:
            from spaces.matrix import policy_lists

            return policy_lists.withdraw(self, request, state)
        from spaces.matrix import moderation

        return moderation.revert(self, request, state)

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        if request.op == Op.SHARE_BAN:
            from spaces.matrix import policy_lists

            return policy_lists.check(self, request, state)
        from spaces.matrix import moderation

        return moderation.verify(self, request, state)

    # Notices -------------------------------------------------------------------------------------

    def post_notice(self, channel: str, text: str) -> str:
        from spaces.matrix import notices

        return notices.post_notice(self, channel, text)

    def post_moderation_notice(self, request: ActionRequest, state: Mapping[str, Any], text: str) -> str:
        from spaces.matrix import notices

        if request.op not in self.notifies:
            return super().post_moderation_notice(request, state, text)
        return notices.post_moderation_notice(self, request, state, text)

    def find_moderation_notice(self, request: ActionRequest, state: Mapping[str, Any]) -> str:
        from spaces.matrix import notices

        return notices.find_moderation_notice(self, request, state)

    # Reading -------------------------------------------------------------------------------------

    def sync(self, position: str) -> SyncBatch:
        from spaces.matrix import policy_lists, reading

        batch = reading.sync(self, position)
        # Members matching a followed list's ban rules: flags, committed with the rest of the read.
        return replace(batch, events=(*batch.events, *policy_lists.followed_matches(self)))

    def after_dispatch(self, handled: Handled) -> None:
        from spaces.matrix import reports

        reports.record_reply(self, handled)

    @property
    def answer_in(self) -> dict[int, tuple[str, str]]:
        """The direct chat (room, message) each report `sync` read is answered in, by the report's id(), until answered."""
        if self._answer_in is None:
            self._answer_in = {}
        return self._answer_in
