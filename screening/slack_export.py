"""A Slack workspace export (.zip): `channels.json`, and `<channel name>/<YYYY-MM-DD>.json` per day, each a list
of message objects in Slack's own shape. Messages become the same `Item`s (same ids) the Slack space gives."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from spaces import base
from spaces.slack.messages import created_at, item, written_by_a_person


def _json(archive: zipfile.ZipFile, name: str) -> Any:
    with archive.open(name) as handle:
        return json.load(handle)


def channels(archive: zipfile.ZipFile) -> dict[str, str]:
    """Channel name -> channel id, in name order (public channels; `groups.json` for private ones when present)."""
    found: dict[str, str] = {}
    names = set(archive.namelist())
    for listing in ("channels.json", "groups.json"):
        if listing in names:
            for channel in _json(archive, listing):
                if isinstance(channel, dict) and channel.get("name"):
                    found[str(channel["name"])] = str(channel.get("id") or channel["name"])
    return dict(sorted(found.items()))


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(name.rsplit("/", 1)[-1].removesuffix(".json"))
    except ValueError:
        return None


def read_channel(archive: zipfile.ZipFile, name: str, channel_id: str, since: datetime, workspace_url: str = "") -> Iterator[base.Item]:
    """The channel's messages written by people, created at or after `since`, oldest first."""
    days = sorted((day, member) for member in archive.namelist() if member.startswith(f"{name}/") and (day := _day(member)) is not None)
    for day, member in days:
        if day < since.date():
            continue
        messages = [message for message in _json(archive, member) if isinstance(message, dict) and message.get("ts")]
        messages.sort(key=lambda message: created_at(str(message["ts"])))
        for message in messages:
            if written_by_a_person(message) and created_at(str(message["ts"])) >= since:
                yield item(message, channel_id, workspace_url)
