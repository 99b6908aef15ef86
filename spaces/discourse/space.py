"""Discourse: silence and suspend people, hide and delete posts, close topics, read posts and the staff log.

Silences and suspensions carry their end time, and Discourse lifts them itself (native expiry); "for ever" is
Discourse's own convention, an end in the year 3000. Hiding is done the way a moderator does it in the
forum: a flag with "take action", which hides the post at once. Deleted posts are soft-deleted, so
deletion can be undone. Person subjects are usernames; the numeric id is resolved once and kept in state.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.utils import timezone

from spaces.base import (
    ActionRequest,
    Capability,
    Check,
    Inbound,
    Item,
    ModeratorActionEvent,
    NotConfigured,
    Op,
    Outcome,
    PermanentFailure,
    Space,
    SpaceError,
    Target,
    Verdict,
)
from spaces.discourse import notices, webhooks
from spaces.discourse.client import DiscourseClient, DiscourseRefused
from spaces.discourse.content import author_handles, item_from_post, parse_time, post_ref, topic_id_of
from spaces.discourse.revisions import Revisions
from spaces.discourse.topics import TOPIC_LOG_ACTIONS, OwnerLookup, TopicOwner, owner_from_topic, topic_event
from spaces.registry import register
from spaces.secrets import missing_secrets

if TYPE_CHECKING:
    from django.http import HttpRequest

# Discourse's own "for ever" (its admin UI offers the same far-off date).
FOREVER = datetime(3000, 1, 1, tzinfo=UTC)
# Discourse sets no maximum; past a century Steward keeps the end itself rather than trust a date that far.
NATIVE_LIMIT = timedelta(days=36_500)
MAX_PAGES = 20  # pages of posts (50 each) or staff-log rows read per call, so a first run stays bounded
SMALL_ACTION = 3  # post_type of "closed the topic"-style notices, which carry no text
DEFAULT_REASON = "Code of conduct decision"
LOOKUP_TIMEOUT = 5.0  # seconds per name look-up while a webhook delivery waits for its answer
STAFF_ACTIONS = {"suspend_user": "suspended", "unsuspend_user": "unsuspended", "silence_user": "silenced", "unsilence_user": "unsilenced"}


@dataclass(frozen=True)
class Penalty:
    """What differs between silencing and suspending."""

    op: Op
    verb: str  # "silence", "suspend"
    noun: str  # "silence", "suspension"
    done: str  # "silenced", "suspended"
    till_field: str  # where the admin view of a user says until when


SILENCE = Penalty(Op.SILENCE, "silence", "silence", "silenced", "silenced_till")
SUSPEND = Penalty(Op.SUSPEND, "suspend", "suspension", "suspended", "suspended_till")
PENALTIES = {Op.SILENCE: SILENCE, Op.SUSPEND: SUSPEND}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _day(moment: datetime) -> str:
    return "for ever" if moment >= FOREVER else f"until {moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _in_effect(user: Mapping[str, Any], penalty: Penalty) -> datetime | None:
    """When the penalty ends, if it is in effect now (Discourse keeps an expired `silenced_till` around)."""
    till = parse_time(user.get(penalty.till_field))
    return till if till is not None and till > timezone.now() else None


@register
class DiscourseSpace(Space):
    platform = "discourse"
    title = "Discourse"
    capabilities = (
        Capability(Op.SILENCE, Target.PERSON, "Silence on the forum (may read, may not post)", native_expiry=NATIVE_LIMIT, needs_end=True),
        Capability(Op.SUSPEND, Target.PERSON, "Suspend from the forum (may not sign in)", native_expiry=NATIVE_LIMIT, needs_end=True),
        Capability(Op.HIDE_CONTENT, Target.CONTENT, "Hide a post"),
        Capability(Op.DELETE_CONTENT, Target.CONTENT, "Delete a post (Discourse keeps it, so it can be restored)"),
        Capability(Op.LOCK_THREAD, Target.THREAD, "Close a topic to new replies"),
        Capability(Op.HIDE_REVISION, Target.CONTENT, "Hide an edit of a (wiki) post from its history", params=("revision",)),
        Capability(Op.REVERT_REVISION, Target.CONTENT, "Undo an edit of a (wiki) post: its text goes back", params=("revision",)),
    )
    intents = {"ban": (Op.SUSPEND,), "mute": (Op.SILENCE,)}
    # A hidden or deleted post's author gets a private message; a silence or suspension carries its own message,
    # which Discourse e-mails to the person (a suspended person cannot sign in to read a private message).
    notifies = frozenset({Op.HIDE_CONTENT, Op.DELETE_CONTENT})
    notifies_privately = notifies
    notice_in_action = frozenset({Op.SILENCE, Op.SUSPEND})
    finds_notices = True  # by the private message's external_id
    setting_names = ("base_url", "api_username", "categories")
    secret_names = ("api_key", "webhook_secret")

    # Configuration ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        url = str(self.settings.get("base_url") or "").strip().rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise NotConfigured(
                f"The Discourse connection {self.connection.slug!r} needs its base_url setting (the forum's address, https://…)."
            )
        return url

    @property
    def api_username(self) -> str:
        return str(self.settings.get("api_username") or "system")

    @property
    def forum(self) -> str:
        return urlsplit(self.base_url).netloc

    def _client(self) -> DiscourseClient:
        base_url = self.base_url
        if not self.secrets.get("api_key"):
            names = ", ".join(missing_secrets(self.connection.slug, ("api_key",)))
            raise NotConfigured(f"The Discourse connection {self.connection.slug!r} has no API key: set {names}.")
        return DiscourseClient(base_url, self.secrets["api_key"], self.api_username)

    # Enforcement --------------------------------------------------------------------------------

    def apply(self, request: ActionRequest) -> Outcome:
        self.capability(request.op)
        with self._client() as client:
            if request.op in PENALTIES:
                return self._impose(client, PENALTIES[Op(request.op)], request)
            if request.op == Op.HIDE_CONTENT:
                return self._hide(client, request)
            if request.op == Op.DELETE_CONTENT:
                return self._delete(client, request)
            if request.op == Op.HIDE_REVISION:
                return Revisions(self, client).hide(request, {}, hidden=True)
            if request.op == Op.REVERT_REVISION:
                return Revisions(self, client).revert(request)
            return self._close(client, request, {})

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        self.capability(request.op)
        with self._client() as client:
            if request.op in PENALTIES:
                return self._lift(client, PENALTIES[Op(request.op)], request, state)
            if request.op == Op.HIDE_CONTENT:
                return self._unhide(client, request, state)
            if request.op == Op.DELETE_CONTENT:
                return self._recover(client, request, state)
            if request.op == Op.HIDE_REVISION:
                return Revisions(self, client).hide(request, state, hidden=False)
            if request.op == Op.REVERT_REVISION:
                return Revisions(self, client).restore(request, state)
            return self._reopen(client, request, state)

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        self.capability(request.op)
        with self._client() as client:
            if request.op in PENALTIES:
                penalty = PENALTIES[Op(request.op)]
                user_id, username = self._person(client, request, state)
                till = _in_effect(client.admin_user(user_id), penalty)
                if till is None:
                    return Check(Verdict.ABSENT, f"{username} is not {penalty.done} on {self.forum}.")
                return Check(Verdict.HOLDS, f"{username} is {penalty.done} on {self.forum} {_day(till)}.")
            if request.op == Op.HIDE_REVISION:
                return Revisions(self, client).check_hidden(request, state)
            if request.op == Op.REVERT_REVISION:
                return Revisions(self, client).check_reverted(request, state)
            if request.op == Op.LOCK_THREAD:
                try:
                    topic = client.topic(self._topic_id(request, state))
                except DiscourseRefused as error:
                    if error.status == 404:
                        return Check(Verdict.UNKNOWN, f"The topic {request.subject} is gone from {self.forum}.")
                    raise
                closed = bool(topic.get("closed"))
                return Check(
                    Verdict.HOLDS if closed else Verdict.ABSENT, f"The topic “{topic.get('title')}” is {'closed' if closed else 'open'}."
                )
            try:
                post = self._post(client, request, state)
            except DiscourseRefused as error:
                if error.status == 404:
                    return Check(Verdict.UNKNOWN, f"The post {request.subject} is gone from {self.forum}.")
                raise
            if request.op == Op.HIDE_CONTENT:
                hidden = bool(post.get("hidden"))
                return Check(Verdict.HOLDS if hidden else Verdict.ABSENT, f"The {_where(post)} is {'hidden' if hidden else 'visible'}.")
            deleted = bool(post.get("deleted_at"))
            return Check(Verdict.HOLDS if deleted else Verdict.ABSENT, f"The {_where(post)} is {'deleted' if deleted else 'not deleted'}.")

    # Notices ------------------------------------------------------------------------------------

    def post_moderation_notice(self, request: ActionRequest, state: Mapping[str, Any], text: str) -> str:
        if request.op not in self.notifies:
            return super().post_moderation_notice(request, state, text)
        with self._client() as client:
            return notices.send_private_notice(client, notices.author_of(client, state), request, text)

    def find_moderation_notice(self, request: ActionRequest, state: Mapping[str, Any]) -> str:
        with self._client() as client:
            return notices.find_private_notice(client, request)

    # People -------------------------------------------------------------------------------------

    def _person(self, client: DiscourseClient, request: ActionRequest, state: Mapping[str, Any]) -> tuple[int, str]:
        """(user id, username): from state when apply already resolved it, else GET /u/{username}.json."""
        if isinstance(state.get("user_id"), int):
            return int(state["user_id"]), str(state.get("username") or request.subject)
        handle = request.subject.strip().lstrip("@")
        try:
            user = client.user(handle)
        except DiscourseRefused as error:
            if error.status == 404:
                raise PermanentFailure(f"{self.forum} has no user named {handle!r}.") from None
            raise
        return int(user["id"]), str(user["username"])

    def _impose(self, client: DiscourseClient, penalty: Penalty, request: ActionRequest) -> Outcome:
        user_id, username = self._person(client, request, {})
        now = timezone.now()
        if request.ends_at is not None and request.ends_at <= now:
            raise PermanentFailure(f"The {penalty.noun} was to end {_day(request.ends_at)}, which has passed; nothing to apply.")
        native = request.ends_at is not None and request.ends_at - now <= NATIVE_LIMIT
        until = request.ends_at if native and request.ends_at is not None else FOREVER
        # Discourse keeps whole seconds of what Steward sends, so a re-apply compares at that precision.
        wanted = (request.ends_at or FOREVER).replace(microsecond=0)
        state = {"user_id": user_id, "username": username, "until": _iso(until)}
        note = (
            ""
            if native or request.ends_at is None
            else " Discourse keeps it for ever; Steward lifts it at the end (the period is too long to hand over)."
        )
        current = _in_effect(client.admin_user(user_id), penalty)
        if current is not None and current >= wanted:
            return self._already(penalty, username, user_id, current, request, state)
        replaced = ""
        if current is not None:
            # Discourse refuses a second one while the first lasts (409), so the shorter one is replaced.
            self._lift_call(client, penalty, user_id)
            replaced = f", replacing a shorter {penalty.noun} that was to end {_day(current)}"
        message = str(request.params.get("notice") or "")  # the policy's notice, e-mailed by Discourse
        if message:
            state["notice_sent"] = True
        try:
            if penalty is SILENCE:
                client.silence(user_id, _iso(until), request.reason or DEFAULT_REASON, message)
            else:
                client.suspend(user_id, _iso(until), request.reason or DEFAULT_REASON, message)
        except DiscourseRefused as error:
            if error.status != 409:
                raise
            # Somebody else's arrived between our read and our call: it is the effect we wanted if it lasts.
            current = _in_effect(client.admin_user(user_id), penalty)
            if current is None or current < wanted:
                raise PermanentFailure(f"Discourse refused to {penalty.verb} {username}: {error.said}") from None
            return self._already(penalty, username, user_id, current, request, state)
        detail = f"{penalty.done.capitalize()} {username} on {self.forum} {_day(until)}{replaced}.{note}"
        return Outcome(detail=detail, external_ref=str(user_id), native_expiry=native, state=state)

    def _already(
        self, penalty: Penalty, username: str, user_id: int, current: datetime, request: ActionRequest, state: dict[str, Any]
    ) -> Outcome:
        # It lasts at least as long as decided, and Discourse lifts it itself: nothing for Steward to undo at the end.
        detail = f"{username} was already {penalty.done} on {self.forum} {_day(current)}; Steward left it as it was."
        if request.params.get("notice"):
            state = {**state, "notice_sent": False}  # Discourse sends its message only with a new silence or suspension
        return Outcome(detail=detail, external_ref=str(user_id), native_expiry=request.ends_at is not None, state=state)

    def _lift_call(self, client: DiscourseClient, penalty: Penalty, user_id: int) -> None:
        if penalty is SILENCE:
            client.unsilence(user_id)
        else:
            client.unsuspend(user_id)

    def _lift(self, client: DiscourseClient, penalty: Penalty, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        user_id, username = self._person(client, request, state)
        kept = {"user_id": user_id, "username": username}
        if _in_effect(client.admin_user(user_id), penalty) is None:
            return Outcome(detail=f"{username} was no longer {penalty.done} on {self.forum}.", external_ref=str(user_id), state=kept)
        self._lift_call(client, penalty, user_id)
        return Outcome(detail=f"Lifted the {penalty.noun} of {username} on {self.forum}.", external_ref=str(user_id), state=kept)

    # Posts --------------------------------------------------------------------------------------

    def _post(self, client: DiscourseClient, request: ActionRequest, state: Mapping[str, Any]) -> dict[str, Any]:
        if isinstance(state.get("post_id"), int):
            return client.post(int(state["post_id"]))
        ref = post_ref(request.subject, self.base_url)
        if ref.post_id is not None:
            return client.post(ref.post_id)
        assert ref.topic_id is not None and ref.post_number is not None
        return client.post_by_number(ref.topic_id, ref.post_number)

    def _found_post(self, client: DiscourseClient, request: ActionRequest, state: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return self._post(client, request, state)
        except DiscourseRefused as error:
            if error.status == 404:
                raise PermanentFailure(f"{self.forum} has no post {request.subject} (or Steward's account cannot see it).") from None
            raise

    def _hide(self, client: DiscourseClient, request: ActionRequest) -> Outcome:
        post = self._found_post(client, request, {})
        state = _post_state(post)
        if post.get("hidden"):
            return Outcome(detail=f"The {_where(post)} on {self.forum} was already hidden.", external_ref=str(post["id"]), state=state)
        try:
            after = client.hide_post(int(post["id"]))
        except DiscourseRefused as error:
            if error.status == 403 and "already" in error.said.lower():
                raise PermanentFailure(
                    f"Discourse will not hide the {_where(post)} again: {self.api_username!r} has flagged it before, and Discourse "
                    "lets an account flag a post only once. Hide it by hand on the forum."
                ) from None
            raise
        if not after.get("hidden"):
            raise PermanentFailure(f"Discourse took Steward's flag on the {_where(post)} but did not hide it; check the account is staff.")
        return Outcome(detail=f"Hid the {_where(post)} on {self.forum}.", external_ref=str(post["id"]), state=state)

    def _unhide(self, client: DiscourseClient, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        post = self._found_post(client, request, state)
        if not post.get("hidden"):
            return Outcome(
                detail=f"The {_where(post)} on {self.forum} was already visible.", external_ref=str(post["id"]), state=_post_state(post)
            )
        client.unhide_post(int(post["id"]))
        return Outcome(
            detail=f"Made the {_where(post)} on {self.forum} visible again.", external_ref=str(post["id"]), state=_post_state(post)
        )

    def _delete(self, client: DiscourseClient, request: ActionRequest) -> Outcome:
        post = self._found_post(client, request, {})
        state = _post_state(post)
        if post.get("deleted_at"):
            return Outcome(detail=f"The {_where(post)} on {self.forum} was already deleted.", external_ref=str(post["id"]), state=state)
        client.delete_post(int(post["id"]))
        whole = " (its first post, so Discourse deleted the whole topic)" if post.get("post_number") == 1 else ""
        return Outcome(detail=f"Deleted the {_where(post)} on {self.forum}{whole}.", external_ref=str(post["id"]), state=state)

    def _recover(self, client: DiscourseClient, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        post = self._found_post(client, request, state)
        if not post.get("deleted_at"):
            return Outcome(
                detail=f"The {_where(post)} on {self.forum} was not deleted.", external_ref=str(post["id"]), state=_post_state(post)
            )
        client.recover_post(int(post["id"]))
        return Outcome(detail=f"Restored the {_where(post)} on {self.forum}.", external_ref=str(post["id"]), state=_post_state(post))

    # Topics -------------------------------------------------------------------------------------

    def _topic_id(self, request: ActionRequest, state: Mapping[str, Any]) -> int:
        if isinstance(state.get("topic_id"), int):
            return int(state["topic_id"])
        return topic_id_of(request.subject, self.base_url)

    def _topic(self, client: DiscourseClient, topic_id: int) -> dict[str, Any]:
        try:
            return client.topic(topic_id)
        except DiscourseRefused as error:
            if error.status == 404:
                raise PermanentFailure(f"{self.forum} has no topic {topic_id} (or Steward's account cannot see it).") from None
            raise

    def _close(self, client: DiscourseClient, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        topic_id = self._topic_id(request, state)
        topic = self._topic(client, topic_id)
        kept = {"topic_id": topic_id}
        if topic.get("closed"):
            return Outcome(
                detail=f"The topic “{topic.get('title')}” on {self.forum} was already closed.", external_ref=str(topic_id), state=kept
            )
        client.set_topic_closed(topic_id, True)
        return Outcome(detail=f"Closed the topic “{topic.get('title')}” on {self.forum}.", external_ref=str(topic_id), state=kept)

    def _reopen(self, client: DiscourseClient, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        topic_id = self._topic_id(request, state)
        topic = self._topic(client, topic_id)
        kept = {"topic_id": topic_id}
        if not topic.get("closed"):
            return Outcome(
                detail=f"The topic “{topic.get('title')}” on {self.forum} was already open.", external_ref=str(topic_id), state=kept
            )
        client.set_topic_closed(topic_id, False)
        return Outcome(detail=f"Reopened the topic “{topic.get('title')}” on {self.forum}.", external_ref=str(topic_id), state=kept)

    # Reading ------------------------------------------------------------------------------------

    def _categories(self) -> set[int]:
        wanted = self.settings.get("categories") or []
        if isinstance(wanted, str | int):
            wanted = str(wanted).split(",")
        return {int(value) for value in wanted if str(value).strip().isdigit()}

    def read(self, since: datetime) -> Iterator[Item]:
        """Posts created since a time (public topics; `categories` narrows them), oldest first."""
        categories = self._categories()
        found: dict[int, Item] = {}
        with self._client() as client:
            before: int | None = None
            for _ in range(MAX_PAGES):
                page = client.latest_posts(before)
                if not page:
                    break
                for post in page:
                    created = parse_time(post.get("created_at"))
                    if created is None or created < since or post.get("post_type") == SMALL_ACTION:
                        continue
                    if categories and post.get("category_id") not in categories:
                        continue
                    found[int(post["id"])] = item_from_post(post, self.base_url)
                oldest = parse_time(page[-1].get("created_at"))
                lowest = min(int(post["id"]) for post in page)
                if oldest is None or oldest < since or (before is not None and lowest >= before):
                    break
                before = lowest
        yield from sorted(found.values(), key=lambda item: (item.created_at or since, int(item.external_id)))

    def moderation_log(self, since: datetime) -> Iterator[ModeratorActionEvent]:
        """Suspensions and silences (and their lifting), and topics closed, reopened, archived or unarchived, made on
        the forum by anyone but Steward's own account, from the staff action log (spaces.discourse.topics)."""
        found: list[ModeratorActionEvent] = []
        with self._client() as client:
            for action_name, action in STAFF_ACTIONS.items():
                found.extend(self._person_event(row, action) for row in self._staff_rows(client, action_name, since))
            owner_of = self._owner_lookup(client)
            for action_name, action in TOPIC_LOG_ACTIONS.items():
                for row in self._staff_rows(client, action_name, since):
                    if isinstance(row.get("topic_id"), int):
                        event = topic_event(
                            action, row.get("acting_user") or {}, row["topic_id"], parse_time(row.get("created_at")),
                            self.base_url, self.api_username, owner_of,
                        )  # fmt: skip
                        found.extend([event] if event is not None else [])
        yield from sorted(found, key=lambda event: event.at or since)

    def _staff_rows(self, client: DiscourseClient, action_name: str, since: datetime) -> list[dict[str, Any]]:
        """The log's rows of one action since `since`, newest first, without Steward's own."""
        found: list[dict[str, Any]] = []
        seen: set[tuple[Any, ...]] = set()
        for page in range(MAX_PAGES):
            rows = [row for row in client.staff_actions(action_name, page) if _log_key(row) not in seen]
            if not rows:
                break  # the end, or a Discourse that ignores `page` and repeats itself
            for row in rows:
                seen.add(_log_key(row))
                at = parse_time(row.get("created_at"))
                if at is not None and at < since:
                    return found
                if str((row.get("acting_user") or {}).get("username", "")).casefold() == self.api_username.casefold():
                    continue  # Steward's own action, already on the case
                found.append(row)
        return found

    def _person_event(self, row: Mapping[str, Any], action: str) -> ModeratorActionEvent:
        actor = row.get("acting_user") or {}
        target = row.get("target_user") or {}
        details = str(row.get("details") or "").strip()
        detail = f"{actor.get('username', 'A moderator')} {action} {target.get('username', 'a user')} on {self.forum}"
        return ModeratorActionEvent(
            action=action,
            actor=author_handles(actor.get("id"), actor.get("username")),
            subject=author_handles(target.get("id"), target.get("username")),
            detail=f"{detail}: {details}" if details else f"{detail}.",
            at=parse_time(row.get("created_at")),
        )

    def _owner_lookup(self, client: DiscourseClient | None) -> OwnerLookup:
        """Whose topic it is, read once per topic, best effort: a topic gone or unreadable names nobody."""
        owners: dict[int, TopicOwner] = {}
        base_url = self.base_url

        def owner_of(topic_id: int) -> TopicOwner:
            if topic_id not in owners:
                owners[topic_id] = TopicOwner((), "", "")
                if client is not None:
                    with contextlib.suppress(SpaceError):  # a topic gone or unreadable names nobody
                        owners[topic_id] = owner_from_topic(client.topic(topic_id), base_url)
            return owners[topic_id]

        return owner_of

    # Webhooks -----------------------------------------------------------------------------------

    def parse_webhook(self, request: HttpRequest) -> Inbound:
        delivery = webhooks.verify(request, self.secrets.get("webhook_secret", ""))
        base_url = self.base_url  # NotConfigured without it: the endpoint answers 404 and logs why (spaces.views)
        looked_up: dict[int, tuple[tuple[str, ...], str]] = {}
        api_key = self.secrets.get("api_key")
        client = DiscourseClient(base_url, api_key, self.api_username, timeout=LOOKUP_TIMEOUT) if api_key else None

        def lookup(user_id: int) -> tuple[tuple[str, ...], str]:
            """The user's handles by id, best effort: without the API (or if it fails) the id alone."""
            if user_id not in looked_up:
                looked_up[user_id] = ((str(user_id),), "")
                if client is not None:
                    try:
                        user = client.admin_user(user_id)
                        looked_up[user_id] = (author_handles(user_id, user.get("username")), str(user.get("name") or ""))
                    except SpaceError:
                        pass
            return looked_up[user_id]

        try:
            events = webhooks.events(delivery, base_url, self.api_username, lookup, self._owner_lookup(client))
        finally:
            if client is not None:
                client.close()
        return Inbound(delivery_id=delivery.delivery_id, events=events)


def _log_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """A staff-log row's identity (older Discourse serialises no `id`)."""
    return (row.get("id"), row.get("created_at"), (row.get("target_user") or {}).get("id"), row.get("action_name"))


def _where(post: Mapping[str, Any]) -> str:
    return f"post #{post.get('post_number')} of topic {post.get('topic_id')}"


def _post_state(post: Mapping[str, Any]) -> dict[str, Any]:
    # The author's username too: the private message telling them why goes to it (spaces.discourse.notices).
    return {
        "post_id": int(post["id"]),
        "topic_id": post.get("topic_id"),
        "post_number": post.get("post_number"),
        "username": post.get("username"),
    }
