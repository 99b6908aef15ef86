"""Comments as `Item`s: who wrote them, and whom they address (how no-contact breaches are noticed).

The same comment gets the same `external_id` whether it arrives by webhook or is read, so the caller
can tell a delivery from a later read of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from spaces.base import Item

# A mention is @login not inside a word or an e-mail address, and not a team (@org/team).
_MENTION = re.compile(r"(?<![\w@/.`-])@([a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38})(?![\w/])", re.IGNORECASE)
# GitHub notifies nobody for a mention in code, so neither does Steward count one.
_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`", re.DOTALL)


def mentions(text: str) -> list[str]:
    return [login.casefold() for login in _MENTION.findall(_CODE.sub(" ", text or ""))]


def handles(login: str | None, user_id: int | str | None) -> tuple[str, ...]:
    """Every handle a GitHub user is known by: the login (casefolded, as identities are kept) and the numeric id."""
    found = [str(login).casefold()] if login else []
    if user_id is not None and str(user_id):
        found.append(str(user_id))
    return tuple(found)


def user_handles(user: Mapping[str, Any] | None) -> tuple[str, ...]:
    if not user:
        return ()
    return handles(user.get("login"), user.get("id"))


def addressed(author: tuple[str, ...], to: Iterable[str | None], text: str) -> tuple[str, ...]:
    """The thread's (or reviewed pull request's) author and everyone mentioned, without the author themself."""
    seen: dict[str, None] = {}
    for login in [*(item.casefold() for item in to if item), *mentions(text)]:
        if login not in author:
            seen[login] = None
    return tuple(seen)


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def thread_of(url: str) -> str:
    return url.split("#", 1)[0]


def _item(
    kind: str, external_id: str, author: tuple[str, ...], text: str, url: str, created_at: Any, to: list[str | None], thread: str
) -> Item:
    return Item(
        external_id=external_id,
        author=author,
        text=text,
        url=url,
        created_at=parse_time(created_at),
        addressed=addressed(author, to, text),
        thread=thread,
        kind=kind,
    )


def issue_item(
    repository: str, number: int, user: Mapping[str, Any] | None, title: str, body: str | None, url: str, created_at: Any
) -> Item:
    """An issue's or pull request's opening post (title and description), the same by webhook and when read.

    Its id is the repository and number: the issues list and the pull_request webhook give different ids for a
    pull request, but the same number."""
    text = f"{title}\n\n{body or ''}".strip()
    return _item("issue", f"issue:{repository.casefold()}#{number}", user_handles(user), text, url, created_at, [], url)


def discussion_item(
    repository: str, number: int, user: Mapping[str, Any] | None, title: str, body: str | None, url: str, created_at: Any
) -> Item:
    """A discussion's opening post (title and body), read as an issue's is: addressed to everyone it mentions."""
    text = f"{title}\n\n{body or ''}".strip()
    return _item("discussion", f"discussion:{repository.casefold()}#{number}", user_handles(user), text, url, created_at, [], url)


def commit_item(sha: str, login: str | None, user_id: int | None, message: str, url: str, created_at: Any) -> Item:
    """A commit message. Its author is the GitHub account the commit's e-mail belongs to, when there is one."""
    return _item("commit", f"commit:{sha}", handles(login, user_id), message, url, created_at, [], url.rsplit("/commit/", 1)[0])


def comment_item(
    kind: str,
    comment_id: int | str,
    user: Mapping[str, Any] | None,
    body: str | None,
    url: str,
    created_at: Any,
    thread_author: str | None = None,
    thread_url: str = "",
) -> Item:
    author = user_handles(user)
    return _item(kind, f"{kind}:{comment_id}", author, body or "", url, created_at, [thread_author], thread_url or thread_of(url))
