"""Slack: delete a message, remove a person from channels, deactivate their account (SCIM); read and watch messages.

Slack lifts none of these by itself, so no capability has native expiry: Steward schedules every reversal.
Slack keeps no reason with a kick, a deletion or a deactivation, so `request.reason` has nowhere to go here;
it stays on the case.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from spaces.base import (
    ActionRequest,
    Capability,
    Check,
    Handled,
    Inbound,
    Item,
    NotConfigured,
    Op,
    Outcome,
    PermanentFailure,
    ReportEvent,
    Space,
    SpaceError,
    Target,
    Verdict,
)
from spaces.registry import register
from spaces.secrets import missing_secrets
from spaces.slack import messages, subjects, webhooks
from spaces.slack.client import DEFAULT_API_URL, DEFAULT_SCIM_URL, SlackClient, SlackRefused

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("steward.spaces.slack")

CHANNEL_TYPES = "public_channel,private_channel"
REMOVED, NOT_THERE, DEFAULT_CHANNEL = "removed", "not there", "default channel"


@register
class SlackSpace(Space):
    platform = "slack"
    title = "Slack"
    capabilities = (
        Capability(Op.DELETE_CONTENT, Target.CONTENT, "Delete the message", reversible=False),
        Capability(Op.REMOVE_FROM_CHANNEL, Target.PERSON, "Remove from Slack channels", params=("channel",)),
        Capability(Op.DEACTIVATE, Target.PERSON, "Deactivate the Slack account"),
    )
    # Slack has no "may read but not post" for a member, so there is no "mute" here.
    intents = {"ban": (Op.DEACTIVATE,)}
    # The author of a deleted message gets a direct message from the bot (conversations.open, chat.postMessage).
    notifies = frozenset({Op.DELETE_CONTENT})
    notifies_privately = notifies
    setting_names = ("api_url", "scim_url", "team_id", "channels", "workspace_url", "notice_channel")
    posts_notices = True
    secret_names = ("bot_token", "admin_token", "signing_secret")

    @classmethod
    def settings_problems(cls, settings: Mapping[str, Any]) -> list[str]:
        channel = str(settings.get("notice_channel") or "")
        if channel and not re.fullmatch(r"[CG][A-Z0-9]{6,}", channel):
            return ["`notice_channel` is the channel's id (C… or G…, at the bottom of its details), not its name."]
        return []

    # Plumbing -----------------------------------------------------------------------------------

    def _require(self, *names: str) -> None:
        missing = [name for name in names if not self.secrets.get(name)]
        if missing:
            variables = missing_secrets(self.connection.slug, missing)
            raise NotConfigured(f"Slack needs {', '.join(variables)} (or the secrets file) to do this.")

    @property
    def client(self) -> SlackClient:
        return SlackClient(
            self.secrets,
            api_url=str(self.settings.get("api_url") or DEFAULT_API_URL),
            scim_url=str(self.settings.get("scim_url") or DEFAULT_SCIM_URL),
            team_id=str(self.settings.get("team_id") or ""),
        )

    def _configured_channels(self) -> list[str]:
        raw = self.settings.get("channels") or []
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        return [str(item).strip().upper() for item in items if str(item).strip()]

    def _user_id(self, request: ActionRequest, state: Mapping[str, Any]) -> str:
        if state.get("user_id"):
            return str(state["user_id"])
        who = subjects.person(request.subject)
        if who.user_id:
            return who.user_id
        self._require("bot_token")
        try:
            found = self.client.call("bot_token", "users.lookupByEmail", email=who.email)
        except SlackRefused as error:
            if error.error == "users_not_found":
                raise PermanentFailure(f"Slack has no member with the e-mail address {who.email}.") from None
            raise
        return str(found["user"]["id"])

    # Enforcement --------------------------------------------------------------------------------

    def apply(self, request: ActionRequest) -> Outcome:
        if request.op == Op.DELETE_CONTENT:
            return self._delete(request)
        if request.op == Op.REMOVE_FROM_CHANNEL:
            return self._remove(request)
        if request.op == Op.DEACTIVATE:
            return self._deactivate(request)
        return super().apply(request)

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        if request.op == Op.REMOVE_FROM_CHANNEL:
            return self._readd(request, state)
        if request.op == Op.DEACTIVATE:
            return self._reactivate(request, state)
        return super().revert(request, state)

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        if request.op == Op.DELETE_CONTENT:
            return self._check_deleted(request, state)
        if request.op == Op.REMOVE_FROM_CHANNEL:
            return self._check_removed(request, state)
        if request.op == Op.DEACTIVATE:
            return self._check_deactivated(request, state)
        return super().verify(request, state)

    # Delete a message (irreversible) --------------------------------------------------------------

    def _delete(self, request: ActionRequest) -> Outcome:
        self._require("admin_token")  # a bot may only delete its own messages
        ref = subjects.message(request.subject, request.params)
        where = f"the Slack message {ref.ts} in channel {ref.channel}"
        state = {**ref.as_state(), "user_id": self._author(ref)}
        try:
            self.client.call("admin_token", "chat.delete", channel=ref.channel, ts=ref.ts)
        except SlackRefused as error:
            if error.error != "message_not_found":
                raise
            return Outcome(f"{where[0].upper()}{where[1:]} was already gone.", external_ref=f"{ref.channel}/{ref.ts}", state=state)
        return Outcome(f"Deleted {where}.", external_ref=f"{ref.channel}/{ref.ts}", state=state)

    def _author(self, ref: subjects.MessageRef) -> str:
        """Who wrote the message, read before it goes (Slack's deletion answer does not say): the notice telling them
        why is sent to them. Best effort: a message Steward cannot read is still deleted, and gets no notice."""
        try:
            found = self._around(ref)
        except SpaceError as error:
            logger.info("Slack message %s/%s: its author could not be read (%s)", ref.channel, ref.ts, error.message)
            return ""
        return next((str(message.get("user") or "") for message in found if message.get("ts") == ref.ts), "")

    def _check_deleted(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        if state.get("ts"):
            ref = subjects.MessageRef(str(state["channel"]), str(state["ts"]), str(state.get("thread_ts") or ""))
        else:
            ref = subjects.message(request.subject, request.params)
        try:
            found = self._around(ref)
        except SlackRefused as error:
            if error.error == "thread_not_found":
                return Check(Verdict.HOLDS, f"The whole thread of message {ref.ts} is gone.")
            if error.error in ("channel_not_found", "not_in_channel"):
                return Check(Verdict.UNKNOWN, f"Steward cannot read channel {ref.channel}, so it cannot tell.")
            raise
        # A deleted thread parent stays as a "This message was deleted." tombstone.
        present = any(message.get("ts") == ref.ts and message.get("subtype") != "tombstone" for message in found)
        if present:
            return Check(Verdict.ABSENT, f"Message {ref.ts} is still in channel {ref.channel}.")
        return Check(Verdict.HOLDS, f"Message {ref.ts} is no longer in channel {ref.channel}.")

    def _around(self, ref: subjects.MessageRef) -> list[dict[str, Any]]:
        """The message at ref.ts if it is still there (and perhaps a neighbour)."""
        if not ref.is_reply:
            self._require("bot_token")
            window = {"latest": ref.ts, "inclusive": True, "limit": 1}
            return list(self.client.call("bot_token", "conversations.history", channel=ref.channel, **window)["messages"])
        # Threads in channels can only be read with a user token (Slack's docs say bot tokens lack the permission).
        # oldest=ts inclusive: the reply comes first, after the thread's parent that Slack may always include.
        self._require("admin_token")
        window = {"oldest": ref.ts, "inclusive": True, "limit": 2}
        return list(self.client.call("admin_token", "conversations.replies", channel=ref.channel, ts=ref.thread_ts, **window)["messages"])

    # Notices ------------------------------------------------------------------------------------

    def post_notice(self, channel: str, text: str) -> str:
        """chat.postMessage as the bot (scope chat:write; the bot must be in the channel). No unfurling: the link
        leads to Steward's sign-in, and Slack fetching it would only show that page to the channel."""
        self._require("bot_token")
        answer = self.client.call("bot_token", "chat.postMessage", channel=channel, text=text, unfurl_links=False, unfurl_media=False)
        return f"{answer.get('channel', channel)}/{answer.get('ts', '')}"

    def post_moderation_notice(self, request: ActionRequest, state: Mapping[str, Any], text: str) -> str:
        """A direct message from the bot to the author of the deleted message: conversations.open with them (scope
        im:write), then chat.postMessage in that conversation (chat:write). Returns "D…/ts"."""
        if request.op not in self.notifies:
            return super().post_moderation_notice(request, state, text)
        user_id = str(state.get("user_id") or "")
        if not user_id:
            raise PermanentFailure("Steward could not read who wrote the deleted message, so it has nobody to tell.")
        self._require("bot_token")
        opened = self.client.call("bot_token", "conversations.open", users=user_id)
        channel = str(opened["channel"]["id"])
        answer = self.client.call("bot_token", "chat.postMessage", channel=channel, text=text, unfurl_links=False, unfurl_media=False)
        return f"{answer.get('channel', channel)}/{answer.get('ts', '')}"

    # Remove from channels -------------------------------------------------------------------------

    def _requested_channels(self, request: ActionRequest) -> list[str]:
        channel = str(request.params.get("channel") or "").strip().upper()
        return [channel] if channel else self._configured_channels()

    def _channels_of(self, user_id: str) -> list[str]:
        """Every channel the person is in that the bot can see, but #general, which nobody can be removed from."""
        found = self.client.pages(
            "bot_token", "users.conversations", "channels", user=user_id, types=CHANNEL_TYPES, exclude_archived=True, limit=200
        )
        return [str(channel["id"]) for channel in found if not channel.get("is_general")]

    def _members(self, channel: str) -> set[str]:
        return {str(member) for member in self.client.pages("bot_token", "conversations.members", "members", channel=channel, limit=200)}

    def _remove(self, request: ActionRequest) -> Outcome:
        self._require("bot_token")
        user_id = self._user_id(request, {})
        channels = self._requested_channels(request) or self._channels_of(user_id)
        results: dict[str, str] = {}
        try:
            for channel in channels:
                results[channel] = self._kick(channel, user_id)
        except SpaceError:
            # Put back whom we removed, so the retry starts from the same memberships and its state names them all.
            self._invite_back([channel for channel, result in results.items() if result == REMOVED], user_id)
            raise
        left = [channel for channel, result in results.items() if result == REMOVED]
        default = [channel for channel, result in results.items() if result == DEFAULT_CHANNEL]
        if default and default == channels:
            raise PermanentFailure(f"Slack lets nobody be removed from the workspace's default channel {', '.join(default)}.")
        note = f" (Slack lets nobody leave the default channel {', '.join(default)})" if default else ""
        state = {"user_id": user_id, "channels": left}
        if not left:
            detail = f"Slack user {user_id} was already in none of the channels {', '.join(channels) or '(none)'}{note}."
        else:
            detail = f"Removed Slack user {user_id} from {len(left)} channel(s): {', '.join(left)}{note}."
        return Outcome(detail, external_ref=user_id, state=state)

    def _kick(self, channel: str, user_id: str) -> str:
        """REMOVED by this call, NOT_THERE already, or DEFAULT_CHANNEL (#general, which nobody can leave)."""
        try:
            self.client.call("bot_token", "conversations.kick", channel=channel, user=user_id)
        except SlackRefused as error:
            if error.error == "cant_kick_from_general":
                return DEFAULT_CHANNEL
            if error.error != "not_in_channel":
                raise
            # Slack says not_in_channel both when the person is not there and when the bot is not: ask which.
            if user_id in self._members(channel):
                raise PermanentFailure(
                    f"Slack would not remove {user_id} from {channel}: the Steward bot must be a member of the channel."
                ) from None
            return NOT_THERE
        return REMOVED

    def _invite_back(self, channels: list[str], user_id: str) -> None:
        for channel in channels:
            try:
                self._invite(channel, user_id)
            except SpaceError as error:
                logger.warning("Could not put Slack user back into %s after a failed removal: %s", channel, error.message)

    def _invite(self, channel: str, user_id: str) -> bool:
        try:
            self.client.call("bot_token", "conversations.invite", channel=channel, users=user_id)
        except SlackRefused as error:
            if error.error == "already_in_channel":
                return False
            if error.error == "not_in_channel":  # for invite, Slack means the caller
                raise PermanentFailure(
                    f"Slack would not add {user_id} to {channel}: the Steward bot must be a member of the channel."
                ) from None
            raise
        return True

    def _readd(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        self._require("bot_token")
        user_id = self._user_id(request, state)
        channels = [str(channel) for channel in state.get("channels", [])]
        added = [channel for channel in channels if self._invite(channel, user_id)]
        if not channels:
            return Outcome(f"Slack user {user_id} had been removed from no channel; nothing to undo.", external_ref=user_id)
        return Outcome(f"Slack user {user_id} is back in {', '.join(channels)} ({len(added)} re-added).", external_ref=user_id)

    def _check_removed(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        self._require("bot_token")
        user_id = self._user_id(request, state)
        if "channels" in state:
            channels = [str(channel) for channel in state["channels"]]
        else:
            channels = self._requested_channels(request) or self._channels_of(user_id)
        back = [channel for channel in channels if user_id in self._members(channel)]
        if back:
            return Check(Verdict.ABSENT, f"Slack user {user_id} is in {', '.join(back)}.")
        return Check(Verdict.HOLDS, f"Slack user {user_id} is in none of {', '.join(channels) or 'the channels'}.")

    # Deactivate (SCIM) ------------------------------------------------------------------------------

    def _active(self, user_id: str) -> bool:
        return bool(self.client.scim_user(user_id).get("active"))

    def _deactivate(self, request: ActionRequest) -> Outcome:
        self._require("admin_token")
        user_id = self._user_id(request, {})
        state = {"user_id": user_id}
        if not self._active(user_id):
            return Outcome(f"The Slack account {user_id} was already deactivated.", external_ref=user_id, state=state)
        self.client.scim_deactivate(user_id)
        return Outcome(f"Deactivated the Slack account {user_id}.", external_ref=user_id, state=state)

    def _reactivate(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        self._require("admin_token")
        user_id = self._user_id(request, state)
        if self._active(user_id):
            return Outcome(f"The Slack account {user_id} was already active.", external_ref=user_id)
        self.client.scim_reactivate(user_id)
        return Outcome(f"Reactivated the Slack account {user_id}.", external_ref=user_id)

    def _check_deactivated(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        self._require("admin_token")
        user_id = self._user_id(request, state)
        if self._active(user_id):
            return Check(Verdict.ABSENT, f"The Slack account {user_id} is active.")
        return Check(Verdict.HOLDS, f"The Slack account {user_id} is deactivated.")

    # Reading and webhooks ---------------------------------------------------------------------------

    def read(self, since: datetime) -> Iterator[Item]:
        """Messages people wrote since a time in the configured channels (or every channel the bot is in), oldest first.

        conversations.history holds a channel's top-level messages (and replies sent to the channel); other thread
        replies reach Steward through the Events API.
        """
        self._require("bot_token")
        workspace_url = str(self.settings.get("workspace_url") or "")
        channels = self._configured_channels() or [
            str(channel["id"])
            for channel in self.client.pages(
                "bot_token", "users.conversations", "channels", types=CHANNEL_TYPES, exclude_archived=True, limit=200
            )
        ]
        found: list[Item] = []
        for channel in channels:
            history = self.client.pages(
                "bot_token", "conversations.history", "messages", channel=channel, oldest=f"{since.timestamp():.6f}", limit=200
            )
            found += [messages.item(message, channel, workspace_url) for message in history if messages.written_by_a_person(message)]
        return iter(sorted(found, key=lambda item: (item.created_at is None, item.created_at)))

    def parse_webhook(self, request: HttpRequest) -> Inbound:

        secret = self.secrets.get("signing_secret", "")
        if not secret:
            variable = missing_secrets(self.connection.slug, ["signing_secret"])[0]
            raise NotConfigured(f"Slack requests cannot be checked: {variable} is not set.")
        return webhooks.parse(
            request, secret, team_id=str(self.settings.get("team_id") or ""), workspace_url=str(self.settings.get("workspace_url") or "")
        )

    def webhook_response(self, inbound: Inbound, handled: list[Handled]) -> HttpResponse:
        from django.http import HttpResponse, JsonResponse

        if inbound.immediate is not None:
            return JsonResponse(inbound.immediate)
        response_url = inbound.response_url if isinstance(inbound, webhooks.SlackInbound) else ""
        for done in handled:
            if isinstance(done.event, ReportEvent) and response_url:
                self._thank_reporter(response_url, done)
        return HttpResponse(status=200)  # Slack wants a 2xx within 3 seconds, and shows nothing for an empty body

    def _thank_reporter(self, response_url: str, done: Handled) -> None:
        text = "Thanks — your report reached the stewards."
        if done.report_reference:
            text += f" Reference {done.report_reference}."
        if done.follow_up_url:
            text += f" Follow it up privately at {done.follow_up_url}"
        try:
            self.client.respond(response_url, text)
        except SpaceError as error:
            # The report is taken either way; a lost confirmation must not turn into an error Slack shows the reporter.
            logger.warning("Could not confirm a report to the reporter in Slack: %s", error.message)
        except Exception:
            logger.exception("Unexpected failure confirming a report to the reporter in Slack")
