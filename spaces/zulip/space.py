"""Zulip: deactivate an account, unsubscribe someone from streams, delete a message; read streams; outgoing webhook."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

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
    Space,
    Target,
    Verdict,
)
from spaces.registry import register
from spaces.secrets import missing_secrets
from spaces.zulip.client import ZulipClient, ZulipRefused
from spaces.zulip.webhooks import item_from_message, parse_delivery

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

# A message link ends in /near/<id> (or /with/<id>, /id/<id> on newer servers).
MESSAGE_LINK = re.compile(r"/(?:near|with|id)/(\d+)/?$")
MAX_PAGES = 50  # per stream and read, so a very busy stream cannot keep a reader going forever


def _names(value: Any) -> list[str]:
    """A settings list, given as a JSON list or as comma-separated text."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [str(item).strip().lstrip("#") for item in items if str(item).strip()]


@register
class ZulipSpace(Space):
    platform = "zulip"
    title = "Zulip"
    capabilities = (
        Capability(Op.DELETE_CONTENT, Target.CONTENT, "Delete the message", reversible=False),
        Capability(Op.DEACTIVATE, Target.PERSON, "Deactivate the Zulip account"),
        Capability(Op.REMOVE_FROM_CHANNEL, Target.PERSON, "Unsubscribe from streams", params=("stream",)),
    )
    intents = {"ban": (Op.DEACTIVATE,)}  # Zulip has no "may read, may not post" for one person
    setting_names = ("site", "streams", "notice_channel", "notice_topic")
    posts_notices = True
    # The sender of a deleted message gets a direct message from the bot.
    notifies = frozenset({Op.DELETE_CONTENT})
    notifies_privately = notifies
    secret_names = ("bot_email", "api_key", "webhook_token")
    _client: ZulipClient | None = None

    # Configuration -------------------------------------------------------------------------------

    @property
    def site(self) -> str:
        site = str(self.settings.get("site") or "").strip().rstrip("/")
        if not site:
            raise NotConfigured(
                f"The Zulip connection {self.connection.slug} has no site URL (setting 'site', e.g. https://chat.example.org)."
            )
        return site

    def streams(self, request: ActionRequest | None = None) -> list[str]:
        if request is not None and request.params.get("stream"):
            return _names([request.params["stream"]])
        return _names(self.settings.get("streams"))

    def client(self) -> ZulipClient:
        if self._client is None:
            missing = missing_secrets(self.connection.slug, ("bot_email", "api_key"))
            if missing:
                raise NotConfigured(f"Zulip needs the bot's e-mail and API key: set {', '.join(missing)}.")
            self._client = ZulipClient(self.site, self.secrets["bot_email"], self.secrets["api_key"])
        return self._client

    # Notices ------------------------------------------------------------------------------------

    def post_notice(self, channel: str, text: str) -> str:
        """A stream message under the `notice_topic` setting (default "new reports"); a bot may post in a public
        stream it is not subscribed to, and in a private one only once subscribed."""
        topic = str(self.settings.get("notice_topic") or "new reports").strip()
        return str(self.client().send_stream_message(channel.strip().lstrip("#"), topic, text))

    def post_moderation_notice(self, request: ActionRequest, state: Mapping[str, Any], text: str) -> str:
        """A direct message from the bot to the sender of the deleted message. A deactivated account gets none (it
        cannot read it), so deactivation is not among `notifies`."""
        if request.op not in self.notifies:
            return super().post_moderation_notice(request, state, text)
        sender = state.get("sender_id")
        if not isinstance(sender, int):
            raise PermanentFailure("Steward did not learn who sent the deleted message, so it has nobody to tell.")
        return str(self.client().send_direct_message([sender], text))

    # Dispatch ------------------------------------------------------------------------------------

    def apply(self, request: ActionRequest) -> Outcome:
        actions: dict[Op, Callable[[ActionRequest], Outcome]] = {
            Op.DELETE_CONTENT: self._delete_message,
            Op.DEACTIVATE: self._deactivate,
            Op.REMOVE_FROM_CHANNEL: self._unsubscribe,
        }
        if request.op not in actions:
            return super().apply(request)
        return actions[request.op](request)

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        if request.op == Op.DEACTIVATE:
            return self._reactivate(request, state)
        if request.op == Op.REMOVE_FROM_CHANNEL:
            return self._resubscribe(request, state)
        return super().revert(request, state)

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        if request.op == Op.DELETE_CONTENT:
            message_id = int(state.get("message_id") or self._message_id(request.subject))
            if self.client().message(message_id) is None:
                return Check(Verdict.HOLDS, f"Zulip message {message_id} no longer exists.")
            return Check(Verdict.ABSENT, f"Zulip message {message_id} is still there.")
        if request.op == Op.DEACTIVATE:
            user = self._user(request.subject, state)
            if user.get("is_active"):
                return Check(Verdict.ABSENT, f"{self._name(user)} is active on Zulip.")
            return Check(Verdict.HOLDS, f"{self._name(user)} is deactivated on Zulip.")
        if request.op == Op.REMOVE_FROM_CHANNEL:
            return self._check_unsubscribed(request, state)
        return super().verify(request, state)

    # People --------------------------------------------------------------------------------------

    def _user(self, subject: str, state: Mapping[str, Any]) -> dict[str, Any]:
        """The Zulip user for a handle: a numeric user id or an e-mail address (Zulip compares e-mail case-insensitively)."""
        key: str | int = state.get("user_id") or subject.strip().lstrip("@")
        try:
            return self.client().user(key)
        except ZulipRefused as error:
            if error.status == 400 and error.code == "BAD_REQUEST":
                raise PermanentFailure(f"Zulip has no user {subject} ({error.zulip_msg}).") from None
            raise

    @staticmethod
    def _name(user: Mapping[str, Any]) -> str:
        return f"{user.get('full_name') or 'User'} ({user.get('email') or user.get('user_id')})"

    def _deactivate(self, request: ActionRequest) -> Outcome:
        user = self._user(request.subject, {})
        user_id = int(user["user_id"])
        state = {"user_id": user_id}
        if not user.get("is_active"):
            return Outcome(f"{self._name(user)} was already deactivated on Zulip.", external_ref=str(user_id), state=state)
        try:
            self.client().deactivate_user(user_id)
        except ZulipRefused:
            # Deactivating a deactivated user is an error ("No such user"): someone may have been quicker.
            if not self._user(request.subject, state).get("is_active"):
                return Outcome(f"{self._name(user)} was already deactivated on Zulip.", external_ref=str(user_id), state=state)
            raise
        return Outcome(f"Deactivated {self._name(user)} on Zulip.", external_ref=str(user_id), state=state)

    def _reactivate(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        user = self._user(request.subject, state)
        user_id = int(user["user_id"])
        if user.get("is_active"):
            return Outcome(f"{self._name(user)} was already active on Zulip.", external_ref=str(user_id), state={"user_id": user_id})
        self.client().reactivate_user(user_id)
        return Outcome(f"Reactivated {self._name(user)} on Zulip.", external_ref=str(user_id), state={"user_id": user_id})

    # Streams -------------------------------------------------------------------------------------

    def _stream_ids(self, names: list[str], known: Mapping[str, Any]) -> dict[str, int]:
        client = self.client()
        return {name: int(known[name]) if name in known else client.stream_id(name) for name in names}

    def _targets(self, request: ActionRequest) -> list[str]:
        streams = self.streams(request)
        if not streams:
            raise PermanentFailure("No stream given and no streams configured for this Zulip connection (setting 'streams').")
        return streams

    def _unsubscribe(self, request: ActionRequest) -> Outcome:
        user = self._user(request.subject, {})
        user_id = int(user["user_id"])
        ids = self._stream_ids(self._targets(request), {})
        client = self.client()
        # Only the streams they are in: the state then says exactly what to give back, and a repeat sends nothing.
        subscribed = [name for name, stream_id in ids.items() if client.is_subscribed(user_id, stream_id)]
        removed = client.unsubscribe(user_id, subscribed) if subscribed else []
        state = {"user_id": user_id, "streams": ids, "removed": removed}
        if not removed:
            return Outcome(f"{self._name(user)} was not subscribed to {self._list(ids)} on Zulip.", external_ref=str(user_id), state=state)
        return Outcome(f"Unsubscribed {self._name(user)} from {self._list(removed)} on Zulip.", external_ref=str(user_id), state=state)

    def _resubscribe(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        user = self._user(request.subject, state)
        user_id = int(user["user_id"])
        # Without a recorded state (a crash before it was saved), give back every stream the action named.
        names = list(state["removed"]) if "removed" in state else self._targets(request)
        ids = self._stream_ids(names, state.get("streams") or {})
        client = self.client()
        missing = [name for name, stream_id in ids.items() if not client.is_subscribed(user_id, stream_id)]
        if missing:
            client.subscribe(user_id, missing)
        after = {"user_id": user_id, "streams": ids, "resubscribed": missing}
        if not names:
            return Outcome(f"{self._name(user)} had not been unsubscribed from any stream; nothing to give back.", state=after)
        if not missing:
            return Outcome(f"{self._name(user)} was already back in {self._list(names)} on Zulip.", external_ref=str(user_id), state=after)
        return Outcome(f"Subscribed {self._name(user)} again to {self._list(missing)} on Zulip.", external_ref=str(user_id), state=after)

    def _check_unsubscribed(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        user = self._user(request.subject, state)
        user_id = int(user["user_id"])
        known = state.get("streams") or {}
        ids = self._stream_ids(list(known) or self._targets(request), known)
        client = self.client()
        present = [name for name, stream_id in ids.items() if client.is_subscribed(user_id, stream_id)]
        if present:
            return Check(Verdict.ABSENT, f"{self._name(user)} is subscribed to {self._list(present)} on Zulip.")
        return Check(Verdict.HOLDS, f"{self._name(user)} is not subscribed to {self._list(ids)} on Zulip.")

    @staticmethod
    def _list(names: Mapping[str, Any] | list[str]) -> str:
        return ", ".join(f"#{name}" for name in names)

    # Messages ------------------------------------------------------------------------------------

    def _message_id(self, subject: str) -> int:
        """A message id from a message link on this site, or the bare id."""
        subject = subject.strip()
        if subject.isdigit():
            return int(subject)
        match = MESSAGE_LINK.search(subject)
        if match is None:
            raise PermanentFailure(f"Not a Zulip message link or id: {subject}")
        link_host, site_host = urlsplit(subject).hostname, urlsplit(self.site).hostname
        if link_host and site_host and link_host.casefold() != site_host.casefold():
            raise PermanentFailure(f"The link {subject} is not on this connection's Zulip site ({self.site}).")
        return int(match.group(1))

    def _delete_message(self, request: ActionRequest) -> Outcome:
        message_id = self._message_id(request.subject)
        client = self.client()
        found = client.message(message_id)
        # The sender too: the direct message telling them why goes to them (post_moderation_notice).
        state = {"message_id": message_id, "sender_id": found.get("sender_id") if found else None}
        if found is None or not client.delete_message(message_id):
            return Outcome(f"Zulip message {message_id} was already gone.", external_ref=str(message_id), state=state)
        return Outcome(f"Deleted Zulip message {message_id}.", external_ref=str(message_id), state=state)

    # Reading and webhooks ------------------------------------------------------------------------

    def read(self, since: datetime) -> Iterator[Item]:
        client = self.client()
        cutoff = since.timestamp()
        found: list[dict[str, Any]] = []
        for stream in self.streams():
            anchor: str | int = "newest"
            for _page in range(MAX_PAGES):
                batch, found_oldest = client.messages(stream, anchor=anchor, num_before=client.PAGE_SIZE)
                found.extend(message for message in batch if message.get("timestamp", 0) >= cutoff)
                if found_oldest or not batch or batch[0].get("timestamp", 0) < cutoff:
                    break
                anchor = int(batch[0]["id"])
        found.sort(key=lambda message: (message.get("timestamp", 0), message.get("id", 0)))
        site = self.site
        for message in found:
            yield item_from_message(site, message)

    def parse_webhook(self, request: HttpRequest) -> Inbound:
        token = self.secrets.get("webhook_token")
        if not token:
            missing = ", ".join(missing_secrets(self.connection.slug, ("webhook_token",)))
            raise NotConfigured(f"This Zulip connection has no outgoing-webhook token: set {missing}.")
        # The site only builds message links here; a missing one must not turn a delivery into an error.
        return parse_delivery(request.body, token, str(self.settings.get("site") or "").rstrip("/"))

    def webhook_response(self, inbound: Inbound, handled: list[Handled]) -> HttpResponse:
        # Zulip posts whatever an outgoing webhook answers as the bot's reply; Steward stays silent in the chat.
        from django.http import JsonResponse

        return JsonResponse({"response_not_required": True})
