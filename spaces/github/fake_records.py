"""What the fake GitHub remembers: its users, repositories, issues, discussions, comments, blocks and limits.

fake_json.py turns these records into the JSON GitHub answers and delivers.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

API = "https://api.github.com"
WEB = "https://github.com"
DOCS = "https://docs.github.com/rest"
T0 = "2026-01-05T09:00:00Z"

REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")


def node_id(prefix: str, number: int) -> str:
    # GitHub's node ids are opaque; these look like them and are unique per kind and number.
    return f"{prefix}_kwDO" + base64.b64encode(number.to_bytes(6, "big")).decode().rstrip("=")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"message": message, "documentation_url": DOCS, "status": str(status), **extra}


# --- What the fake remembers --------------------------------------------------------------------------


@dataclass
class UserRec:
    login: str
    id: int
    type: str = "User"


@dataclass
class RepoRec:
    owner: UserRec
    name: str
    id: int

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"


@dataclass
class IssueRec:
    repo: RepoRec
    number: int
    id: int
    author: UserRec
    title: str
    pull: bool = False
    locked: bool = False
    lock_reason: str | None = None
    state: str = "open"  # "open" or "closed"
    state_reason: str | None = None  # "completed", "not_planned", "reopened" (issues only; None for pull requests)
    closed_at: str | None = None
    body: str = "Opening words."
    created_at: str = T0
    updated_at: str = T0

    @property
    def html_url(self) -> str:
        return f"{WEB}/{self.repo.full_name}/{'pull' if self.pull else 'issues'}/{self.number}"


@dataclass
class CommitRec:
    repo: RepoRec
    sha: str
    author: UserRec | None  # None: the commit's e-mail belongs to no GitHub account
    name: str
    email: str
    message: str
    date: str = T0

    @property
    def html_url(self) -> str:
        return f"{WEB}/{self.repo.full_name}/commit/{self.sha}"


@dataclass
class DiscussionRec:
    repo: RepoRec
    number: int
    id: int
    author: UserRec
    title: str
    locked: bool = False
    lock_reason: str | None = None
    body: str = "What do you think?"
    created_at: str = T0
    # GitHub moves a discussion's updatedAt on any modification, a new or edited comment included.
    updated_at: str = T0
    last_edited_at: str | None = None  # the opening post's last edit

    @property
    def node_id(self) -> str:
        return node_id("D", self.id)

    @property
    def html_url(self) -> str:
        return f"{WEB}/{self.repo.full_name}/discussions/{self.number}"


NODE_PREFIX = {"issue_comment": "IC", "review_comment": "PRRC", "review": "PRR", "commit_comment": "CC", "discussion_comment": "DC"}
TYPENAME = {
    "issue_comment": "IssueComment",
    "review_comment": "PullRequestReviewComment",
    "review": "PullRequestReview",
    "commit_comment": "CommitComment",
    "discussion_comment": "DiscussionComment",
}


@dataclass
class CommentRec:
    kind: str  # a key of NODE_PREFIX
    id: int
    repo: RepoRec
    author: UserRec
    body: str
    issue: IssueRec | None = None  # issue, review comment and review: the issue or pull request
    discussion: DiscussionRec | None = None
    commit_id: str = ""
    parent_id: int | None = None  # a discussion reply's comment
    minimized_reason: str | None = None  # "abuse", "spam"... as GraphQL reports it; None: shown
    created_at: str = T0
    updated_at: str = T0

    @property
    def node_id(self) -> str:
        return node_id(NODE_PREFIX[self.kind], self.id)

    @property
    def html_url(self) -> str:
        base = f"{WEB}/{self.repo.full_name}"
        if self.kind == "issue_comment" and self.issue:
            return f"{self.issue.html_url}#issuecomment-{self.id}"
        if self.kind == "review_comment" and self.issue:
            return f"{base}/pull/{self.issue.number}#discussion_r{self.id}"
        if self.kind == "review" and self.issue:
            return f"{base}/pull/{self.issue.number}#pullrequestreview-{self.id}"
        if self.kind == "discussion_comment" and self.discussion:
            return f"{self.discussion.html_url}#discussioncomment-{self.id}"
        return f"{base}/commit/{self.commit_id}#commitcomment-{self.id}"


@dataclass
class World:
    users: dict[str, UserRec] = field(default_factory=dict)  # by casefolded login
    repos: dict[str, RepoRec] = field(default_factory=dict)  # by casefolded full name
    issues: dict[tuple[str, int], IssueRec] = field(default_factory=dict)
    discussions: dict[tuple[str, int], DiscussionRec] = field(default_factory=dict)
    comments: dict[tuple[str, int], CommentRec] = field(default_factory=dict)  # by (kind, id)
    commits: dict[str, CommitRec] = field(default_factory=dict)  # by sha
    blocks: set[tuple[str, str]] = field(default_factory=set)  # (org, login), casefolded
    memberships: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (org, login) -> role, state
    collaborators: dict[tuple[str, str], str] = field(default_factory=dict)  # (full name, login) -> role name
    invitations: dict[tuple[str, str], str] = field(default_factory=dict)  # (full name, login) -> permission
    limits: dict[str, dict[str, str]] = field(default_factory=dict)  # org or full name -> limit, origin, expires_at
    next_id: int = 1000

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id
