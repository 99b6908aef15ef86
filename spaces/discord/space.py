"""Discord: time-outs (lifted by Discord itself), bans, message deletion, reading channels and the audit log,
and the "Report message" command. The person handle is the numeric user id; content is a message link."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from people.models import Space as PeopleSpace
from spaces.base import (
    ActionRequest,
    Capability,
    Check,
    Handled,
    Inbound,
    Item,
    ModeratorActionEvent,
    NotConfigured,
    Op,
    Outcome,
    PermanentFailure,
    Space,
    Target,
    Verdict,
)
from spaces.discord.client import (
    DEFAULT_API_URL,
    MEMBER_BAN_ADD,
    MEMBER_UPDATE,
    MESSAGE_BULK_DELETE,
    MESSAGE_DELETE,
    UNKNOWN_BAN,
    UNKNOWN_CHANNEL,
    UNKNOWN_MEMBER,
    UNKNOWN_MESSAGE,
    DiscordClient,
    DiscordRefused,
    snowflake_at,
    time_of,
)
from spaces.discord.messages import WRITTEN_TYPES, message_item, message_link, message_ref, user_handles, user_id
from spaces.discord.webhooks import command_definition, parse_interaction, report_answer
from spaces.registry import register
from spaces.secrets import missing_secrets

MAX_TIMEOUT = timedelta(days=28)
MAX_DELETE_MESSAGE_SECONDS = 7 * 24 * 3600

__all__ = ["DiscordSpace", "command_definition", "register_report_command"]


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _who(user: Mapping[str, Any] | None, fallback: str) -> str:
    name = (user or {}).get("username")
    return f"{name} ({fallback})" if name else f"user {fallback}"


def _timed_out_until(member: Mapping[str, Any]) -> datetime | None:
    """The end of the member's time-out if one is running now (Discord leaves past values in place)."""
    value = member.get("communication_disabled_until")
    if not value:
        return None
    until = datetime.fromisoformat(str(value))
    return until if until > timezone.now() else None


def _reason(request: ActionRequest) -> str:
    # Every change Steward makes should be recognisable as Steward's in the server's audit log.
    return request.reason or "Code of conduct action by Steward"


def _lift_reason(request: ActionRequest) -> str:
    return f"Lifted by Steward: {request.reason}" if request.reason else "Lifted by Steward"


