"""GitHub's HTTP API as Steward uses it: githubkit calls, and the one place where HTTP results become failures.

githubkit is configured not to retry or sleep (the executor retries with back-off, honouring
`retry_after`) and not to cache (verify must see GitHub's live state). Responses are read through
`.parsed_data`, i.e. githubkit's generated models, so a response that drifts from GitHub's published
description fails loudly instead of being half-understood.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

import httpx
from githubkit import GitHub, TokenAuthStrategy
from githubkit.exception import GraphQLFailed, RateLimitExceeded, RequestError, RequestFailed, RequestTimeout
from githubkit.graphql import GraphQLError
from githubkit.response import Response
from githubkit_schemas.latest.models import (
    Commit,
    CommitComment,
    InteractionLimitResponse,
    Issue,
    IssueComment,
    MinimalRepository,
    OrgMembership,
    PullRequestReviewComment,
)
from pydantic import ValidationError

from spaces.base import PermanentFailure, TemporaryFailure
from spaces.github.subjects import CommentKind, CommentRef, LimitScope

if TYPE_CHECKING:
    import ssl

DEFAULT_API_URL = "https://api.github.com"
USER_AGENT = "Steward (code of conduct enforcement)"

Limit = Literal["existing_users", "contributors_only", "collaborators_only"]
Expiry = Literal["one_day", "three_days", "one_week", "one_month", "six_months"]
IssueLockReason = Literal["off-topic", "too heated", "resolved", "spam"]
IssueState = Literal["open", "closed"]
IssueStateReason = Literal["completed", "not_planned", "reopened"]
# GraphQL error types that say the request itself is wrong or not allowed: retrying cannot help.
_PERMANENT_GRAPHQL = {"NOT_FOUND", "FORBIDDEN", "UNPROCESSABLE", "INSUFFICIENT_SCOPES", "ARGUMENT_LIMIT", "MAX_NODE_LIMIT_EXCEEDED"}


class NotFound(PermanentFailure):
    """GitHub answered 404 (or GraphQL NOT_FOUND): the thing is gone, or the token may not see it."""


@dataclass(frozen=True)
class Comment:
    """A comment as Steward needs it, whichever endpoint it came from."""

    node_id: str
    body: str
    author: str
    url: str


@dataclass(frozen=True)
class IssueInfo:
    node_id: str
    locked: bool
    author: str
    state: str = "open"  # "open" or "closed"
    state_reason: str | None = None  # issues only: "completed", "not_planned", "reopened"
    pull: bool = False  # a pull request (GitHub's issues API serves both)


# --- Turning HTTP results into the interface's failures -------------------------------------------


def _message(response: Response[Any]) -> str:
    try:
        body = response.raw_response.json()
    except ValueError:
        return response.raw_response.reason_phrase or "no explanation"
    if not isinstance(body, dict):
        return "no explanation"
    message = str(body.get("message") or "no explanation").rstrip(".")
    errors = body.get("errors")
    if isinstance(errors, list):
        details = [str(item.get("message") or item.get("code") or "") for item in errors if isinstance(item, dict)]
        if any(details):
            message += " (" + "; ".join(detail for detail in details if detail) + ")"
    return message


def _needed_permission(response: Response[Any]) -> str:
    """GitHub says which permission or scope the endpoint wants; repeat it so an admin knows what to grant."""
    headers = response.raw_response.headers
    fine_grained = headers.get("x-accepted-github-permissions", "")
    classic = headers.get("x-accepted-oauth-scopes", "")
    if fine_grained:
        return f" The token needs: {fine_grained}."
    if classic:
        return f" The token needs the scope: {classic}."
    return ""


def failure_for(what: str, response: Response[Any]) -> PermanentFailure | TemporaryFailure:
    status = response.status_code
    message = _message(response)
    if status == 429 or status >= 500:
        retry_after = response.raw_response.headers.get("retry-after", "")
        return TemporaryFailure(
            f"GitHub could not {what} just now ({status}: {message}).", float(retry_after) if retry_after.isdigit() else None
        )
    if status == 401:
        return PermanentFailure(f"GitHub refused the token while trying to {what} (401 {message}): it is wrong, expired or revoked.")
    if status == 403:
        return PermanentFailure(f"GitHub refused to {what}: {message}.{_needed_permission(response)}")
    if status == 404:
        return NotFound(f"GitHub found nothing when trying to {what}: it does not exist, or the token may not see it.")
    return PermanentFailure(f"GitHub refused to {what} ({status}): {message}.")


def _graphql_failure(what: str, errors: list[GraphQLError]) -> PermanentFailure | TemporaryFailure:
    text = "; ".join(error.message for error in errors)
    types = {error.type for error in errors}
    if types == {"NOT_FOUND"}:
        return NotFound(f"GitHub found nothing when trying to {what}: {text}")
    # GitHub's own trouble ("Something went wrong while executing your query. This may be the result of a timeout")
    # comes without a type; so do errors in the document itself, which are Steward's mistake and not worth retrying.
    if any(error.type is None and "something went wrong" in error.message.casefold() for error in errors):
        return TemporaryFailure(f"GitHub could not {what} just now: {text}")
    if None in types or types & _PERMANENT_GRAPHQL:
        return PermanentFailure(f"GitHub refused to {what}: {text}")
    return TemporaryFailure(f"GitHub could not {what} just now: {text}")


@contextmanager
def calling(what: str) -> Iterator[None]:
    """Wrap one API call; `what` completes "GitHub could not …" in messages stewards read."""
    try:
        yield
    except RateLimitExceeded as error:  # before RequestFailed: it is one
        raise TemporaryFailure(f"GitHub's rate limit was reached while trying to {what}.", error.retry_after.total_seconds()) from None
    except RequestFailed as error:
        raise failure_for(what, error.response) from None
    except RequestTimeout:  # before RequestError: it is one
        raise TemporaryFailure(f"GitHub did not answer in time while Steward tried to {what}.") from None
    except RequestError as error:
        raise TemporaryFailure(f"Steward could not reach GitHub to {what} ({type(error.exc).__name__}).") from None
    except GraphQLFailed as error:
        raise _graphql_failure(what, error.response.errors or []) from None
    except ValidationError as error:
        raise PermanentFailure(
            f"GitHub's answer when trying to {what} did not have the published shape: {error.error_count()} problem(s)."
        ) from None


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context for the process: githubkit opens a client per call, and loading the CA bundle each time
    costs more than the call itself."""
    return httpx.create_ssl_context()


