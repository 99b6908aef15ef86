"""The catch-up reader: a repository's comments of each kind since a time, oldest first, as `Item`s.

Each kind is one ordered stream (the backfill keeps a cursor per repository and kind): issues and pull
requests (their opening posts), commit messages, issue and pull request comments, pull request review
comments, commit comments (REST, through githubkit's parsed models), discussions' opening posts and
discussion comments with their replies (GraphQL, documents in graphql.py). An item's `external_id` is the
same as when it arrives by webhook (`<kind>:<id>`; `issue:<repository>#<number>`;
`discussion:<repository>#<number>`; `commit:<sha>`), so a webhook and a read of the same post are one item.

The poll reads discussions differently from the backfill: GitHub's discussions list cannot be filtered by
time, but it can be ordered by last modification, so the poll reads newest-modified first and stops at the
first discussion not modified since the cursor (`recent_discussions`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from githubkit_schemas.latest.models import SimpleUser

from spaces.base import Item, PermanentFailure
from spaces.github import graphql
from spaces.github.client import GitHubClient, IssueInfo, NotFound
from spaces.github.items import comment_item, commit_item, discussion_item, issue_item, parse_time

logger = logging.getLogger("steward.spaces")

KINDS = ("issue_comment", "review_comment", "commit_comment", "discussion_comment", "issue", "commit", "discussion")
# What the periodic poll reads: the kinds GitHub filters or orders by time ("recent_discussion": discussions'
# opening posts and comments, through the discussions GitHub modified last). Commit comments can only be read
# whole, so they come by webhook and by backfill (read_parts), never on every poll.
POLLED = ("issue_comment", "review_comment", "issue", "commit", "recent_discussion")


def _user(user: Any) -> dict[str, Any] | None:
    return {"login": user.login, "id": user.id} if user else None


def _graphql_user(author: dict[str, Any] | None) -> dict[str, Any] | None:
    # A deleted account ("ghost") comes as null; a bot or mannequin has a login but no User databaseId.
    return {"login": author.get("login"), "id": author.get("databaseId")} if author else None


def _number(url: str) -> int:
    return int(url.rstrip("/").rsplit("/", 1)[-1])


class RepositoryReader:
    def __init__(self, client: GitHubClient, owner: str, repo: str) -> None:
        self.client, self.owner, self.repo = client, owner, repo
        self._issues: dict[int, IssueInfo | None] = {}

    @property
    def name(self) -> str:
        return f"{self.owner}/{self.repo}"

    def reader(self, kind: str) -> Callable[[datetime], Iterator[Item]]:
        return {
            "issue_comment": self.issue_comments,
            "review_comment": self.review_comments,
            "commit_comment": self.commit_comments,
            "discussion_comment": self.discussion_comments,
            "issue": self.issues,
            "commit": self.commits,
            "discussion": self.discussions,
            "recent_discussion": self.recent_discussions,
        }[kind]

    def read(self, since: datetime, kinds: tuple[str, ...] = POLLED) -> Iterator[Item]:
        for kind in kinds:
            if kind == "recent_discussion":
                yield from self._discussions_if_allowed(since)
            else:
                yield from self.reader(kind)(since)

    def _discussions_if_allowed(self, since: datetime) -> Iterator[Item]:
        """The poll's discussions, unless GitHub refuses them for good (a token without the Discussions permission,
        INSUFFICIENT_SCOPES): that is logged and the other kinds are still read, rather than failing the whole poll."""
        try:
            found = list(self.recent_discussions(since))
        except PermanentFailure as refused:
            logger.warning('poll skipped discussions: repository=%s reason="%s"', self.name, refused.message)
            return
        yield from found

    # REST kinds -----------------------------------------------------------------------------------

    def _thread_author(self, number: int) -> str | None:
        """The issue's or pull request's author, looked up once per thread."""
        if number not in self._issues:
            try:
                self._issues[number] = self.client.issue(self.owner, self.repo, number)
            except NotFound:  # deleted or transferred since the comment was made: read the comment all the same
                self._issues[number] = None
        issue = self._issues[number]
        return issue.author if issue else None

    def issue_comments(self, since: datetime) -> Iterator[Item]:
        """Issue and pull request comments created or edited since `since`."""
        for comment in self.client.issue_comments_since(self.owner, self.repo, since):
            yield comment_item(
                "issue_comment",
                comment.id,
                _user(comment.user),
                comment.body or "",
                comment.html_url,
                comment.created_at,
                thread_author=self._thread_author(_number(comment.issue_url)),
            )

    def review_comments(self, since: datetime) -> Iterator[Item]:
        """Review comments on pull request diffs created or edited since `since`, addressed to the pull request's author."""
        for comment in self.client.review_comments_since(self.owner, self.repo, since):
            yield comment_item(
                "review_comment",
                comment.id,
                _user(comment.user),
                comment.body,
                comment.html_url,
                comment.created_at,
                thread_author=self._thread_author(_number(comment.pull_request_url)),
            )

    def issues(self, since: datetime) -> Iterator[Item]:
        """Issues' and pull requests' opening posts, opened or edited since `since`, least recently updated first."""
        for issue in self.client.issues_since(self.owner, self.repo, since):
            body = issue.body if isinstance(issue.body, str) else None
            yield issue_item(self.name, issue.number, _user(issue.user), issue.title, body, issue.html_url, issue.created_at)

    def commits(self, since: datetime) -> Iterator[Item]:
        """Commit messages of the default branch since `since`, oldest first (GitHub lists newest first: gathered, then turned)."""
        found = []
        for commit in self.client.commits_since(self.owner, self.repo, since):
            account = commit.author if isinstance(commit.author, SimpleUser) else None  # None or {}: no GitHub account
            date = commit.commit.author.date if commit.commit.author else None
            written = date if isinstance(date, datetime) else None
            login, user_id = (account.login, account.id) if account else (None, None)
            found.append(commit_item(commit.sha, login, user_id, commit.commit.message, commit.html_url, written))
        yield from reversed(found)

    def commit_comments(self, since: datetime) -> Iterator[Item]:
        """Comments on commits created since `since` (GitHub's list has no `since`: every page is read)."""
        for comment in self.client.commit_comments(self.owner, self.repo):
            if comment.created_at >= since or comment.updated_at >= since:
                yield comment_item("commit_comment", comment.id, _user(comment.user), comment.body, comment.html_url, comment.created_at)

    # Discussions (GraphQL) ------------------------------------------------------------------------

    def _pages(
        self, what: str, document: str, variables: dict[str, Any], path: tuple[str, ...], after: str | None = None
    ) -> Iterator[dict[str, Any]]:
        while True:
            data: Any = self.client.graphql(what, document, {**variables, "after": after})
            for key in path:
                data = (data or {}).get(key)
            if not data:
                return
            yield from data.get("nodes") or []
            if not data["pageInfo"]["hasNextPage"]:
                return
            after = data["pageInfo"]["endCursor"]

    def discussion_comments(self, since: datetime) -> Iterator[Item]:
        """Discussion comments and replies created or edited since `since`, addressed to the discussion's author.

        GitHub cannot filter them by time: every discussion is paged through, and the matches are sorted
        (oldest first) before any is yielded.
        """
        found: list[tuple[datetime, int, Item]] = []
        discussions = self._pages(
            f"list the discussions of {self.name}", graphql.READ_DISCUSSIONS, self._where, ("repository", "discussions")
        )
        for discussion in discussions:
            found.extend(self._comments_of(discussion, since, self._more_comments(discussion["number"])))
        yield from _oldest_first(found)

    def discussions(self, since: datetime) -> Iterator[Item]:
        """Discussions' opening posts (title and body) started since `since`, oldest first (the backfill's stream)."""
        discussions = self._pages(
            f"list the discussions of {self.name}", graphql.READ_DISCUSSIONS, self._where, ("repository", "discussions")
        )
        for discussion in discussions:
            created = parse_time(discussion.get("createdAt"))
            if created is not None and created >= since:
                yield self._opening_post(discussion)

    def recent_discussions(self, since: datetime) -> Iterator[Item]:
        """The poll's discussions: opening posts started or edited since `since`, and comments and replies created or
        edited since, oldest first.

        GitHub lists discussions by last modification (UPDATED_AT, newest first; a new comment is a modification),
        so reading stops at the first discussion modified before `since`; the comments of each discussion modified
        since are paged through (one query per 50 comments) and those created or edited since are kept.
        """
        found: list[tuple[datetime, int, Item]] = []
        what = f"list the recently modified discussions of {self.name}"
        after: str | None = None
        while True:
            data: Any = self.client.graphql(what, graphql.READ_RECENT_DISCUSSIONS, {**self._where, "after": after})
            page = ((data or {}).get("repository") or {}).get("discussions") or {}
            older = False
            for discussion in page.get("nodes") or []:
                updated = parse_time(discussion.get("updatedAt"))
                if updated is not None and updated < since:
                    older = True  # everything after this one was modified before the cursor too
                    break
                created = parse_time(discussion.get("createdAt"))
                edited = parse_time(discussion.get("lastEditedAt"))
                if created is not None and max(created, edited or created) >= since:
                    found.append((created, 0, self._opening_post(discussion)))
                found.extend(self._comments_of(discussion, since, self._more_comments(discussion["number"])))
            if older or not (page.get("pageInfo") or {}).get("hasNextPage"):
                break
            after = page["pageInfo"]["endCursor"]
        yield from _oldest_first(found)

    @property
    def _where(self) -> dict[str, Any]:
        return {"owner": self.owner, "name": self.repo}

    def _opening_post(self, discussion: dict[str, Any]) -> Item:
        return discussion_item(
            self.name,
            discussion["number"],
            _graphql_user(discussion.get("author")),
            discussion.get("title") or "",
            discussion.get("body"),
            discussion["url"],
            discussion.get("createdAt"),
        )

    def _more_comments(self, number: int, after: str | None = None) -> Iterator[dict[str, Any]]:
        what = f"read the comments of discussion {self.name}#{number}"
        variables = {**self._where, "number": number}
        return self._pages(what, graphql.READ_DISCUSSION_COMMENTS, variables, ("repository", "discussion", "comments"), after)

    def _comments_of(
        self, discussion: dict[str, Any], since: datetime, comments: Iterable[dict[str, Any]]
    ) -> Iterator[tuple[datetime, int, Item]]:
        """The comments and replies created or edited since `since`, each with its creation time and id (to sort by)."""
        starter = (discussion.get("author") or {}).get("login")
        for comment in comments:
            for node in [comment, *self._replies(comment)]:
                created, updated = parse_time(node["createdAt"]), parse_time(node["updatedAt"])
                if created is None or max(created, updated or created) < since:
                    continue
                item = comment_item(
                    "discussion_comment",
                    node["databaseId"],
                    _graphql_user(node.get("author")),
                    node.get("body"),
                    node["url"],
                    created,
                    thread_author=starter,
                    thread_url=discussion["url"],
                )
                yield created, int(node["databaseId"]), item

    def _replies(self, comment: dict[str, Any]) -> list[dict[str, Any]]:
        replies = comment.get("replies") or {}
        nodes = list(replies.get("nodes") or [])
        if replies.get("pageInfo", {}).get("hasNextPage"):
            what = f"read the replies to a discussion comment in {self.name}"
            after = replies["pageInfo"]["endCursor"]
            nodes += self._pages(what, graphql.READ_DISCUSSION_REPLIES, {"id": comment["id"]}, ("node", "replies"), after)
        return nodes


def _oldest_first(found: list[tuple[datetime, int, Item]]) -> Iterator[Item]:
    found.sort(key=lambda entry: entry[:2])
    for _, _, item in found:
        yield item
