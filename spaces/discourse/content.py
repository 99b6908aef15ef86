"""What Steward's subjects name on a forum, and forum posts as Steward's `Item`s.

A post is named by its URL (`https://forum/t/<slug>/<topic_id>/<post_number>`, `/t/<topic_id>/<post_number>`,
the short link `/p/<post_id>`) or by `post:<id>`; a topic by its URL or `topic:<id>`. The URL forms follow
Discourse's routes: `/t/123/4` is post 4 of topic 123, `/t/some-slug/123` is topic 123.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from spaces.base import Item, PermanentFailure

# A mention is @ and a username (letters, digits, _ . -, ending in a letter or digit), not part of an
# e-mail address or a path. Discourse turns these into links in the cooked HTML; the raw text has them all.
_MENTION = re.compile(r"(?<![\w@/.])@(\w(?:[\w.-]*\w)?)")


@dataclass(frozen=True)
class PostRef:
    """A post named by id, or by its topic and number (resolved to an id through the API)."""

    post_id: int | None = None
    topic_id: int | None = None
    post_number: int | None = None


def _digits(value: str, what: str, subject: str) -> int:
    if not value.isdigit():
        raise PermanentFailure(f"{subject!r} does not name a Discourse {what}: {value!r} is not a number.")
    return int(value)


def _forum_path(subject: str, base_url: str) -> list[str]:
    """The path segments of a URL on this forum (below its base path); refuses URLs on other sites."""
    url, base = urlsplit(subject), urlsplit(base_url)
    if url.netloc.casefold() != base.netloc.casefold():
        raise PermanentFailure(f"{subject!r} is not on this forum ({base.netloc}).")
    path = url.path
    prefix = base.path.rstrip("/")
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix) :]
    return [part for part in path.split("/") if part]


def _topic_segments(parts: list[str], subject: str) -> tuple[int, int | None]:
    """(topic id, post number or None) from the segments after `/t/`, as Discourse's routes read them."""
    if len(parts) == 1:
        return _digits(parts[0], "topic", subject), None
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
        return int(parts[0]), int(parts[1])  # /t/:topic_id/:post_number comes before /t/:slug/:topic_id
    if len(parts) == 2:
        return _digits(parts[1], "topic", subject), None
    if len(parts) == 3:
        return _digits(parts[1], "topic", subject), _digits(parts[2], "post number", subject)
    raise PermanentFailure(f"{subject!r} is not a Discourse topic or post address.")


def post_ref(subject: str, base_url: str) -> PostRef:
    subject = subject.strip()
    if subject.casefold().startswith("post:"):
        return PostRef(post_id=_digits(subject[5:].strip(), "post", subject))
    if subject.isdigit():
        return PostRef(post_id=int(subject))
    parts = _forum_path(subject, base_url)
    if len(parts) == 2 and parts[0] == "p":
        return PostRef(post_id=_digits(parts[1], "post", subject))
    if len(parts) >= 2 and parts[0] == "t":
        topic_id, number = _topic_segments(parts[1:], subject)
        # A topic's address names its first post, which is the topic's opening message.
        return PostRef(topic_id=topic_id, post_number=number or 1)
    raise PermanentFailure(f"{subject!r} is not a Discourse post address (expected …/t/<slug>/<topic>/<number> or post:<id>).")


def topic_id_of(subject: str, base_url: str) -> int:
    subject = subject.strip()
    if subject.casefold().startswith("topic:"):
        return _digits(subject[6:].strip(), "topic", subject)
    if subject.isdigit():
        return int(subject)
    parts = _forum_path(subject, base_url)
    if len(parts) >= 2 and parts[0] == "t":
        return _topic_segments(parts[1:], subject)[0]
    raise PermanentFailure(f"{subject!r} is not a Discourse topic address (expected …/t/<slug>/<topic> or topic:<id>).")


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def mentions(raw: str) -> list[str]:
    return [name.casefold() for name in _MENTION.findall(raw or "")]


def author_handles(user_id: Any, username: Any) -> tuple[str, ...]:
    """Every handle a forum user is known by: the numeric id and the username (casefolded, as identities are)."""
    handles = []
    if isinstance(user_id, int):
        handles.append(str(user_id))
    if isinstance(username, str) and username:
        handles.append(username.casefold())
    return tuple(handles)


def post_url(post: Mapping[str, Any], base_url: str) -> str:
    if isinstance(post.get("post_url"), str) and post["post_url"]:
        return base_url + post["post_url"]
    return f"{base_url}/t/{post.get('topic_slug') or '-'}/{post.get('topic_id')}/{post.get('post_number')}"


def item_from_post(post: Mapping[str, Any], base_url: str) -> Item:
    """A post as Steward's Item: who wrote it (id and username) and whom it addresses (replied to, mentioned)."""
    author = author_handles(post.get("user_id"), post.get("username"))
    addressed: list[str] = []
    reply_to = post.get("reply_to_user")
    if isinstance(reply_to, Mapping) and reply_to.get("username"):
        addressed.extend(author_handles(reply_to.get("id"), reply_to.get("username")))
    addressed.extend(mentions(str(post.get("raw") or "")))
    own = set(author)
    return Item(
        external_id=str(post["id"]),
        author=author,
        text=str(post.get("raw") or ""),
        url=post_url(post, base_url),
        created_at=parse_time(post.get("created_at")),
        addressed=tuple(dict.fromkeys(handle for handle in addressed if handle not in own)),
        thread=str(post.get("topic_id") or ""),
        kind="private_message" if post.get("topic_archetype") == "private_message" else "post",
    )