@register
class DiscordSpace(Space):
    platform = PeopleSpace.DISCORD.value
    title = "Discord"
    capabilities = (
        Capability(
            Op.TIMEOUT,
            Target.PERSON,
            "Time out in the server (may read, may not post, react or speak)",
            native_expiry=MAX_TIMEOUT,
            needs_end=True,
        ),
        Capability(Op.BAN, Target.PERSON, "Ban from the server", params=("delete_message_seconds",)),
        Capability(Op.DELETE_CONTENT, Target.CONTENT, "Delete the message", reversible=False),
    )
    intents = {"ban": (Op.BAN,), "mute": (Op.TIMEOUT,)}
    setting_names = ("api_url", "guild_id", "application_id", "channels", "notice_channel")
    posts_notices = True
    notifies = frozenset({Op.TIMEOUT})  # a direct message to the person timed out (they stay in the server)
    secret_names = ("bot_token", "public_key")

    @classmethod
    def settings_problems(cls, settings: Mapping[str, Any]) -> list[str]:
        channel = str(settings.get("notice_channel") or "")
        if channel and not channel.isdigit():
            return ["`notice_channel` is the channel's numeric id (Developer Mode, right-click the channel, Copy Channel ID)."]
        return []

    # Configuration --------------------------------------------------------------------------------

    @property
    def guild(self) -> str:
        guild = str(self.settings.get("guild_id") or "").strip()
        if not guild:
            raise NotConfigured(f"The Discord connection {self.connection.slug} has no guild_id setting (the server's id).")
        return guild

    def client(self) -> DiscordClient:
        token = self.secrets.get("bot_token", "")
        if not token:
            missing = ", ".join(missing_secrets(self.connection.slug, ["bot_token"]))
            raise NotConfigured(
                f"The Discord connection {self.connection.slug} has no bot token: set {missing} (or bot_token in the secrets file)."
            )
        return DiscordClient(str(self.settings.get("api_url") or DEFAULT_API_URL), token)

    def channels(self) -> list[str]:
        value = self.settings.get("channels") or []
        items = value.split(",") if isinstance(value, str) else value
        return [str(item).strip() for item in items if str(item).strip()]

    # Notices ------------------------------------------------------------------------------------

    def post_notice(self, channel: str, text: str) -> str:
        """Create a message in the channel (the bot needs View Channel and Send Messages there)."""
        with self.client() as client:
            return str(client.create_message(channel.strip(), text)["id"])

    # Enforcement ----------------------------------------------------------------------------------

    def apply(self, request: ActionRequest) -> Outcome:
        if request.op == Op.TIMEOUT:
            return self._time_out(request)
        if request.op == Op.BAN:
            return self._ban(request)
        if request.op == Op.DELETE_CONTENT:
            return self._delete(request)
        return super().apply(request)

    def post_moderation_notice(self, request: ActionRequest, state: Mapping[str, Any], text: str) -> str:
        """A direct message from the bot to the person timed out. Discord refuses it (50007) when they accept no
        direct messages from server members; the caller records that, the time-out stays."""
        if request.op not in self.notifies:
            return super().post_moderation_notice(request, state, text)
        with self.client() as api:
            return str(api.create_message(api.open_dm(user_id(request.subject)), text)["id"])

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        if request.op == Op.TIMEOUT:
            return self._lift_time_out(request, state)
        if request.op == Op.BAN:
            return self._unban(request, state)
        if request.op == Op.DELETE_CONTENT:
            raise PermanentFailure("A deleted Discord message cannot be restored.")
        return super().revert(request, state)

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        if request.op == Op.TIMEOUT:
            return self._check_time_out(request, state)
        if request.op == Op.BAN:
            return self._check_ban(request, state)
        if request.op == Op.DELETE_CONTENT:
            return self._check_deleted(request)
        return super().verify(request, state)

    # Time-outs: Discord lifts them itself, 28 days at most ----------------------------------------

    def _timeout_end(self, request: ActionRequest) -> datetime:
        if request.ends_at is None:
            raise PermanentFailure("A Discord time-out needs an end date; for an exclusion without one, use a ban.")
        now = timezone.now()
        if request.ends_at <= now:
            raise PermanentFailure(f"The time-out would end on {_when(request.ends_at)}, which has already passed.")
        if request.ends_at - now > MAX_TIMEOUT:
            raise PermanentFailure(
                f"Discord time-outs last at most 28 days, and this one would end on {_when(request.ends_at)}: "
                "use a ban instead, which Steward lifts at the end date."
            )
        return request.ends_at

    def _member(self, api: DiscordClient, user: str) -> dict[str, Any] | None:
        try:
            return api.member(self.guild, user)
        except DiscordRefused as error:
            if error.code == UNKNOWN_MEMBER:
                return None
            raise

    def _time_out(self, request: ActionRequest) -> Outcome:
        user, until = user_id(request.subject), self._timeout_end(request)
        with self.client() as api:
            member = self._member(api, user)
            if member is None:
                raise PermanentFailure(f"Discord user {user} is not a member of the server, so cannot be timed out; use a ban instead.")
            who = _who(member.get("user"), user)
            state = {"user_id": user, "until": until.isoformat()}
            current = _timed_out_until(member)
            if current is not None and abs(current - until) < timedelta(seconds=1):
                return Outcome(
                    f"{who} was already timed out in the Discord server until {_when(until)}.", user, native_expiry=True, state=state
                )
            api.set_timeout(self.guild, user, until, _reason(request))
        return Outcome(
            f"Timed out {who} in the Discord server until {_when(until)}; Discord lifts it itself.", user, native_expiry=True, state=state
        )

    def _lift_time_out(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        user = str(state.get("user_id") or user_id(request.subject))
        with self.client() as api:
            member = self._member(api, user)
            if member is None:
                return Outcome(f"Discord user {user} is no longer a member of the server, so there is no time-out to lift.", user)
            who = _who(member.get("user"), user)
            if _timed_out_until(member) is None:
                return Outcome(f"The time-out of {who} had already ended.", user)
            api.set_timeout(self.guild, user, None, _lift_reason(request))
        return Outcome(f"Lifted the time-out of {who} in the Discord server.", user)

    def _check_time_out(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        user = str(state.get("user_id") or user_id(request.subject))
        with self.client() as api:
            member = self._member(api, user)
        if member is None:
            return Check(Verdict.UNKNOWN, f"Discord user {user} is not a member of the server now, so no time-out can be seen.")
        who, until = _who(member.get("user"), user), _timed_out_until(member)
        if until is None:
            return Check(Verdict.ABSENT, f"{who} is not timed out in the Discord server.")
        return Check(Verdict.HOLDS, f"{who} is timed out in the Discord server until {_when(until)}.")

    # Bans: Steward schedules the unban ------------------------------------------------------------

    def _is_banned(self, api: DiscordClient, user: str) -> bool:
        try:
            api.ban(self.guild, user)
        except DiscordRefused as error:
            if error.code == UNKNOWN_BAN:
                return False
            raise
        return True

    @staticmethod
    def _delete_seconds(params: Mapping[str, Any]) -> int:
        value = params.get("delete_message_seconds", 0) or 0
        try:
            seconds = int(value)
        except (TypeError, ValueError):
            raise PermanentFailure(f"delete_message_seconds must be a number of seconds, not {value!r}.") from None
        if not 0 <= seconds <= MAX_DELETE_MESSAGE_SECONDS:
            raise PermanentFailure("Discord deletes at most 7 days (604800 seconds) of a banned person's messages.")
        return seconds

    def _ban(self, request: ActionRequest) -> Outcome:
        user, seconds = user_id(request.subject), self._delete_seconds(request.params)
        until = f"; Steward lifts it on {_when(request.ends_at)}" if request.ends_at else ""
        state = {"user_id": user}
        with self.client() as api:
            if self._is_banned(api, user):
                return Outcome(f"Discord user {user} was already banned from the server{until}.", user, state=state)
            api.add_ban(self.guild, user, seconds, _reason(request))
        purged = f" and deleted their messages of the last {seconds // 3600} hours" if seconds >= 3600 else ""
        return Outcome(f"Banned Discord user {user} from the server{purged}{until}.", user, state=state)

    def _unban(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        user = str(state.get("user_id") or user_id(request.subject))
        with self.client() as api:
            try:
                api.remove_ban(self.guild, user, _lift_reason(request))
            except DiscordRefused as error:
                if error.code != UNKNOWN_BAN:
                    raise
                return Outcome(f"Discord user {user} was no longer banned from the server.", user)
        return Outcome(f"Lifted the ban of Discord user {user} from the server.", user)

    def _check_ban(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        user = str(state.get("user_id") or user_id(request.subject))
        with self.client() as api:
            banned = self._is_banned(api, user)
        if banned:
            return Check(Verdict.HOLDS, f"Discord user {user} is banned from the server.")
        return Check(Verdict.ABSENT, f"Discord user {user} is not banned from the server.")

    # Messages: deletion cannot be undone ----------------------------------------------------------

    def _message(self, api: DiscordClient, channel: str, message: str) -> dict[str, Any] | None:
        try:
            return api.message(channel, message)
        except DiscordRefused as error:
            if error.code in (UNKNOWN_MESSAGE, UNKNOWN_CHANNEL):  # a deleted channel takes its messages with it
                return None
            raise

    def _delete(self, request: ActionRequest) -> Outcome:
        channel, message = message_ref(request.subject, self.guild)
        link = message_link(self.guild, channel, message)
        state = {"channel_id": channel, "message_id": message}
        with self.client() as api:
            found = self._message(api, channel, message)
            if found is None:
                return Outcome(f"The Discord message {link} was already deleted.", link, state=state)
            author = found.get("author") or {}
            try:
                api.delete_message(channel, message, _reason(request))
            except DiscordRefused as error:
                if error.code != UNKNOWN_MESSAGE:  # deleted by someone else between our two calls
                    raise
        who = _who(author, str(author.get("id", "?")))
        return Outcome(f"Deleted the Discord message {link} by {who}.", link, state={**state, "author_id": str(author.get("id", ""))})

    def _check_deleted(self, request: ActionRequest) -> Check:
        channel, message = message_ref(request.subject, self.guild)
        link = message_link(self.guild, channel, message)
        with self.client() as api:
            found = self._message(api, channel, message)
        if found is None:
            return Check(Verdict.HOLDS, f"The Discord message {link} is deleted.")
        return Check(Verdict.ABSENT, f"The Discord message {link} is still there.")

    # Reading --------------------------------------------------------------------------------------

    def read(self, since: datetime) -> Iterator[Item]:
        """Messages people wrote in the configured channels since a time, oldest first across channels."""
        guild, after = self.guild, snowflake_at(since)
        found: list[dict[str, Any]] = []
        with self.client() as api:
            for channel in self.channels():
                found.extend(message for message in api.messages_after(channel, after) if message.get("type", 0) in WRITTEN_TYPES)
        for message in sorted(found, key=lambda item: int(item["id"])):
            yield message_item(message, guild)

    def moderation_log(self, since: datetime) -> Iterator[ModeratorActionEvent]:
        """Bans, time-outs and message deletions made in the server by anyone but Steward's own bot, from the audit log."""
        guild, after = self.guild, snowflake_at(since)
        events: list[tuple[int, ModeratorActionEvent]] = []
        with self.client() as api:
            own = {str(api.me()["id"]), str(self.settings.get("application_id") or "")} - {""}
            for action_type in (MEMBER_BAN_ADD, MEMBER_UPDATE, MESSAGE_DELETE, MESSAGE_BULK_DELETE):
                for entry, users in api.audit_log(guild, action_type, after):
                    if str(entry.get("user_id") or "") in own:
                        continue
                    event = _moderator_event(entry, users, guild)
                    if event is not None:
                        events.append((int(entry["id"]), event))
        for _, event in sorted(events, key=lambda pair: pair[0]):
            yield event

    # Interactions ---------------------------------------------------------------------------------

    def parse_webhook(self, request: HttpRequest) -> Inbound:
        # NotConfigured without a guild or key: the endpoint answers 404 and logs why (spaces.views).
        return parse_interaction(request, self.secrets.get("public_key", ""), self.guild)

    def webhook_response(self, inbound: Inbound, handled: list[Handled]) -> HttpResponse:
        return JsonResponse(report_answer(inbound, handled))


def _handles(user_id_value: Any, users: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    key = str(user_id_value or "")
    return user_handles(users.get(key)) or ((key,) if key else ())


def _channel_link(guild: str, channel: str) -> str:
    return f"https://discord.com/channels/{guild}/{channel}"


def _deletion(entry: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]], guild: str) -> ModeratorActionEvent:
    """Messages a moderator deleted: one author's (MESSAGE_DELETE), or many at once in a channel (MESSAGE_BULK_DELETE).

    Discord names no message, so no screening item can be marked; the committee sees who, where and how many.
    It also folds a moderator's repeated deletions of one author's messages in one channel into one entry whose
    count grows: the count is the one at the time of reading."""
    options = entry.get("options") or {}
    count = str(options.get("count") or "1")
    reason = str(entry.get("reason") or "")
    if entry.get("action_type") == MESSAGE_BULK_DELETE:
        channel = str(entry.get("target_id") or "")
        subject: tuple[str, ...] = ()  # whose messages they were, Discord does not say
        what = f"{count} message(s) deleted at once in {_channel_link(guild, channel)}; Discord does not say whose"
    else:
        channel = str(options.get("channel_id") or "")
        subject = _handles(entry.get("target_id"), users)
        who = _who(users.get(str(entry.get("target_id") or "")), str(entry.get("target_id") or "?"))
        what = f"{count} message(s) by {who} deleted in {_channel_link(guild, channel)}"
    return ModeratorActionEvent(
        action="messages deleted" if entry.get("action_type") == MESSAGE_BULK_DELETE else "message deleted",
        actor=_handles(entry.get("user_id"), users),
        subject=subject,
        detail="; ".join(part for part in (what, reason) if part),
        at=time_of(entry["id"]),
        targets=(_channel_link(guild, channel),) if channel else (),
    )


def _moderator_event(entry: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]], guild: str) -> ModeratorActionEvent | None:
    """A ban, a time-out set or lifted, or messages deleted, as an event; other member updates (nicknames, roles)
    are not Steward's."""
    reason = str(entry.get("reason") or "")
    if entry.get("action_type") in (MESSAGE_DELETE, MESSAGE_BULK_DELETE):
        return _deletion(entry, users, guild)
    if entry.get("action_type") == MEMBER_BAN_ADD:
        action, detail = "banned", reason
    else:
        change = next((item for item in entry.get("changes") or () if item.get("key") == "communication_disabled_until"), None)
        if change is None:
            return None
        until = change.get("new_value")
        action = "timed out" if until else "time-out lifted"
        ends = f"until {_when(datetime.fromisoformat(str(until)))}" if until else ""
        detail = "; ".join(part for part in (ends, reason) if part)
    return ModeratorActionEvent(
        action=action,
        actor=_handles(entry.get("user_id"), users),
        subject=_handles(entry.get("target_id"), users),
        detail=detail,
        at=time_of(entry["id"]),
    )


def _same_command(registered: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Whether Discord's copy of the command already says all that `wanted` does (Discord adds ids and versions)."""
    return all(registered.get(key) == value for key, value in wanted.items())


def register_report_command(space: DiscordSpace, *, everywhere: bool = False) -> str:
    """Make sure the "Report message" command exists in the connection's server (or, `everywhere`, for every server
    the application is in): a sentence saying what was done. Safe to repeat: an identical command is left alone,
    a different one of the same name is overwritten in place (Discord keeps its id), other commands are untouched."""
    wanted = command_definition()
    guild = None if everywhere else space.guild
    where = "for every server" if everywhere else f"in the server {space.guild}"
    with space.client() as api:
        application = str(space.settings.get("application_id") or "").strip() or str(api.me()["id"])
        for registered in api.application_commands(application, guild):
            if registered.get("name") == wanted["name"] and registered.get("type") == wanted["type"]:
                if _same_command(registered, wanted):
                    return f"The {wanted['name']!r} command was already registered {where}."
                api.create_application_command(application, guild, wanted)
                return f"Updated the {wanted['name']!r} command {where}."
        api.create_application_command(application, guild, wanted)
    return f"Registered the {wanted['name']!r} command {where}."