def _iso(moment: datetime) -> Any:
    # githubkit would send str(datetime), with a space; GitHub wants ISO 8601 (YYYY-MM-DDTHH:MM:SSZ) and refuses others.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _login(user: Any) -> str:
    return str(getattr(user, "login", "") or "")


class GitHubClient:
    def __init__(self, token: str, api_url: str = DEFAULT_API_URL, *, timeout: float = 30.0) -> None:
        self.github = GitHub(
            TokenAuthStrategy(token),
            base_url=api_url or DEFAULT_API_URL,
            user_agent=USER_AGENT,
            timeout=timeout,
            ssl_verify=_tls(),
            auto_retry=False,  # the executor retries; a worker must not sleep through a rate limit
            http_cache=False,  # verify answers from live state, never from a cached response
        )
        self.rest = self.github.rest

    # Blocking -------------------------------------------------------------------------------------

    def is_blocked(self, org: str, login: str) -> bool:
        try:
            with calling(f"check whether {login} is blocked in {org}"):
                self.rest.orgs.check_blocked_user(org, login)
        except NotFound:
            return False
        return True

    def block(self, org: str, login: str) -> None:
        with calling(f"block {login} from {org}"):
            self.rest.orgs.block_user(org, login)

    def unblock(self, org: str, login: str) -> None:
        with calling(f"unblock {login} in {org}"):
            self.rest.orgs.unblock_user(org, login)

    # Membership -----------------------------------------------------------------------------------

    def membership(self, org: str, login: str) -> OrgMembership | None:
        try:
            with calling(f"look up {login}'s membership of {org}"):
                return self.rest.orgs.get_membership_for_user(org, login).parsed_data
        except NotFound:
            return None

    def remove_membership(self, org: str, login: str) -> None:
        with calling(f"remove {login} from {org}"):
            self.rest.orgs.remove_membership_for_user(org, login)

    def invite_member(self, org: str, login: str) -> OrgMembership:
        with calling(f"invite {login} back to {org}"):
            return self.rest.orgs.set_membership_for_user(org, login, role="member").parsed_data

    def collaborator_role(self, owner: str, repo: str, login: str) -> str | None:
        """The collaborator's role (read, triage, write, maintain, admin or a custom role), None if not one."""
        try:
            with calling(f"check whether {login} is a collaborator on {owner}/{repo}"):
                self.rest.repos.check_collaborator(owner, repo, login)
        except NotFound:
            return None
        with calling(f"look up {login}'s role on {owner}/{repo}"):
            return self.rest.repos.get_collaborator_permission_level(owner, repo, login).parsed_data.role_name

    def remove_collaborator(self, owner: str, repo: str, login: str) -> None:
        with calling(f"remove {login} from {owner}/{repo}"):
            self.rest.repos.remove_collaborator(owner, repo, login)

    def add_collaborator(self, owner: str, repo: str, login: str, permission: str) -> bool:
        """True when GitHub sent an invitation (201), False when access was given at once (204)."""
        with calling(f"add {login} back to {owner}/{repo}"):
            response = self.rest.repos.add_collaborator(owner, repo, login, permission=permission)
            # 201 carries the invitation (read, so a drifting answer shows); 204 means access was given at once.
            return response.status_code == 201 and response.parsed_data.id > 0

    # Interaction limits ---------------------------------------------------------------------------

    def interaction_limit(self, scope: LimitScope) -> InteractionLimitResponse | None:
        with calling(f"read the interaction limits of {scope.words}"):
            if scope.repo:
                data: Any = self.rest.interactions.get_restrictions_for_repo(scope.owner, scope.repo).parsed_data
            else:
                data = self.rest.interactions.get_restrictions_for_org(scope.owner).parsed_data
        # GitHub answers {} when no limit is in place; githubkit parses that into an empty model.
        return data if isinstance(data, InteractionLimitResponse) else None

    def set_interaction_limit(self, scope: LimitScope, limit: Limit, expiry: Expiry) -> InteractionLimitResponse:
        with calling(f"limit interactions in {scope.words}"):
            if scope.repo:
                return self.rest.interactions.set_restrictions_for_repo(scope.owner, scope.repo, limit=limit, expiry=expiry).parsed_data
            return self.rest.interactions.set_restrictions_for_org(scope.owner, limit=limit, expiry=expiry).parsed_data

    def remove_interaction_limit(self, scope: LimitScope) -> None:
        with calling(f"lift the interaction limits of {scope.words}"):
            if scope.repo:
                self.rest.interactions.remove_restrictions_for_repo(scope.owner, scope.repo)
            else:
                self.rest.interactions.remove_restrictions_for_org(scope.owner)

    # Comments (REST kinds; discussion comments go through GraphQL in content.py) --------------------

    def comment(self, ref: CommentRef) -> Comment:
        with calling(f"read {ref.words}"):
            data: Any
            if ref.kind == CommentKind.ISSUE_COMMENT:
                data = self.rest.issues.get_comment(ref.owner, ref.repo, ref.id).parsed_data
            elif ref.kind == CommentKind.REVIEW_COMMENT:
                data = self.rest.pulls.get_review_comment(ref.owner, ref.repo, ref.id).parsed_data
            elif ref.kind == CommentKind.REVIEW:
                data = self.rest.pulls.get_review(ref.owner, ref.repo, ref.number, ref.id).parsed_data
            elif ref.kind == CommentKind.COMMIT_COMMENT:
                data = self.rest.repos.get_commit_comment(ref.owner, ref.repo, ref.id).parsed_data
            else:
                raise PermanentFailure(f"The {ref.words} is not reached through GitHub's REST API.")
        return Comment(node_id=data.node_id, body=data.body or "", author=_login(data.user), url=data.html_url)

    def update_comment(self, ref: CommentRef, body: str) -> str:
        """Replace the comment's text; returns the text GitHub now holds."""
        with calling(f"edit {ref.words}"):
            data: Any
            if ref.kind == CommentKind.ISSUE_COMMENT:
                data = self.rest.issues.update_comment(ref.owner, ref.repo, ref.id, body=body).parsed_data
            elif ref.kind == CommentKind.REVIEW_COMMENT:
                data = self.rest.pulls.update_review_comment(ref.owner, ref.repo, ref.id, body=body).parsed_data
            elif ref.kind == CommentKind.REVIEW:
                data = self.rest.pulls.update_review(ref.owner, ref.repo, ref.number, ref.id, body=body).parsed_data
            elif ref.kind == CommentKind.COMMIT_COMMENT:
                data = self.rest.repos.update_commit_comment(ref.owner, ref.repo, ref.id, body=body).parsed_data
            else:
                raise PermanentFailure(f"The {ref.words} is not reached through GitHub's REST API.")
        return str(data.body or "")

    def delete_comment(self, ref: CommentRef) -> None:
        with calling(f"delete {ref.words}"):
            if ref.kind == CommentKind.ISSUE_COMMENT:
                self.rest.issues.delete_comment(ref.owner, ref.repo, ref.id)
            elif ref.kind == CommentKind.REVIEW_COMMENT:
                self.rest.pulls.delete_review_comment(ref.owner, ref.repo, ref.id)
            elif ref.kind == CommentKind.COMMIT_COMMENT:
                self.rest.repos.delete_commit_comment(ref.owner, ref.repo, ref.id)
            else:
                raise PermanentFailure(f"GitHub cannot delete a submitted {ref.words}: hide or edit it instead.")

    def _since(self, what: str, endpoint: Any, owner: str, repo: str, since: datetime, **order: Any) -> Iterator[Any]:
        """Every page of a repository list that GitHub filters by `since` (updated or made since then)."""
        with calling(f"read the {what} of {owner}/{repo}"):
            yield from self.rest.paginate(endpoint, owner=owner, repo=repo, since=_iso(since), per_page=100, **order)

    def issue_comments_since(self, owner: str, repo: str, since: datetime) -> Iterator[IssueComment]:
        """Issue and pull request comments created or edited since a time, least recently updated first."""
        return self._since("comments", self.rest.issues.list_comments_for_repo, owner, repo, since, sort="updated", direction="asc")

    def review_comments_since(self, owner: str, repo: str, since: datetime) -> Iterator[PullRequestReviewComment]:
        """Pull request review comments created or edited since a time, oldest first."""
        endpoint = self.rest.pulls.list_review_comments_for_repo
        return self._since("review comments", endpoint, owner, repo, since, sort="created", direction="asc")

    def issues_since(self, owner: str, repo: str, since: datetime) -> Iterator[Issue]:
        """Issues and pull requests (open or closed) opened or edited since a time, least recently updated first."""
        return self._since("issues", self.rest.issues.list_for_repo, owner, repo, since, state="all", sort="updated", direction="asc")

    def commits_since(self, owner: str, repo: str, since: datetime) -> Iterator[Commit]:
        """Commits of the default branch made since a time, newest first (the only order GitHub lists them in)."""
        return self._since("commits", self.rest.repos.list_commits, owner, repo, since)

    def commit_comments(self, owner: str, repo: str) -> Iterator[CommitComment]:
        """Every commit comment of the repository, oldest first (GitHub offers no `since` here: the caller filters)."""
        with calling(f"read the commit comments of {owner}/{repo}"):
            yield from self.rest.paginate(self.rest.repos.list_commit_comments_for_repo, owner=owner, repo=repo, per_page=100)

    def org_repositories(self, org: str) -> Iterator[MinimalRepository]:
        """Every repository of the organisation the token can see, by name."""
        with calling(f"list the repositories of {org}"):
            yield from self.rest.paginate(self.rest.repos.list_for_org, org=org, type="all", sort="full_name", per_page=100)

    # Issue and pull request locks -----------------------------------------------------------------

    def issue(self, owner: str, repo: str, number: int) -> IssueInfo:
        with calling(f"read issue {owner}/{repo}#{number}"):
            issue = self.rest.issues.get(owner, repo, number).parsed_data
        pull = bool(issue.pull_request)
        return IssueInfo(issue.node_id, issue.locked, _login(issue.user), str(issue.state), issue.state_reason or None, pull)

    def set_issue_state(self, owner: str, repo: str, number: int, state: IssueState, state_reason: IssueStateReason | None) -> None:
        """Close or reopen an issue or pull request (the issues API serves both; only issues keep a state reason)."""
        with calling(f"{'close' if state == 'closed' else 'reopen'} {owner}/{repo}#{number}"):
            if state_reason:
                self.rest.issues.update(owner, repo, number, state=state, state_reason=state_reason)
            else:
                self.rest.issues.update(owner, repo, number, state=state)

    def thread_comments(self, owner: str, repo: str, number: int) -> Iterator[IssueComment]:
        with calling(f"read the comments of {owner}/{repo}#{number}"):
            yield from self.rest.paginate(self.rest.issues.list_comments, owner=owner, repo=repo, issue_number=number, per_page=100)

    def add_thread_comment(self, owner: str, repo: str, number: int, body: str) -> int:
        with calling(f"comment on {owner}/{repo}#{number}"):
            return int(self.rest.issues.create_comment(owner, repo, number, data={"body": body}).parsed_data.id)

    def lock_issue(self, owner: str, repo: str, number: int, reason: IssueLockReason) -> None:
        with calling(f"lock issue {owner}/{repo}#{number}"):
            self.rest.issues.lock(owner, repo, number, lock_reason=reason)

    def unlock_issue(self, owner: str, repo: str, number: int) -> None:
        with calling(f"unlock issue {owner}/{repo}#{number}"):
            self.rest.issues.unlock(owner, repo, number)

    # GraphQL --------------------------------------------------------------------------------------

    def graphql(self, what: str, document: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        with calling(what):
            return self.github.graphql(document, dict(variables))
