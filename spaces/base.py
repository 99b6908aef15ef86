"""The one interface every community space implements (GitHub, Slack, Discord, Discourse, Zulip, Mailman, e-mail).

The enforcement executor, the webhook endpoint and the screening reader only ever talk to a `Space`.
A platform package (`spaces/<platform>/`) holds its HTTP calls in `client.py`, its `Space` subclass in
`space.py`, its webhook parsing and signature checks in `webhooks.py`, and a stateful fake of the
platform's API in `fake.py` for the tests.

The contract, which the executor relies on for exactly-once effects:
- `apply` and `revert` are idempotent from Steward's side: when the effect already holds (the user is
  already blocked, the message is already gone) they return an `Outcome` saying so instead of failing.
- `verify` answers from the platform's current state, never from memory. After a crash between a call
  and its recorded result, the executor asks `verify` before calling `apply` again.
- Failures are raised as `TemporaryFailure` (5xx, timeouts, rate limits: the executor retries with
  back-off, honouring `retry_after`) or `PermanentFailure` (4xx, missing permission, unknown user:
  the executor stops and shows the reason on the case). Anything else is treated as temporary.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from spaces.models import SpaceConnection


NOTICE_SETTING = "notice_channel"  # the connection setting naming the channel notices go to


class Op(enum.StrEnum):
    """What Steward can ask a space to do. Each platform supports a subset (its `capabilities`)."""

    BLOCK = "block"  # GitHub: block a user from the organisation
    BAN = "ban"  # Discord ban (optionally deleting recent messages); Mailman ban from a list
    TIMEOUT = "timeout"  # Discord time-out (the platform lifts it itself, 28 days at most)
    SILENCE = "silence"  # Discourse: may read, may not post (platform lifts it at the end time)
    SUSPEND = "suspend"  # Discourse: may not sign in (platform lifts it at the end time)
    DEACTIVATE = "deactivate"  # Slack (SCIM), Zulip: the account is switched off
    REMOVE_FROM_CHANNEL = "remove-from-channel"  # Slack: kick from a channel; Zulip: unsubscribe from a stream
    REMOVE_MEMBER = "remove-member"  # GitHub: remove an organisation member or a repository collaborator
    LIMIT_INTERACTIONS = "limit-interactions"  # GitHub: interaction limits on a repository or organisation
    MODERATE = "moderate"  # Mailman: hold the member's posts for moderation
    HIDE_CONTENT = "hide-content"  # GitHub minimizeComment; Discourse hide a post
    DELETE_CONTENT = "delete-content"  # delete a comment, message or post
    EDIT_CONTENT = "edit-content"  # replace a comment's text (the original is kept, encrypted, for revert)
    LOCK_THREAD = "lock-thread"  # GitHub lock an issue or discussion; Discourse close a topic
    CLOSE_CONTRIBUTION = "close-contribution"  # GitHub: close an issue (as not planned) or a pull request, with the reason
    HIDE_REVISION = "hide-revision"  # Discourse: hide an edit (a revision) of a wiki post from its history
    REVERT_REVISION = "revert-revision"  # Discourse: put a wiki post back to the text before an edit
    # Matrix: publish the ban on the community's policy list (an m.policy.rule.user rule) for the rooms that subscribe
    # to it. Never part of a plan by itself: the stewards choose it for a case, where the policy's
    # `enforcement.share_bans` allows it (enforcement.shared_bans).
    SHARE_BAN = "share-ban"


class Target(enum.StrEnum):
    """What an operation's `subject` names."""

    PERSON = "person"  # a user in the space (an Identity's handle: user name, user id or e-mail)
    CONTENT = "content"  # a comment, message or post (its URL or the platform's id for it)
    THREAD = "thread"  # an issue, discussion, topic or channel


class Verdict(enum.StrEnum):
    HOLDS = "holds"  # the effect is in place on the platform
    ABSENT = "absent"  # the effect is not in place (never applied, lifted, or undone by hand)
    UNKNOWN = "unknown"  # the platform could not tell (e.g. the content it was about is gone)


