"""A stateful fake of the parts of GitHub's API that Steward uses, for the tests.

It remembers blocks, memberships, collaborators, interaction limits, comments (hidden, edited,
deleted), and locks, so verify after apply says HOLDS and a change made by hand (`unblock_by_hand`...)
is seen. It answers with GitHub's status codes and bodies (`Bad credentials` for a wrong token, 422
for a repeated block, `{}` for no interaction limit), its rate-limit responses, and it builds webhook
deliveries signed the way GitHub signs them.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from spaces.fakes import Call, FakePlatform, Injected
from spaces.github import fake_json as shapes
from spaces.github.fake_graphql import GraphQLFake
from spaces.github.fake_records import CommentRec, CommitRec, DiscussionRec, IssueRec, RepoRec, UserRec, World, error
from spaces.github.fake_webhooks import WebhookPayloads

_NAME = r"[^/]+"
_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")
_EXPIRIES = {"one_day": 1, "three_days": 3, "one_week": 7, "one_month": 30, "six_months": 180}
_PERMISSION_ROLES = {"pull": "read", "triage": "triage", "push": "write", "maintain": "maintain", "admin": "admin"}


FAKE_TOKEN = "ghp_fake_token"
FAKE_WEBHOOK_SECRET = "fake-webhook-secret"


class FakeGitHub(WebhookPayloads, FakePlatform):
    def __init__(self, *, token: str = FAKE_TOKEN, webhook_secret: str = FAKE_WEBHOOK_SECRET, org: str = "acme") -> None:
        super().__init__()
        self.token = token
        self.webhook_secret = webhook_secret
        self.world = World()
        self.org = self.add_user(org, type="Organization")
        self.steward = self.add_user("steward-bot")  # whom the token belongs to
        self.graphql = GraphQLFake(self.world)
        self._graphql_calls: list[Call] = []
        self._routes_for_rest()
        self.route("POST", "/graphql", self._graphql, mutates=False)

    def _routes_for_rest(self) -> None:
        org, login, owner, repo = (f"(?P<{name}>{_NAME})" for name in ("org", "login", "owner", "repo"))
        repos = f"/repos/{owner}/{repo}"
        for method in ("GET", "PUT", "DELETE"):
            self.route(method, f"/orgs/{org}/blocks/{login}", getattr(self, f"_block_{method.lower()}"))
            self.route(method, f"/orgs/{org}/memberships/{login}", getattr(self, f"_membership_{method.lower()}"))
            self.route(method, f"{repos}/collaborators/{login}", getattr(self, f"_collaborator_{method.lower()}"))
            self.route(method, f"/orgs/{org}/interaction-limits", getattr(self, f"_limit_{method.lower()}"))
            self.route(method, f"{repos}/interaction-limits", getattr(self, f"_limit_{method.lower()}"))
        self.route("GET", f"{repos}/collaborators/{login}/permission", self._collaborator_permission)
        self.route("GET", f"{repos}/issues/comments", self._list_comments("issue_comment"))
        self.route("GET", f"{repos}/pulls/comments", self._list_comments("review_comment"))
        self.route("GET", f"{repos}/comments", self._list_comments("commit_comment"))
        self.route("GET", f"{repos}/issues", self._list_issues)
        self.route("GET", f"{repos}/commits", self._list_commits)
        self.route("GET", f"/orgs/{org}/repos", self._list_org_repos)
        for kind, path in (("issue_comment", "issues/comments"), ("review_comment", "pulls/comments"), ("commit_comment", "comments")):
            for method in ("GET", "PATCH", "DELETE"):
                self.route(method, rf"{repos}/{path}/(?P<id>\d+)", self._comment_handler(kind, method))
        for method in ("GET", "PUT"):
            self.route(method, rf"{repos}/pulls/(?P<number>\d+)/reviews/(?P<id>\d+)", self._comment_handler("review", method))
        self.route("GET", rf"{repos}/issues/(?P<number>\d+)", self._issue_get)
        self.route("PATCH", rf"{repos}/issues/(?P<number>\d+)", self._issue_patch)
        self.route("GET", rf"{repos}/issues/(?P<number>\d+)/comments", self._issue_comments)
        self.route("POST", rf"{repos}/issues/(?P<number>\d+)/comments", self._issue_comment_create)
        self.route("PUT", rf"{repos}/issues/(?P<number>\d+)/lock", self._issue_lock)
        self.route("DELETE", rf"{repos}/issues/(?P<number>\d+)/lock", self._issue_unlock)

    # The world, for tests to set up -----------------------------------------------------------------

    def add_user(self, login: str, *, type: str = "User") -> UserRec:
        with self.lock:
            key = login.casefold()
            if key not in self.world.users:
                self.world.users[key] = UserRec(login, self.world.new_id(), type)
            return self.world.users[key]

    def add_repo(self, full_name: str) -> RepoRec:
        owner, name = full_name.split("/")
        with self.lock:
            key = full_name.casefold()
            if key not in self.world.repos:
                self.world.repos[key] = RepoRec(self.add_user(owner, type="Organization"), name, self.world.new_id())
            return self.world.repos[key]

    def add_issue(
        self,
        full_name: str,
        author: str,
        *,
        pull: bool = False,
        title: str = "A question",
        body: str = "Opening words.",
        created_at: datetime | None = None,
    ) -> IssueRec:
        repo = self.add_repo(full_name)
        with self.lock:
            number = 1 + sum(1 for key in [*self.world.issues, *self.world.discussions] if key[0] == full_name.casefold())
            rec = IssueRec(repo, number, self.world.new_id(), self.add_user(author), title, pull=pull, body=body)
            rec.created_at = rec.updated_at = shapes.iso(created_at) if created_at else shapes.T0
            self.world.issues[(full_name.casefold(), number)] = rec
            return rec

    def add_commit(self, full_name: str, author: str | None, message: str, *, date: datetime | None = None, email: str = "") -> CommitRec:
        """A commit pushed to the repository; `author` None: its e-mail is linked to no GitHub account."""
        repo = self.add_repo(full_name)
        with self.lock:
            sha = hashlib.sha1(f"{full_name}:{message}:{len(self.world.commits)}".encode()).hexdigest()  # noqa: S324 (an id, as git's)
            user = self.add_user(author) if author else None
            name = author or "Someone"
            rec = CommitRec(repo, sha, user, name, email or f"{name.lower()}@example.org", message)
            rec.date = shapes.iso(date) if date else shapes.T0
            self.world.commits[sha] = rec
            return rec

    def add_discussion(
        self, full_name: str, author: str, *, title: str = "Ideas", body: str = "What do you think?", created_at: datetime | None = None
    ) -> DiscussionRec:
        repo = self.add_repo(full_name)
        with self.lock:
            number = 1 + sum(1 for key in [*self.world.issues, *self.world.discussions] if key[0] == full_name.casefold())
            rec = DiscussionRec(repo, number, self.world.new_id(), self.add_user(author), title, body=body)
            rec.created_at = rec.updated_at = shapes.iso(created_at) if created_at else shapes.T0
            self.world.discussions[(full_name.casefold(), number)] = rec
            return rec

    def edit_discussion_by_hand(self, discussion: DiscussionRec, body: str, *, at: datetime) -> None:
        """Its author edits the opening post on github.com."""
        with self.lock:
            discussion.body = body
            discussion.last_edited_at = discussion.updated_at = shapes.iso(at)

    def add_comment(
        self,
        on: IssueRec | DiscussionRec | str,
        author: str,
        body: str,
        *,
        kind: str = "",
        reply_to: CommentRec | None = None,
        created_at: datetime | None = None,
    ) -> CommentRec:
        """A comment on an issue or pull request (kind issue_comment, review_comment or review), a discussion,
        or, when `on` is "owner/repo@sha", a commit."""
        with self.lock:
            moment = shapes.iso(created_at) if created_at else shapes.T0
            rec = CommentRec(kind or "issue_comment", self.world.new_id(), self._repo_of(on), self.add_user(author), body)
            rec.created_at = rec.updated_at = moment
            if isinstance(on, str):
                rec.kind, rec.commit_id = "commit_comment", on.split("@")[1]
            elif isinstance(on, DiscussionRec):
                rec.kind, rec.discussion, rec.parent_id = "discussion_comment", on, reply_to.id if reply_to else None
                on.updated_at = max(on.updated_at, moment)
            else:
                rec.issue = on
            self.world.comments[(rec.kind, rec.id)] = rec
            return rec

    def _repo_of(self, on: IssueRec | DiscussionRec | str) -> RepoRec:
        return self.add_repo(on.split("@")[0]) if isinstance(on, str) else on.repo

    def add_member(self, login: str, *, role: str = "member", state: str = "active") -> None:
        with self.lock:
            self.world.memberships[(self.org.login.casefold(), self.add_user(login).login.casefold())] = {"role": role, "state": state}

    def add_collaborator(self, full_name: str, login: str, *, role: str = "write") -> None:
        self.add_repo(full_name)
        with self.lock:
            self.world.collaborators[(full_name.casefold(), self.add_user(login).login.casefold())] = role

    def accept_invitation(self, full_name: str, login: str) -> None:
        with self.lock:
            permission = self.world.invitations.pop((full_name.casefold(), login.casefold()))
            self.world.collaborators[(full_name.casefold(), login.casefold())] = _PERMISSION_ROLES.get(permission, permission)

    # Changes made by hand on github.com, outside Steward ----------------------------------------------

    def block_by_hand(self, login: str) -> None:
        with self.lock:
            self.world.blocks.add((self.org.login.casefold(), self.add_user(login).login.casefold()))

    def unblock_by_hand(self, login: str) -> None:
        with self.lock:
            self.world.blocks.discard((self.org.login.casefold(), login.casefold()))

    def unminimize_by_hand(self, comment: CommentRec) -> None:
        with self.lock:
            comment.minimized_reason = None

    def edit_by_hand(self, comment: CommentRec, body: str, *, at: datetime | None = None) -> None:
        with self.lock:
            comment.body = body
            if at is not None:
                comment.updated_at = shapes.iso(at)
                if comment.discussion is not None:
                    comment.discussion.updated_at = max(comment.discussion.updated_at, comment.updated_at)

    def delete_by_hand(self, comment: CommentRec) -> None:
        with self.lock:
            self.world.comments.pop((comment.kind, comment.id), None)

    def reopen_by_hand(self, issue: IssueRec) -> None:
        with self.lock:
            issue.state, issue.state_reason, issue.closed_at = "open", None if issue.pull else "reopened", None

    def unlock_by_hand(self, thread: IssueRec | DiscussionRec) -> None:
        with self.lock:
            thread.locked, thread.lock_reason = False, None

    def lift_limit_by_hand(self, scope: str) -> None:
        with self.lock:
            self.world.limits.pop(scope.casefold(), None)

    def is_blocked(self, login: str) -> bool:
        with self.lock:
            return (self.org.login.casefold(), login.casefold()) in self.world.blocks

    def comment(self, comment: CommentRec) -> CommentRec | None:
        """The comment as the fake holds it now (None once deleted)."""
        with self.lock:
            return self.world.comments.get((comment.kind, comment.id))

    def graphql_mutations(self, name: str | None = None) -> list[dict[str, Any]]:
        """The variables of each GraphQL mutation run (optionally only those of one mutation field)."""
        with self.lock:
            return [variables for field, variables in self.graphql.mutations if name is None or field == name]

    def mutations(self, method: str | None = None, path: str | None = None) -> list[Call]:
        """REST mutations as FakePlatform counts them, and GraphQL requests that ran a mutation."""
        found = super().mutations(method, path)
        with self.lock:
            extra = [
                call
                for call in self._graphql_calls
                if (method is None or call.method == method.upper()) and (path is None or re.search(path, call.path))
            ]
        return found + extra

    # Errors and rate limits, in GitHub's shapes ---------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        # GitHub checks the credentials before anything else.
        if request.headers.get("authorization", "") not in (f"token {self.token}", f"Bearer {self.token}"):
            with self.lock:
                headers = {key.lower(): value for key, value in request.headers.items()}
                self.calls.append(Call(request.method.upper(), request.url.path, dict(request.url.params), headers, request.read()))
            return self.reply(401, error(401, "Bad credentials"))
        return super().handle(request)

    def not_found(self, call: Call) -> httpx.Response:
        return self.reply(404, error(404, "Not Found"))

    def rate_limited(self, retry_after: float = 1.0) -> Injected:
        """The primary rate limit: 403, remaining 0, and the epoch second the window resets."""
        reset = math.ceil(time.time() + retry_after)
        headers = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-used": "5000",
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-resource": "core",
        }
        body = {
            "message": f"API rate limit exceeded for user ID {self.steward.id}. If you reach out to GitHub Support for help, "
            "please include the request ID 0000:1111:2222:3333:4444.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            "status": "403",
        }
        return Injected(403, body, headers)

    def inject_secondary_rate_limit(
        self, *, retry_after: int = 60, times: int = 1, method: str | None = None, path: str | None = None
    ) -> None:
        """The secondary rate limit: 403 with `retry-after`, and a message saying so."""
        body = {
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
            "If you reach out to GitHub Support for help, please include the request ID 0000:1111:2222:3333:4444.",
            "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
            "status": "403",
        }
        self.inject(403, body, {"retry-after": str(retry_after)}, times=times, method=method, path=path)

    def inject_graphql_rate_limit(self, *, retry_after: float = 30.0) -> None:
        """GraphQL's rate limit: status 200 with an error of type RATE_LIMITED, and the rate headers."""
        headers = self.rate_limited(retry_after).headers | {"x-ratelimit-resource": "graphql"}
        body = {"errors": [{"type": "RATE_LIMITED", "message": f"API rate limit exceeded for user ID {self.steward.id}."}]}
        self.inject(200, body, headers, method="POST", path="^/graphql$")

    def inject_forbidden(self, path: str, permission: str, *, method: str | None = None) -> None:
        """What a fine-grained token without the needed permission gets."""
        body = error(403, "Resource not accessible by personal access token")
        self.inject(403, body, {"x-accepted-github-permissions": permission}, method=method, path=path)

    # Webhook deliveries ---------------------------------------------------------------------------

    # REST handlers --------------------------------------------------------------------------------

    def _user(self, login: str) -> UserRec | None:
        return self.world.users.get(login.casefold())

    def _org_ok(self, org: str) -> bool:
        return org.casefold() == self.org.login.casefold()

    def _block_get(self, call: Call, org: str, login: str) -> httpx.Response:
        if self._org_ok(org) and (org.casefold(), login.casefold()) in self.world.blocks:
            return self.reply(204)
        return self.not_found(call)

    def _block_put(self, call: Call, org: str, login: str) -> httpx.Response:
        if not self._org_ok(org) or self._user(login) is None:
            return self.not_found(call)
        if (org.casefold(), login.casefold()) in self.world.blocks:
            return self.reply(422, error(422, "Blocked user has already been blocked"))
        self.world.blocks.add((org.casefold(), login.casefold()))
        return self.reply(204)

    def _block_delete(self, call: Call, org: str, login: str) -> httpx.Response:
        if not self._org_ok(org):
            return self.not_found(call)
        self.world.blocks.discard((org.casefold(), login.casefold()))
        return self.reply(204)

    def _membership_get(self, call: Call, org: str, login: str) -> httpx.Response:
        found = self.world.memberships.get((org.casefold(), login.casefold()))
        user = self._user(login)
        if not self._org_ok(org) or found is None or user is None:
            return self.not_found(call)
        return self.reply(200, shapes.membership(self.org, user, found["role"], found["state"]))

    def _membership_put(self, call: Call, org: str, login: str) -> httpx.Response:
        user = self._user(login)
        if not self._org_ok(org) or user is None:
            return self.not_found(call)
        role = str((call.json() or {}).get("role") or "member")
        current = self.world.memberships.get((org.casefold(), login.casefold()))
        # A non-member gets an invitation (pending); a member's role is changed at once.
        state = current["state"] if current else "pending"
        self.world.memberships[(org.casefold(), login.casefold())] = {"role": role, "state": state}
        return self.reply(200, shapes.membership(self.org, user, role, state))

    def _membership_delete(self, call: Call, org: str, login: str) -> httpx.Response:
        if self.world.memberships.pop((org.casefold(), login.casefold()), None) is None:
            return self.not_found(call)
        return self.reply(204)

    def _collaborator_get(self, call: Call, owner: str, repo: str, login: str) -> httpx.Response:
        if (f"{owner}/{repo}".casefold(), login.casefold()) in self.world.collaborators:
            return self.reply(204)
        return self.not_found(call)

    def _collaborator_permission(self, call: Call, owner: str, repo: str, login: str) -> httpx.Response:
        user = self._user(login)
        role = self.world.collaborators.get((f"{owner}/{repo}".casefold(), login.casefold()))
        if user is None or f"{owner}/{repo}".casefold() not in self.world.repos:
            return self.not_found(call)
        return self.reply(200, shapes.collaborator_permission(user, role or "read"))

    def _collaborator_put(self, call: Call, owner: str, repo: str, login: str) -> httpx.Response:
        full = f"{owner}/{repo}".casefold()
        user, rec = self._user(login), self.world.repos.get(full)
        if user is None or rec is None:
            return self.not_found(call)
        if (full, login.casefold()) in self.world.collaborators:
            return self.reply(204)
        permission = str((call.json() or {}).get("permission") or "push")
        self.world.invitations[(full, login.casefold())] = permission
        return self.reply(201, shapes.invitation(rec, user, self.steward, self.world.new_id(), permission))

    def _collaborator_delete(self, call: Call, owner: str, repo: str, login: str) -> httpx.Response:
        self.world.collaborators.pop((f"{owner}/{repo}".casefold(), login.casefold()), None)
        self.world.invitations.pop((f"{owner}/{repo}".casefold(), login.casefold()), None)
        return self.reply(204)

    def _scope(self, org: str | None, owner: str | None, repo: str | None) -> str | None:
        if org is not None:
            return org.casefold() if self._org_ok(org) else None
        full = f"{owner}/{repo}".casefold()
        return full if full in self.world.repos else None

    def _limit_get(self, call: Call, org: str | None = None, owner: str | None = None, repo: str | None = None) -> httpx.Response:
        scope = self._scope(org, owner, repo)
        if scope is None:
            return self.not_found(call)
        # A repository shows the organisation's limit when there is one (origin "organization").
        found = self.world.limits.get(scope) or (self.world.limits.get(self.org.login.casefold()) if repo else None)
        return self.reply(200, dict(found) if found else {})

    def _limit_put(self, call: Call, org: str | None = None, owner: str | None = None, repo: str | None = None) -> httpx.Response:
        scope = self._scope(org, owner, repo)
        if scope is None:
            return self.not_found(call)
        if repo and self.org.login.casefold() in self.world.limits:
            return self.reply(409, error(409, "Interaction limits are already set at the organization level."))
        body = call.json() or {}
        limit, expiry = body.get("limit"), body.get("expiry", "one_day")
        if limit not in ("existing_users", "contributors_only", "collaborators_only") or expiry not in _EXPIRIES:
            return self.reply(422, error(422, "Validation Failed", errors=[{"resource": "InteractionLimit", "code": "invalid"}]))
        ends = datetime.now(UTC) + timedelta(days=_EXPIRIES[expiry])
        found = {"limit": limit, "origin": "repository" if repo else "organization", "expires_at": shapes.iso(ends)}
        self.world.limits[scope] = found
        return self.reply(200, dict(found))

    def _limit_delete(self, call: Call, org: str | None = None, owner: str | None = None, repo: str | None = None) -> httpx.Response:
        scope = self._scope(org, owner, repo)
        if scope is None:
            return self.not_found(call)
        self.world.limits.pop(scope, None)
        return self.reply(204)

    def _comment_handler(self, kind: str, method: str) -> Any:
        def handler(call: Call, owner: str, repo: str, id: str, number: str | None = None) -> httpx.Response:
            rec = self.world.comments.get((kind, int(id)))
            if rec is None or rec.repo.full_name.casefold() != f"{owner}/{repo}".casefold():
                return self.not_found(call)
            if method == "DELETE":
                del self.world.comments[(kind, rec.id)]
                return self.reply(204)
            if method in ("PATCH", "PUT"):
                body = (call.json() or {}).get("body")
                if not isinstance(body, str):
                    return self.reply(422, error(422, "Validation Failed", errors=[{"field": "body", "code": "missing_field"}]))
                rec.body, rec.updated_at = body, shapes.iso(datetime.now(UTC))
            return self.reply(200, shapes.REST_COMMENT[kind](rec))

        return handler

    def _list_comments(self, kind: str) -> Any:
        """A repository's comments of one kind, as GitHub lists them: `since` (updated at or after; not for
        commit comments, which GitHub lists by id), `sort` and `direction`, and paging with a Link header."""

        def handler(call: Call, owner: str, repo: str) -> httpx.Response:
            full = f"{owner}/{repo}".casefold()
            if full not in self.world.repos:
                return self.not_found(call)
            found = [rec for rec in self.world.comments.values() if rec.kind == kind and rec.repo.full_name.casefold() == full]
            if kind == "commit_comment":
                found.sort(key=lambda rec: rec.id)
                return self._page(call, [shapes.commit_comment(rec) for rec in found])
            if since := call.query.get("since"):
                if not _ISO_8601.match(since):
                    return self.reply(422, error(422, "The since parameter needs to be in ISO 8601 format: YYYY-MM-DDTHH:MM:SSZ"))
                moment = datetime.fromisoformat(since)
                found = [rec for rec in found if datetime.fromisoformat(rec.updated_at) >= moment]
            key = "updated_at" if call.query.get("sort") == "updated" else "created_at"
            found.sort(key=lambda rec: (getattr(rec, key), rec.id), reverse=call.query.get("direction") == "desc")
            return self._page(call, [shapes.REST_COMMENT[kind](rec) for rec in found])

        return handler

    def _listing(self, call: Call, owner: str, repo: str) -> tuple[str, datetime | None] | httpx.Response:
        """The repository's casefolded full name and the `since` asked for; or GitHub's 404 or 422 answer."""
        full = f"{owner}/{repo}".casefold()
        if full not in self.world.repos:
            return self.not_found(call)
        since = call.query.get("since")
        if not since:
            return full, None
        if not _ISO_8601.match(since):
            return self.reply(422, error(422, "The since parameter needs to be in ISO 8601 format: YYYY-MM-DDTHH:MM:SSZ"))
        return full, datetime.fromisoformat(since)

    def _list_issues(self, call: Call, owner: str, repo: str) -> httpx.Response:
        """A repository's issues and pull requests as GitHub lists them: `state` (default open; these are all open),
        `since` (updated at or after), `sort` created or updated, `direction` (default desc), paging."""
        listing = self._listing(call, owner, repo)
        if isinstance(listing, httpx.Response):
            return listing
        full, since = listing
        if call.query.get("state", "open") not in ("open", "closed", "all"):
            return self.reply(422, error(422, "Validation Failed", errors=[{"field": "state", "code": "invalid"}]))
        found = [rec for key, rec in self.world.issues.items() if key[0] == full]
        if since is not None:
            found = [rec for rec in found if datetime.fromisoformat(rec.updated_at) >= since]
        key = "updated_at" if call.query.get("sort") == "updated" else "created_at"
        found.sort(key=lambda rec: (getattr(rec, key), rec.id), reverse=call.query.get("direction", "desc") == "desc")
        return self._page(call, [shapes.issue(rec) for rec in found])

    def _list_commits(self, call: Call, owner: str, repo: str) -> httpx.Response:
        """A repository's commits as GitHub lists them: newest first, `since` (committed at or after), paging."""
        listing = self._listing(call, owner, repo)
        if isinstance(listing, httpx.Response):
            return listing
        full, since = listing
        found = [
            rec
            for rec in self.world.commits.values()
            if rec.repo.full_name.casefold() == full and (since is None or datetime.fromisoformat(rec.date) >= since)
        ]
        found.sort(key=lambda rec: (rec.date, rec.sha), reverse=True)
        return self._page(call, [shapes.commit(rec) for rec in found])

    def _list_org_repos(self, call: Call, org: str) -> httpx.Response:
        if not self._org_ok(org):
            return self.not_found(call)
        found = sorted(
            (rec for rec in self.world.repos.values() if rec.owner.login.casefold() == org.casefold()), key=lambda rec: rec.name.casefold()
        )
        return self._page(call, [shapes.repository(rec) for rec in found])

    def _page(self, call: Call, bodies: list[dict[str, Any]]) -> httpx.Response:
        """One page of a list (`per_page`, default 30; `page`), with GitHub's Link header to the next."""
        per_page, page = int(call.query.get("per_page", 30)), int(call.query.get("page", 1))
        headers = {}
        if page * per_page < len(bodies):
            host = call.headers.get("host", "api.github.com")
            query = urlencode({**call.query, "page": str(page + 1)})
            headers["link"] = f'<http://{host}{call.path}?{query}>; rel="next"'
        return self.reply(200, bodies[(page - 1) * per_page : page * per_page], headers)

    def _issue(self, owner: str, repo: str, number: str) -> IssueRec | None:
        return self.world.issues.get((f"{owner}/{repo}".casefold(), int(number)))

    def _issue_get(self, call: Call, owner: str, repo: str, number: str) -> httpx.Response:
        rec = self._issue(owner, repo, number)
        return self.reply(200, shapes.issue(rec)) if rec else self.not_found(call)

    def _issue_patch(self, call: Call, owner: str, repo: str, number: str) -> httpx.Response:
        """Update an issue (pull requests too, through the issues API): Steward sends only `state` and `state_reason`.
        GitHub keeps a state reason for issues only; closing without one is "completed", reopening is "reopened"."""
        rec = self._issue(owner, repo, number)
        if rec is None:
            return self.not_found(call)
        body = call.json() or {}
        state, reason = body.get("state", rec.state), body.get("state_reason")
        if state not in ("open", "closed") or reason not in (None, "completed", "not_planned", "reopened", "duplicate"):
            return self.reply(
                422, error(422, "Validation Failed", errors=[{"resource": "Issue", "field": "state_reason", "code": "invalid"}])
            )
        if state == "closed" and rec.state != "closed":
            rec.closed_at = shapes.iso(datetime.now(UTC))
            rec.state_reason = None if rec.pull else (reason or "completed")
        elif state == "open" and rec.state != "open":
            rec.closed_at, rec.state_reason = None, None if rec.pull else "reopened"
        rec.state, rec.updated_at = state, shapes.iso(datetime.now(UTC))
        return self.reply(200, shapes.issue(rec))

    def _issue_comments(self, call: Call, owner: str, repo: str, number: str) -> httpx.Response:
        rec = self._issue(owner, repo, number)
        if rec is None:
            return self.not_found(call)
        found = sorted((c for c in self.world.comments.values() if c.kind == "issue_comment" and c.issue is rec), key=lambda c: c.id)
        return self._page(call, [shapes.REST_COMMENT["issue_comment"](c) for c in found])

    def _issue_comment_create(self, call: Call, owner: str, repo: str, number: str) -> httpx.Response:
        rec = self._issue(owner, repo, number)
        if rec is None:
            return self.not_found(call)
        body = (call.json() or {}).get("body")
        if not isinstance(body, str) or not body.strip():
            return self.reply(
                422, error(422, "Validation Failed", errors=[{"resource": "IssueComment", "field": "body", "code": "missing_field"}])
            )
        comment = CommentRec("issue_comment", self.world.new_id(), rec.repo, self.steward, body, issue=rec)
        comment.created_at = comment.updated_at = shapes.iso(datetime.now(UTC))
        self.world.comments[(comment.kind, comment.id)] = comment
        return self.reply(201, shapes.REST_COMMENT["issue_comment"](comment))

    def _issue_lock(self, call: Call, owner: str, repo: str, number: str) -> httpx.Response:
        rec = self._issue(owner, repo, number)
        if rec is None:
            return self.not_found(call)
        reason = (call.json() or {}).get("lock_reason")
        if reason not in (None, "off-topic", "too heated", "resolved", "spam"):
            return self.reply(422, error(422, "Validation Failed", errors=[{"field": "lock_reason", "code": "invalid"}]))
        rec.locked, rec.lock_reason = True, reason
        return self.reply(204)

    def _issue_unlock(self, call: Call, owner: str, repo: str, number: str) -> httpx.Response:
        rec = self._issue(owner, repo, number)
        if rec is None:
            return self.not_found(call)
        rec.locked, rec.lock_reason = False, None
        return self.reply(204)

    def _graphql(self, call: Call) -> httpx.Response:
        try:
            body = call.json()
        except ValueError:
            return self.reply(400, {"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/graphql"})
        before = len(self.graphql.mutations)
        answer = self.graphql.answer(body)
        if len(self.graphql.mutations) > before:
            self._graphql_calls.append(call)
        return self.reply(200, answer)
