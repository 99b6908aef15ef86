"""What an action's `subject` names on GitHub, parsed from the URLs stewards paste.

Content and threads are named by their html URL, as GitHub shows them and as webhooks deliver them:
    https://github.com/acme/app/issues/12#issuecomment-345        an issue (or pull request) comment
    https://github.com/acme/app/pull/3#discussion_r99             a pull request review comment
    https://github.com/acme/app/pull/3#pullrequestreview-55       a pull request review
    https://github.com/acme/app/commit/<sha>#commitcomment-7      a commit comment
    https://github.com/acme/app/discussions/5#discussioncomment-8 a discussion comment (or reply)
    https://github.com/acme/app/issues/12  (or /pull/3, /discussions/5)  a thread
The host is not checked, so GitHub Enterprise Server URLs work the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from spaces.base import PermanentFailure


class CommentKind(StrEnum):
    ISSUE_COMMENT = "issue_comment"
    REVIEW_COMMENT = "review_comment"
    REVIEW = "review"
    COMMIT_COMMENT = "commit_comment"
    DISCUSSION_COMMENT = "discussion_comment"


COMMENT_WORDS = {
    CommentKind.ISSUE_COMMENT: "issue comment",
    CommentKind.REVIEW_COMMENT: "review comment",
    CommentKind.REVIEW: "pull request review",
    CommentKind.COMMIT_COMMENT: "commit comment",
    CommentKind.DISCUSSION_COMMENT: "discussion comment",
}


@dataclass(frozen=True)
class CommentRef:
    kind: CommentKind
    owner: str
    repo: str
    id: int  # the REST id (databaseId in GraphQL), as in the URL's fragment
    number: int = 0  # the issue, pull request or discussion number; 0 for commit comments
    url: str = ""

    @property
    def words(self) -> str:
        return f"{COMMENT_WORDS[self.kind]} {self.id} in {self.owner}/{self.repo}"


@dataclass(frozen=True)
class ThreadRef:
    kind: str  # "issue" (issues and pull requests share the issue lock) or "discussion"
    owner: str
    repo: str
    number: int

    @property
    def words(self) -> str:
        noun = "discussion" if self.kind == "discussion" else "issue"
        return f"{noun} {self.owner}/{self.repo}#{self.number}"


@dataclass(frozen=True)
class LimitScope:
    """Where interaction limits apply: the whole organisation, or one repository."""

    owner: str
    repo: str = ""

    @property
    def words(self) -> str:
        return f"the repository {self.owner}/{self.repo}" if self.repo else f"the organisation {self.owner}"

    @property
    def name(self) -> str:
        return f"{self.owner}/{self.repo}" if self.repo else self.owner


_PATH = re.compile(r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+)/(?P<section>issues|pull|discussions|commit)/(?P<key>[^/]+)(?:/.*)?$")
_FRAGMENTS: tuple[tuple[str, re.Pattern[str], CommentKind], ...] = (
    ("issues", re.compile(r"^issuecomment-(\d+)$"), CommentKind.ISSUE_COMMENT),
    ("pull", re.compile(r"^issuecomment-(\d+)$"), CommentKind.ISSUE_COMMENT),
    ("pull", re.compile(r"^(?:discussion_)?r(\d+)$"), CommentKind.REVIEW_COMMENT),
    ("pull", re.compile(r"^pullrequestreview-(\d+)$"), CommentKind.REVIEW),
    ("commit", re.compile(r"^(?:commitcomment-|r)(\d+)$"), CommentKind.COMMIT_COMMENT),
    ("discussions", re.compile(r"^discussioncomment-(\d+)$"), CommentKind.DISCUSSION_COMMENT),
)


def _split(subject: str) -> tuple[re.Match[str], str]:
    parts = urlsplit(subject.strip())
    match = _PATH.match(parts.path.rstrip("/")) if parts.scheme in ("http", "https") else None
    if match is None:
        raise PermanentFailure(f"{subject!r} is not a GitHub issue, pull request, commit or discussion URL.")
    return match, parts.fragment


def _check_org(owner: str, org: str, subject: str) -> None:
    # One connection acts in one organisation: a URL elsewhere is a mistake on the plan, not something to try.
    if org and owner.casefold() != org.casefold():
        raise PermanentFailure(f"{subject} is outside the organisation {org} this connection acts in.")


def parse_comment(subject: str, org: str = "") -> CommentRef:
    match, fragment = _split(subject)
    section, key = match["section"], match["key"]
    for where, pattern, kind in _FRAGMENTS:
        found = pattern.match(fragment) if where == section else None
        if found:
            _check_org(match["owner"], org, subject)
            number = int(key) if section != "commit" and key.isdigit() else 0
            return CommentRef(kind, match["owner"], match["repo"], int(found[1]), number, subject.strip())
    raise PermanentFailure(
        f"{subject} names no comment: Steward acts on comments (the URL ends in #issuecomment-…, #discussion_r…, "
        "#pullrequestreview-…, #commitcomment-… or #discussioncomment-…)."
    )


def parse_thread(subject: str, org: str = "") -> ThreadRef:
    match, _fragment = _split(subject)
    section, key = match["section"], match["key"]
    if section == "commit" or not key.isdigit():
        raise PermanentFailure(f"{subject} names no issue, pull request or discussion to lock.")
    _check_org(match["owner"], org, subject)
    return ThreadRef("discussion" if section == "discussions" else "issue", match["owner"], match["repo"], int(key))


def parse_scope(subject: str, org: str) -> LimitScope:
    """`acme` (the organisation) or `acme/app` (a repository); a repository URL is accepted too."""
    text = subject.strip()
    if text.startswith(("http://", "https://")):
        text = urlsplit(text).path.strip("/")
    parts = [part for part in text.split("/") if part]
    if len(parts) not in (1, 2) or not all(re.fullmatch(r"[A-Za-z0-9_.-]+", part) for part in parts):
        raise PermanentFailure(f"{subject!r} names neither an organisation nor a repository (owner/name).")
    _check_org(parts[0], org, subject)
    return LimitScope(org or parts[0], parts[1] if len(parts) == 2 else "")