@dataclass(frozen=True)
class Capability:
    op: Op
    target: Target
    label: str  # what a steward reads on the plan, e.g. "Block from the organisation"
    reversible: bool = True  # whether `revert` can undo it (a deletion usually cannot)
    # Longest period the platform lifts by itself (Discord time-out: 28 days); None: Steward schedules the reversal.
    native_expiry: timedelta | None = None
    needs_end: bool = False  # the platform wants an end time with the action (Discourse silence/suspend)
    params: tuple[str, ...] = ()  # optional parameters a steward may set, e.g. ("channel",) or ("classifier",)
    # The values a parameter may take, where the platform fixes them (GitHub's hide classifiers): forms offer
    # these as choices, so a steward never types a value the platform would refuse. (name, values) pairs.
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def choices_of(self, param: str) -> tuple[str, ...]:
        return next((values for name, values in self.choices if name == param), ())


@dataclass(frozen=True)
class ActionRequest:
    """One action as the executor hands it to a space. `key` is stable across retries of the same action."""

    key: str
    op: Op
    subject: str
    reason: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    ends_at: datetime | None = None  # when a temporary sanction ends; for ops with native expiry, passed on


@dataclass(frozen=True)
class Outcome:
    """The receipt of a successful apply or revert."""

    detail: str  # a sentence for the case timeline, e.g. "Blocked octocat from the organisation acme"
    external_ref: str = ""  # the platform's id for what was done, where it has one
    native_expiry: bool = False  # the platform lifts this itself at `ends_at`: no reversal to schedule
    # What `revert` and `verify` need later (resolved user id, the channels left, an edited comment's old text).
    # Stored encrypted with the action.
    state: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    verdict: Verdict
    detail: str


class SpaceError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TemporaryFailure(SpaceError):
    """Worth retrying: a 5xx, a timeout, a rate limit. `retry_after` (seconds) when the platform says."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentFailure(SpaceError):
    """Not worth retrying: refused, not found, not permitted, not supported. The message is shown to stewards."""


class NotConfigured(PermanentFailure):
    """A credential or setting the connection needs is missing."""


# --- What spaces bring in -------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A piece of content in a space: a comment, message or post, as read or as delivered by a webhook."""

    external_id: str  # the platform's id, unique within the connection
    author: tuple[str, ...]  # every handle the author is known by (id, login, e-mail): matched against identities
    text: str
    url: str = ""
    created_at: datetime | None = None
    # Whom it is addressed to: the author of the content it replies to or reviews, and everyone mentioned.
    addressed: tuple[str, ...] = ()
    thread: str = ""  # issue, topic, channel or stream it belongs to
    kind: str = ""  # e.g. "issue_comment", "message", "post"


@dataclass(frozen=True)
class ContentEvent:
    """New or edited content (watching for no-contact breaches, and screening, use these)."""

    item: Item


@dataclass(frozen=True)
class ReportEvent:
    """Somebody used the space's own way to report: a message shortcut, an app command, a flag."""

    reporter: tuple[str, ...]  # handles of the person reporting
    item: Item | None  # what they reported, when it is content
    note: str = ""  # what they wrote, if anything
    reporter_name: str = ""


@dataclass(frozen=True)
class ModeratorActionEvent:
    """A block, ban or similar made directly on the platform, outside Steward: queued for committee review."""

    action: str  # e.g. "blocked", "unblocked", "banned", "suspended"
    actor: tuple[str, ...]  # the moderator's handles
    subject: tuple[str, ...]  # the affected user's handles
    detail: str = ""
    at: datetime | None = None
    # The thread or content acted on (its URL, the platform's id, "owner/repo#12"), where the action is about
    # content rather than a person: how Steward's own lock or deletion coming back is recognised.
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContentRemovedEvent:
    """A comment, message or post was deleted on the platform: the evidence is gone there (Steward's copy stays).

    `by` is who deleted it, where the platform says (GitHub, Discourse); empty where it does not (Slack).
    A deletion by someone other than the author also comes as a ModeratorActionEvent.
    """

    external_id: str  # the same id the content's Item had
    by: tuple[str, ...] = ()
    at: datetime | None = None


@dataclass(frozen=True)
class ListedMemberEvent:
    """Someone in the community's rooms matches a ban rule on a policy list the community follows (Matrix's
    `follow_policy_rooms`): a flag for the stewards to look at, never a sanction by itself.

    `rule` names the rule within its list (room id, event type and state key), so the same rule matching the same
    person is flagged once however often the list is read.
    """

    listed: tuple[str, ...]  # the member's handles (their Matrix id)
    policy_list: str  # the list as the community named it (an alias or a room id)
    rule: str  # the rule's place in the list: "<room id> <event type> <state key>"
    entity: str  # what the rule names: a Matrix id, or a glob such as "@*:spam.example"
    reason: str = ""  # the reason the list gives, as its curators wrote it
    recommendation: str = "m.ban"


