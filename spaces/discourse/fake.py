"""FakeDiscourse: a stateful imitation of exactly the Discourse endpoints `DiscourseClient` calls.

It remembers users with their silences and suspensions (and their ends), topics open or closed, posts
hidden or deleted, who flagged what, and the staff action log, so `verify` reads real state. It checks
`Api-Key`/`Api-Username` (a wrong key gets Discourse's 403 `invalid_access`), validates every JSON request
body it receives against the published OpenAPI description (an invalid one gets Discourse's 400
`invalid_parameters`) and every success body it sends; what fails is kept in `contract_problems`, which the
tests require to stay empty. Routes the description lacks are marked `spec=False`.

Helpers act "by hand" as a forum moderator would, and build signed webhook deliveries as Discourse does.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from spaces.contracts import ContractError, check_request, check_response
from spaces.discourse import fake_messages
from spaces.discourse import fake_shapes as shapes
from spaces.discourse.fake_deliveries import Deliveries
from spaces.discourse.fake_shapes import SYSTEM_ID, ForumPost, ForumTopic, ForumUser, iso
from spaces.fakes import Call, FakePlatform, Injected

API_KEY = "test-discourse-api-key"
WEBHOOK_SECRET = "test-webhook-secret"
AUTO_ACTION_FLAGS = {3, 4, 8}  # off_topic, inappropriate, spam: a staff flag with take_action hides the post
INVALID_KEY = "You are not permitted to view the requested resource. The API username or key is invalid."
NOT_FOUND = "The requested URL or resource could not be found."

Handler = Callable[..., httpx.Response]


def _error(status: int, message: str, error_type: str | None = None, **extra: Any) -> httpx.Response:
    body: dict[str, Any] = {"errors": [message]}
    if error_type:
        body["error_type"] = error_type
    body.update(extra)
    return httpx.Response(status, json=body)


def _when(value: str) -> datetime:
    """Discourse takes dates (2121-02-22) and ISO times; naive ones are UTC."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class FakeDiscourse(Deliveries, FakePlatform):
    def __init__(self, *, api_key: str = API_KEY, webhook_secret: str = WEBHOOK_SECRET) -> None:
        super().__init__()
        self.api_key = api_key  # an "All users" key: any existing Api-Username may use it
        self.webhook_secret = webhook_secret
        self.site_url = "https://forum.example.org"  # what Discourse.base_url would be, for webhook payloads
        self.users: dict[int, ForumUser] = {SYSTEM_ID: ForumUser(SYSTEM_ID, "system", "system", admin=True, trust_level=4)}
        self.topics: dict[int, ForumTopic] = {}
        self.posts: dict[int, ForumPost] = {}
        self.flags: list[tuple[int, int, int, bool]] = []  # (user id, post id, flag type, took action)
        self.staff_log: list[dict[str, Any]] = []
        self.contract_problems: list[str] = []
        self.emails: list[tuple[str, str]] = []  # (username, message) of each silence or suspension e-mail sent
        self.log_page_size = 200
        self._ids = itertools.count(100)
        self._event_ids = itertools.count(1)
        self.moderator = self.add_user("moderator", name="Mo Derator", moderator=True)

        self._api("GET", r"/u/(?P<username>[^/]+)\.json", self._get_user)
        self._api("GET", r"/admin/users/(?P<user_id>-?\d+)\.json", self._get_admin_user)
        self._api("PUT", r"/admin/users/(?P<user_id>-?\d+)/silence\.json", self._silence)
        self._api("PUT", r"/admin/users/(?P<user_id>-?\d+)/unsilence\.json", self._unsilence, spec=False)
        self._api("PUT", r"/admin/users/(?P<user_id>-?\d+)/suspend\.json", self._suspend)
        self._api("PUT", r"/admin/users/(?P<user_id>-?\d+)/unsuspend\.json", self._unsuspend, spec=False)
        self._api("GET", r"/admin/logs/staff_action_logs\.json", self._staff_action_logs, spec=False)
        self._api("GET", r"/posts\.json", self._latest_posts)
        self._api("POST", r"/posts\.json", lambda call, body: fake_messages.create_post(self, call, body))
        self._api(
            "GET",
            r"/t/external_id/(?P<external_id>[^/]+)\.json",
            lambda call, body, external_id: fake_messages.topic_by_external_id(self, call, body, external_id),
        )
        self._api("GET", r"/posts/by_number/(?P<topic_id>\d+)/(?P<number>\d+)\.json", self._post_by_number, spec=False)
        self._api("GET", r"/posts/(?P<post_id>\d+)\.json", self._get_post)
        self._api("DELETE", r"/posts/(?P<post_id>\d+)\.json", self._delete_post)
        self._api("PUT", r"/posts/(?P<post_id>\d+)/unhide\.json", self._unhide_post, spec=False)
        self._api("PUT", r"/posts/(?P<post_id>\d+)/recover\.json", self._recover_post, spec=False)
        revision = r"/posts/(?P<post_id>\d+)/revisions/(?P<number>\d+)"
        self._api("GET", rf"{revision}\.json", self._get_revision, spec=False)
        for verb in ("hide", "show", "revert"):
            self._api("PUT", rf"{revision}/{verb}(?:\.json)?", getattr(self, f"_{verb}_revision"), spec=False)
        self._api("POST", r"/post_actions\.json", self._post_action)
        self._api("GET", r"/t/(?P<topic_id>\d+)\.json", self._get_topic)
        self._api("PUT", r"/t/(?P<topic_id>\d+)/status\.json", self._topic_status)

    # Discourse's answers ------------------------------------------------------------------------

    def not_found(self, call: Call) -> httpx.Response:
        return _error(404, NOT_FOUND, "not_found")

    def rate_limited(self, retry_after: float = 5.0) -> Injected:
        """RateLimiter::LimitExceeded as ApplicationController renders it."""
        seconds = int(retry_after)
        body = {
            "errors": [f"You’ve performed this action too many times. Please wait {seconds} seconds before trying again."],
            "error_type": "rate_limit",
            "extras": {"wait_seconds": seconds, "time_left": f"{seconds} seconds"},
        }
        return Injected(429, body, {"Retry-After": str(seconds)})

    def inject_request_tracker_limit(self, retry_after: int = 10) -> None:
        """The request-tracker middleware's 429, in front of the app: plain text, the header only."""
        text = (
            f"Slow down, too many requests from this IP address. Please retry again in {retry_after} seconds. "
            "Error code: ip_10_secs_limit.\n"
        )
        self.inject(
            429,
            text,
            {"Retry-After": str(retry_after), "Discourse-Rate-Limit-Error-Code": "ip_10_secs_limit", "Content-Type": "text/plain"},
        )

    # Routing with authentication and contract checks -------------------------------------------

    def _api(self, method: str, pattern: str, handler: Handler, *, spec: bool = True) -> None:
        def checked(call: Call, **groups: str) -> httpx.Response:
            refused = self._authenticate(call)
            if refused is not None:
                return refused
            try:
                body = json.loads(call.body) if call.body else None
            except ValueError:
                return _error(400, "The request body is not valid JSON.", "invalid_parameters")
            if spec:
                try:
                    check_request("discourse", method, call.path, body)
                except ContractError as error:
                    self.contract_problems.append(str(error))
                    return _error(400, f"You supplied invalid parameters to the request: {error}", "invalid_parameters")
            elif body not in (None, {}) and method != "GET":
                self.contract_problems.append(f"{method} {call.path} takes no body, but got {body!r}")
            response: httpx.Response = handler(call, body or {}, **groups)
            if spec and 200 <= response.status_code < 300 and response.content:
                self._check_answer(method, call.path, response)
            return response

        self.route(method, pattern, checked)

    def _check_answer(self, method: str, path: str, response: httpx.Response) -> None:
        """Validate a success body against the documented response of `method path` (a concrete path)."""
        try:
            published = shapes.as_published(method, shapes.template_for(method, path), response.json())
            check_response("discourse", method, path, response.status_code, published)
        except ContractError as error:
            self.contract_problems.append(str(error))

    def _authenticate(self, call: Call) -> httpx.Response | None:
        key, username = call.headers.get("api-key"), call.headers.get("api-username", "")
        if not key:
            return _error(403, "You need to be logged in to do that.", "not_logged_in")
        if key != self.api_key or self._user_named(username) is None:
            return _error(403, INVALID_KEY, "invalid_access")
        return None

    # State helpers ------------------------------------------------------------------------------

    def add_user(self, username: str, *, name: str = "", moderator: bool = False, admin: bool = False) -> ForumUser:
        user = ForumUser(next(self._ids), username, name or username.title(), admin=admin, moderator=moderator)
        self.users[user.id] = user
        return user

    def add_topic(
        self,
        title: str,
        author: ForumUser,
        raw: str = "Opening post.",
        *,
        category_id: int = 1,
        archetype: str = "regular",
        created_at: datetime | None = None,
    ) -> tuple[ForumTopic, ForumPost]:
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "topic"
        topic = ForumTopic(next(self._ids), title, slug, author.id, category_id, archetype, created_at=created_at or datetime.now(UTC))
        self.topics[topic.id] = topic
        return topic, self.add_post(topic, author, raw, created_at=created_at)

    def add_post(
        self, topic: ForumTopic, author: ForumUser, raw: str, *, to: ForumPost | None = None, created_at: datetime | None = None
    ) -> ForumPost:
        number = 1 + max((post.post_number for post in self.posts.values() if post.topic_id == topic.id), default=0)
        post = ForumPost(next(self._ids), topic.id, number, author.id, raw, created_at or datetime.now(UTC), to.post_number if to else None)
        self.posts[post.id] = post
        return post

    def private_messages_to(self, username: str) -> list[tuple[ForumTopic, str]]:
        return fake_messages.private_messages_to(self, username)

    def user_named(self, username: str) -> ForumUser:
        user = self._user_named(username)
        assert user is not None, f"no user {username}"
        return user

    def _user_named(self, username: str) -> ForumUser | None:
        return next((user for user in self.users.values() if user.username.casefold() == username.casefold()), None)

    def _replied_to(self, post: ForumPost) -> ForumUser | None:
        if post.reply_to_post_number is None:
            return None
        parent = next((p for p in self.posts.values() if p.topic_id == post.topic_id and p.post_number == post.reply_to_post_number), None)
        return self.users[parent.user_id] if parent else None

    def _post_json(self, post: ForumPost) -> dict[str, Any]:
        return shapes.single_post(post, self.topics[post.topic_id], self.users[post.user_id], self._replied_to(post))

    def _log(self, action_name: str, actor: ForumUser, target: ForumUser | None, details: str = "", topic_id: int | None = None) -> None:
        self.staff_log.append(
            {
                "id": next(self._ids),
                "action_name": action_name,
                "details": details,
                "context": None,
                "ip_address": None,
                "email": None,
                "created_at": iso(datetime.now(UTC)),
                "subject": None,
                "previous_value": None,
                "new_value": None,
                "topic_id": topic_id,
                "post_id": None,
                "acting_user": shapes.basic_user(actor),
                "target_user": shapes.basic_user(target) if target else None,
            }
        )

    # Changes "by hand", as a moderator on the forum would make them ----------------------------

    def suspend_by_hand(self, username: str, until: datetime, reason: str = "Spam") -> None:
        self._impose_suspension(self.user_named(username), until, reason, self.moderator)

    def unsuspend_by_hand(self, username: str) -> None:
        self._lift_suspension(self.user_named(username), self.moderator)

    def silence_by_hand(self, username: str, until: datetime, reason: str = "Heated") -> None:
        self._impose_silence(self.user_named(username), until, reason, self.moderator)

    def unsilence_by_hand(self, username: str) -> None:
        self._lift_silence(self.user_named(username), self.moderator)

    def unhide_by_hand(self, post_id: int) -> None:
        self.posts[post_id].hidden = False

    def recover_by_hand(self, post_id: int) -> None:
        self._set_deleted(self.posts[post_id], None)

    def reopen_by_hand(self, topic_id: int) -> None:
        self.topics[topic_id].closed = False

    def set_status_by_hand(self, topic: ForumTopic, status: str, enabled: bool, by: str) -> tuple[bytes, dict[str, str]]:
        """Staff closes, archives or unlists (`visible`, False) a topic on the forum: the small-action post's
        `post_created` delivery (Discourse writes the staff log for closed and archived too)."""
        return self.post_delivery(self._set_status(topic, status, enabled, self.user_named(by)))

    def _set_status(self, topic: ForumTopic, status: str, enabled: bool, actor: ForumUser) -> ForumPost:
        """Topic#update_status: the change, a small-action post by the actor with TopicStatusUpdater's action code, and
        StaffActionLogger's row for closing and archiving (topic_id, no target user); visibility is not logged."""
        setattr(topic, status, enabled)
        if status in ("closed", "archived"):
            names = {"closed": ("topic_closed", "topic_opened"), "archived": ("topic_archived", "topic_unarchived")}[status]
            self._log(names[0] if enabled else names[1], actor, None, topic_id=topic.id)
        small = self.add_post(topic, actor, "")
        small.post_type, small.action_code = shapes.SMALL_ACTION, f"{status}.{'enabled' if enabled else 'disabled'}"
        return small

    def _impose_suspension(self, user: ForumUser, until: datetime, reason: str, actor: ForumUser) -> None:
        user.suspended_at, user.suspended_till, user.suspend_reason, user.suspended_by = datetime.now(UTC), until, reason, actor.id
        self._log("suspend_user", actor, user, reason)

    def _lift_suspension(self, user: ForumUser, actor: ForumUser) -> None:
        user.suspended_at = user.suspended_till = user.suspended_by = None
        user.suspend_reason = ""
        self._log("unsuspend_user", actor, user)

    def _impose_silence(self, user: ForumUser, until: datetime, reason: str, actor: ForumUser) -> None:
        user.silenced_at, user.silenced_till, user.silence_reason, user.silenced_by = datetime.now(UTC), until, reason, actor.id
        self._log("silence_user", actor, user, reason)

    def _lift_silence(self, user: ForumUser, actor: ForumUser) -> None:
        user.silenced_at = user.silenced_till = user.silenced_by = None
        user.silence_reason = ""
        self._log("unsilence_user", actor, user)

    def _set_deleted(self, post: ForumPost, when: datetime | None) -> None:
        post.deleted_at = when
        if post.post_number == 1:  # the first post carries its topic with it
            self.topics[post.topic_id].deleted_at = when

    # Users --------------------------------------------------------------------------------------

    def _acting(self, call: Call) -> ForumUser:
        return self.user_named(call.headers.get("api-username", ""))

    def _get_user(self, call: Call, body: Any, username: str) -> httpx.Response:
        user = self._user_named(username)
        return self.reply(200, shapes.public_user(user)) if user else self.not_found(call)

    def _get_admin_user(self, call: Call, body: Any, user_id: str) -> httpx.Response:
        user = self.users.get(int(user_id))
        return self.reply(200, shapes.admin_user(user, self.users)) if user else self.not_found(call)

    def _penalised(self, call: Call, user_id: str, body: Any, what: str, already: bool, by: int | None) -> httpx.Response | None:
        """Discourse's refusals before a silence or suspension: unknown user, reason too long, one already on."""
        if int(user_id) not in self.users:
            return self.not_found(call)
        if len(str(body.get("reason", ""))) > 300:
            return _error(400, "Reason is too long (maximum is 300 characters)", "invalid_parameters")
        if already:
            staff = self.users[by].username if by in self.users else "system"
            return self.reply(409, {"failed": "FAILED", "message": f"This user was already {what} by {staff} a moment ago."})
        return None

    def _silence(self, call: Call, body: Any, user_id: str) -> httpx.Response:
        user = self.users.get(int(user_id))
        refused = self._penalised(call, user_id, body, "silenced", bool(user and user.silenced()), user.silenced_by if user else None)
        if refused is not None or user is None:
            return refused or self.not_found(call)
        actor = self._acting(call)
        self._impose_silence(user, _when(body["silenced_till"]), body["reason"], actor)
        if body.get("message"):
            self.emails.append((user.username, str(body["message"])))
        silence = {
            "silenced": True,
            "silence_reason": user.silence_reason,
            "full_silence_reason": user.silence_reason,
            "silenced_till": iso(user.silenced_till),
            "silenced_at": iso(user.silenced_at),
            "silenced_by": shapes.basic_user(actor),
        }
        return self.reply(200, {"silence": silence})

    def _unsilence(self, call: Call, body: Any, user_id: str) -> httpx.Response:
        user = self.users.get(int(user_id))
        if user is None:
            return self.not_found(call)
        self._lift_silence(user, self._acting(call))
        return self.reply(200, {"unsilence": {"silenced": False, "silence_reason": None, "silenced_till": None, "silenced_at": None}})

    def _suspend(self, call: Call, body: Any, user_id: str) -> httpx.Response:
        user = self.users.get(int(user_id))
        refused = self._penalised(call, user_id, body, "suspended", bool(user and user.suspended()), user.suspended_by if user else None)
        if refused is not None or user is None:
            return refused or self.not_found(call)
        actor = self._acting(call)
        self._impose_suspension(user, _when(body["suspend_until"]), body["reason"], actor)
        if body.get("message"):
            self.emails.append((user.username, str(body["message"])))
        suspension = {
            "suspend_reason": user.suspend_reason,
            "full_suspend_reason": user.suspend_reason,
            "suspended_till": iso(user.suspended_till),
            "suspended_at": iso(user.suspended_at),
            "suspended_by": shapes.basic_user(actor),
        }
        return self.reply(200, {"suspension": suspension})

    def _unsuspend(self, call: Call, body: Any, user_id: str) -> httpx.Response:
        user = self.users.get(int(user_id))
        if user is None:
            return self.not_found(call)
        self._lift_suspension(user, self._acting(call))
        return self.reply(200, {"suspension": {"suspended": False}})

    def _staff_action_logs(self, call: Call, body: Any) -> httpx.Response:
        rows = [row for row in reversed(self.staff_log) if row["action_name"] == call.query.get("action_name", row["action_name"])]
        page = int(call.query.get("page", 0))
        size = self.log_page_size
        answer = {
            "staff_action_logs": rows[page * size : (page + 1) * size],
            "total_rows_staff_action_logs": len(rows),
            "load_more_staff_action_logs": f"/admin/logs/staff_action_logs.json?page={page + 1}",
            "extras": {"user_history_actions": []},
        }
        return self.reply(200, answer)

    # Posts --------------------------------------------------------------------------------------

    # Revisions: the post history dialog's endpoints (PostsController#revisions, #hide_revision, #show_revision, #revert)

    def edit_by_hand(self, post: ForumPost, raw: str, editor: ForumUser, *, reason: str = "") -> int:
        """Someone edits the post (a wiki post: anyone at the wiki's trust level): a new revision; its number."""
        post.revisions.append(shapes.ForumRevision(post.version + 1, editor.id, post.raw, raw, reason))
        post.raw = raw
        return post.version

    def _revision_of(self, post_id: str, number: str) -> tuple[ForumPost, shapes.ForumRevision] | None:
        post = self.posts.get(int(post_id))
        rev = next((item for item in post.revisions if item.number == int(number)), None) if post else None
        return (post, rev) if post and rev else None

    def _get_revision(self, call: Call, body: Any, post_id: str, number: str) -> httpx.Response:
        found = self._revision_of(post_id, number)
        if found is None:
            return self.not_found(call)
        post, rev = found
        return self.reply(200, shapes.revision(post, rev, self.users[rev.user_id]))

    def _set_hidden(self, call: Call, post_id: str, number: str, hidden: bool) -> httpx.Response:
        found = self._revision_of(post_id, number)
        if found is None:
            return self.not_found(call)
        found[1].hidden = hidden
        return self.reply(200)  # `render body: nil`

    def _hide_revision(self, call: Call, body: Any, post_id: str, number: str) -> httpx.Response:
        return self._set_hidden(call, post_id, number, True)

    def _show_revision(self, call: Call, body: Any, post_id: str, number: str) -> httpx.Response:
        return self._set_hidden(call, post_id, number, False)

    def _revert_revision(self, call: Call, body: Any, post_id: str, number: str) -> httpx.Response:
        if int(number) < 2:
            return _error(400, "revision is invalid", "invalid_parameters")
        found = self._revision_of(post_id, number)
        if found is None:
            return self.not_found(call)
        post, rev = found
        if rev.before == post.raw:
            return _error(422, "The current version is the same as the version you are trying to revert to.", "")
        actor = self._user_named(call.headers.get("api-username", "")) or self.moderator
        self.edit_by_hand(post, rev.before, actor, reason=f"reverted to version #{rev.number - 1}")
        answer = self._post_json(post)
        # Unpublished, but the post in it is the serializer GET /posts/{id} renders: held to that description.
        self._check_answer("GET", f"/posts/{post.id}.json", self.reply(200, answer))
        return self.reply(200, {"post": answer})

    def _get_post(self, call: Call, body: Any, post_id: str) -> httpx.Response:
        post = self.posts.get(int(post_id))  # staff see deleted posts too
        return self.reply(200, self._post_json(post)) if post else self.not_found(call)

    def _post_by_number(self, call: Call, body: Any, topic_id: str, number: str) -> httpx.Response:
        post = next((p for p in self.posts.values() if p.topic_id == int(topic_id) and p.post_number == int(number)), None)
        if post is None:
            return self.not_found(call)
        answer = self.reply(200, self._post_json(post))
        # Not in the published description; PostsController#by_number renders the same serializer as GET /posts/{id}.
        self._check_answer("GET", f"/posts/{post.id}.json", answer)
        return answer

    def _post_action(self, call: Call, body: Any) -> httpx.Response:
        post = self.posts.get(int(body["id"]))
        if post is None:
            return self.not_found(call)
        actor = self._acting(call)
        if any(flagger == actor.id and flagged == post.id for flagger, flagged, _, _ in self.flags):
            # Guardian#post_can_act?: one flag per account and post, whatever its type.
            return _error(403, "You already performed this action.")
        take_action = call.query.get("take_action") == "true" and (actor.admin or actor.moderator)
        self.flags.append((actor.id, post.id, int(body["post_action_type_id"]), take_action))
        if take_action and int(body["post_action_type_id"]) in AUTO_ACTION_FLAGS:
            post.hidden = True
        return self.reply(200, shapes.acted_post(post, self.topics[post.topic_id], self.users[post.user_id], self._replied_to(post)))

    def _unhide_post(self, call: Call, body: Any, post_id: str) -> httpx.Response:
        post = self.posts.get(int(post_id))
        if post is None:
            return self.not_found(call)
        post.hidden = False
        return self.reply(200)  # PostsController#unhide renders no body

    def _delete_post(self, call: Call, body: Any, post_id: str) -> httpx.Response:
        post = self.posts.get(int(post_id))
        if post is None:
            return self.not_found(call)
        if post.deleted_at is not None:
            return _error(403, "You are not permitted to view the requested resource.", "invalid_access")
        self._set_deleted(post, datetime.now(UTC))
        return self.reply(200)

    def _recover_post(self, call: Call, body: Any, post_id: str) -> httpx.Response:
        post = self.posts.get(int(post_id))
        if post is None:
            return self.not_found(call)
        if post.deleted_at is None:
            return _error(403, "You are not permitted to view the requested resource.", "invalid_access")
        self._set_deleted(post, None)
        answer = self.reply(200, self._post_json(post))
        self._check_answer("GET", f"/posts/{post.id}.json", answer)  # the same serializer as GET
        return answer

    def _latest_posts(self, call: Call, body: Any) -> httpx.Response:
        before = int(call.query["before"]) if call.query.get("before") else None
        # Small actions are left out: the published item shape has no action_code, so the description documents
        # people's posts only (Steward's reader skips small actions either way).
        public = [
            p
            for p in self.posts.values()
            if p.deleted_at is None and self.topics[p.topic_id].archetype == "regular" and p.post_type != shapes.SMALL_ACTION
        ]
        page = sorted((p for p in public if before is None or p.id < before), key=lambda p: p.id, reverse=True)[:50]
        items = [shapes.latest_post(p, self.topics[p.topic_id], self.users[p.user_id], self._replied_to(p)) for p in page]
        return self.reply(200, {"latest_posts": items})

    # Topics -------------------------------------------------------------------------------------

    def _get_topic(self, call: Call, body: Any, topic_id: str) -> httpx.Response:
        topic = self.topics.get(int(topic_id))
        if topic is None:
            return self.not_found(call)
        numbers = [p.post_number for p in self.posts.values() if p.topic_id == topic.id]
        return self.reply(200, shapes.topic_view(topic, len(numbers), max(numbers, default=0), self.users[topic.user_id]))

    def _topic_status(self, call: Call, body: Any, topic_id: str) -> httpx.Response:
        topic = self.topics.get(int(topic_id))
        if topic is None:
            return self.not_found(call)
        if body["status"] not in ("closed", "archived", "visible"):
            return _error(
                400, f"FakeDiscourse imitates the closed, archived and visible statuses, not {body['status']!r}.", "invalid_parameters"
            )
        enabled = body["enabled"] == "true"
        if getattr(topic, body["status"]) != enabled:  # TopicStatusUpdater changes nothing (and posts nothing) otherwise
            self._set_status(topic, body["status"], enabled, self._acting(call))
        return self.reply(200, {"success": "OK", "topic_status_update": None})
