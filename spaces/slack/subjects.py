"""What an action's subject names in Slack: a person (user id or e-mail) or a message (permalink or channel/ts).

Identity handles reach a space casefolded (`people.models.normalise_handle`), but Slack ids are upper case, so
they are upper-cased again here; a permalink or channel id pasted by a steward may have been too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from spaces.base import PermanentFailure

USER_ID = re.compile(r"<?@?(?P<id>[UW][A-Z0-9]{2,})(?:\|[^>]*)?>?", re.IGNORECASE)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PERMALINK = re.compile(r"/archives/(?P<channel>[A-Z0-9]+)/p(?P<digits>\d{16})$", re.IGNORECASE)
CHANNEL_TS = re.compile(r"(?P<channel>[A-Z0-9]+)/(?P<ts>\d{10}\.\d{6})", re.IGNORECASE)
TS = re.compile(r"\d{10}\.\d{6}")


@dataclass(frozen=True)
class Person:
    user_id: str = ""  # upper case, e.g. U012AB3CD
    email: str = ""  # when the handle was an e-mail address, to be looked up


@dataclass(frozen=True)
class MessageRef:
    channel: str
    ts: str
    thread_ts: str = ""  # the thread's parent, when the message is a reply

    @property
    def is_reply(self) -> bool:
        return bool(self.thread_ts) and self.thread_ts != self.ts

    def as_state(self) -> dict[str, str]:
        return {"channel": self.channel, "ts": self.ts, "thread_ts": self.thread_ts}


def person(subject: str) -> Person:
    handle = subject.strip()
    if EMAIL.fullmatch(handle):
        return Person(email=handle)
    match = USER_ID.fullmatch(handle)
    if match:
        return Person(user_id=match.group("id").upper())
    raise PermanentFailure(f"“{subject}” is neither a Slack user id (like U012AB3CD) nor an e-mail address.")


def message(subject: str, params: Mapping[str, Any] | None = None) -> MessageRef:
    """A permalink (`https://acme.slack.com/archives/C123/p1700000000000100?thread_ts=…`) or `C123/1700000000.000100`."""
    params = params or {}
    text = subject.strip()
    parts = urlsplit(text)
    thread_ts = str(params.get("thread_ts") or "")
    match = PERMALINK.search(parts.path) if parts.scheme else None
    if match:
        digits = match.group("digits")
        ts = f"{digits[:10]}.{digits[10:]}"
        thread_ts = thread_ts or (parse_qs(parts.query).get("thread_ts") or [""])[0]
        channel = match.group("channel")
    else:
        bare = CHANNEL_TS.fullmatch(text)
        if not bare:
            raise PermanentFailure(f"“{subject}” is not a Slack message link (…/archives/C…/p…) or channel/ts pair.")
        channel, ts = bare.group("channel"), bare.group("ts")
    if thread_ts and not TS.fullmatch(thread_ts):
        raise PermanentFailure(f"“{thread_ts}” is not a Slack message timestamp.")
    return MessageRef(channel=channel.upper(), ts=ts, thread_ts=thread_ts)


def permalink(workspace_url: str, channel: str, ts: str, thread_ts: str = "") -> str:
    """The message's link, when the workspace's address is known; empty otherwise."""
    if not workspace_url:
        return ""
    link = f"{workspace_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel}"
    return link