Event = ContentEvent | ReportEvent | ModeratorActionEvent | ContentRemovedEvent | ListedMemberEvent


@dataclass(frozen=True)
class SyncBatch:
    """What one incremental read of a space that keeps its own position (Matrix's `/sync` token) brought.

    `events` are dispatched and `position` is stored in one transaction (spaces.polling), so a crash between the
    read and the commit reads the same window again (every handler is idempotent) and loses nothing.
    """

    events: tuple[Event, ...]
    position: str  # the opaque position the next read starts from (stored in ReadCursor.token)


@dataclass(frozen=True)
class Handled:
    """What became of one inbound event, handed back to the space so it can answer the platform."""

    event: Event
    report_reference: str = ""  # for a ReportEvent: the case reference
    follow_up_url: str = ""  # for a ReportEvent: the reporter's secret link (show it only to them)


@dataclass(frozen=True)
class Inbound:
    """A verified webhook delivery. `delivery_id` is what replays are recognised by."""

    delivery_id: str
    events: tuple[Event, ...] = ()
    # An answer the platform needs at once, with no events to process (Slack url_verification, Discord PING).
    immediate: dict[str, Any] | None = None


class WebhookRefused(Exception):
    """The delivery is not accepted: bad or missing signature, too old, malformed. Nothing is changed."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class Space:
    """Base class: one instance per configured connection (`SpaceConnection`), made by `spaces.registry.space_for`."""

    platform: ClassVar[str]  # matches people.models.Space values
    # Which identities act here, when not the platform's own (Mailman lists act on e-mail addresses).
    identity_space: ClassVar[str | None] = None
    title: ClassVar[str]
    capabilities: ClassVar[tuple[Capability, ...]] = ()
    # What the policy's generic intents ("ban", "mute") mean here, in the order they are applied.
    intents: ClassVar[Mapping[str, tuple[Op, ...]]] = {}
    # Connection settings an admin fills in (not secrets), and the secrets read from the environment or file.
    setting_names: ClassVar[tuple[str, ...]] = ()
    secret_names: ClassVar[tuple[str, ...]] = ()
    # The largest webhook delivery this platform sends, in bytes; None: STEWARD_WEBHOOK_MAX_BYTES (1 MiB by default).
    # Only the webhook endpoint reads it: every other request keeps Django's limits.
    webhook_max_bytes: ClassVar[int | None] = None

    @classmethod
    def needed_secrets(cls, settings: Mapping[str, Any]) -> tuple[str, ...]:
        """The secrets these settings need (an e-mail drop folder needs no IMAP password); by default all."""
        return cls.secret_names

    @classmethod
    def settings_problems(cls, settings: Mapping[str, Any]) -> list[str]:
        """What is wrong with these settings, a sentence each: the admin form refuses them, the deploy check names them."""
        return []

    @classmethod
    def acts_on(cls) -> str:
        """The people.models.Space value of the identities this space's person actions take."""
        return cls.identity_space or cls.platform

    def __init__(self, connection: SpaceConnection, settings: Mapping[str, Any], secrets: Mapping[str, str]) -> None:
        self.connection = connection
        self.settings = settings
        self.secrets = secrets

    # Enforcement ----------------------------------------------------------------------------------

    @classmethod
    def takes_subject(cls, capability: Capability, subject: str) -> bool:
        """Whether `capability` can act on `subject` (a content item's own link) as it stands: the screening act
        form offers only these. By default every content and thread operation; a platform whose links say more
        (GitHub: a comment, an issue, a commit) narrows it."""
        return capability.target in (Target.CONTENT, Target.THREAD)

    def capability(self, op: Op | str) -> Capability:
        for item in self.capabilities:
            if item.op == op:
                return item
        raise PermanentFailure(f"{self.title} cannot {op}.")

    def apply(self, request: ActionRequest) -> Outcome:
        raise PermanentFailure(f"{self.title} cannot {request.op}.")

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        raise PermanentFailure(f"{self.title} cannot undo {request.op}.")

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        return Check(Verdict.UNKNOWN, f"{self.title} cannot check {request.op}.")

    # Notices to the people acted on, on the platform itself ---------------------------------------

    # The operations after which this space can tell people why (a comment on the locked thread, a DM to the person
    # timed out), when the policy's `enforcement.notify_on_platform` asks for it (enforcement.platform_notices).
    notifies: ClassVar[frozenset[Op]] = frozenset()
    # Of those, the ones whose notice goes to the author alone (a private or direct message), worded for them.
    notifies_privately: ClassVar[frozenset[Op]] = frozenset()
    # The operations that carry the notice themselves (Discourse's silence and suspension send the person a message):
    # the executor hands the notice to `apply` as the request's "notice" parameter, and `apply` records in its
    # outcome's state whether it went ("notice_sent": true or false).
    notice_in_action: ClassVar[frozenset[Op]] = frozenset()

    def post_moderation_notice(self, request: ActionRequest, state: Mapping[str, Any], text: str) -> str:
        """Post `text` where the people affected by the applied `request` see it; return the platform's id for it.
        The caller claims its own row first and posts at most once; failures are raised as for `apply`."""
        raise PermanentFailure(f"{self.title} cannot post a notice after {request.op}.")

    # Whether a notice can be looked up on the platform by the action's key (GitHub: the key's marker in the comment;
    # Discourse: the private message's external_id). The sweep asks it about a notice whose worker died mid-post,
    # rather than post again (a second message is worse than none) or give up where it could know.
    finds_notices: ClassVar[bool] = False

    def find_moderation_notice(self, request: ActionRequest, state: Mapping[str, Any]) -> str:
        """The platform's id for the notice already posted for `request` (found by its key), or "" when none is there."""
        raise PermanentFailure(f"{self.title} cannot look up a notice it posted.")

    # Notices to the committee's own channel -------------------------------------------------------

    # Whether `post_notice` works here. The channel is the connection's `notice_channel` setting (NOTICE_SETTING),
    # which the admin sets on the committee's own Slack/Discord/Zulip connection (docs/spaces.md, "Notices").
    posts_notices: ClassVar[bool] = False

    def post_notice(self, channel: str, text: str) -> str:
        """Post `text` as Steward's bot in `channel`; return the platform's id for the message.

        Not idempotent on the platform's side (a second call is a second message): the caller keeps its own
        record of what it posted, claimed before the call (notifications.chat). Failures are raised as for `apply`.
        """
        raise PermanentFailure(f"{self.title} cannot post notices.")

    # Reading and webhooks -------------------------------------------------------------------------

    def read(self, since: datetime) -> Iterator[Item]:
        """Content created since a time, oldest first, for watching and screening. Spaces without it yield nothing."""
        return iter(())

    # Whether this space is read by `sync` (one incremental read bringing every kind of event, from an opaque position
    # the platform gives) rather than by `read` and `moderation_log` from a time.
    syncs: ClassVar[bool] = False

    def sync(self, position: str) -> SyncBatch:
        """Everything that happened since `position` ("" the first time: only the recent past, as FIRST_LOOK_BACK),
        and the position to read from next. Failures are raised as for `apply`; nothing is changed by reading."""
        raise PermanentFailure(f"{self.title} is not read incrementally.")

    def after_dispatch(self, handled: Handled) -> None:
        """What became of one event `sync` read, inside the transaction that records it (spaces.polling._sync). A space
        that answers on the platform (a reporter's reference and private link, in a Matrix direct chat) stores the
        answer here, to send after the commit; by default nothing."""

    def moderation_log(self, since: datetime) -> Iterator[ModeratorActionEvent]:
        """Blocks, bans and suspensions made on the platform since a time, by anyone but Steward itself, for
        platforms that keep a log rather than send a webhook (Discord's audit log, Discourse's staff log)."""
        return iter(())

    def parse_webhook(self, request: HttpRequest) -> Inbound:
        """Verify and parse a delivery; raise WebhookRefused for anything not genuine, fresh and well-formed."""
        raise WebhookRefused(f"{self.title} does not send webhooks to Steward.", status=404)

    def webhook_response(self, inbound: Inbound, handled: list[Handled]) -> HttpResponse:
        """The HTTP answer to a processed delivery. Platforms that show the reporter a reply override this."""
        from django.http import HttpResponse

        if inbound.immediate is not None:
            from django.http import JsonResponse

            return JsonResponse(inbound.immediate)
        return HttpResponse(status=204)
