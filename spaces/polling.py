"""Reading spaces that do not (or cannot) send everything by webhook: new content and moderation logs.

Each enabled, watched connection is read from its stored cursor (one per kind of reading). What is
read goes through the same dispatch as a webhook's events; both handlers are idempotent (a WatchAlert
and a ModeratorAction are written once per item), so windows may overlap. The platform is read first,
outside any transaction (a slow platform must not hold the database), then everything read and the
moved cursor commit together. A platform failing leaves the cursor where it was, and says so in the log.
Connections of a platform that an app fetches itself (e-mail: intake registers its report-mail fetcher,
spaces.routing.register_fetcher) are fetched here instead, and what the fetch did is kept in the result.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from spaces.base import ContentEvent, Space, SpaceError
from spaces.models import ReadCursor, SpaceConnection
from spaces.registry import space_for
from spaces.routing import Fetcher, dispatch, fetcher_for
from steward.once import exclusive

logger = logging.getLogger("steward.spaces")

# A connection read for the first time is read this far back, not from the beginning of its history.
FIRST_LOOK_BACK = timedelta(hours=1)


@dataclass
class PollResult:
    read: dict[str, int] = field(default_factory=dict)  # "slug:kind" -> items read
    failed: list[str] = field(default_factory=list)  # "slug:kind" that failed
    # "slug" -> what a fetched connection's fetch did (e-mail: {"taken": 1, "skipped": 0, "already": 2, "failed": 0})
    mail: dict[str, dict[str, int]] = field(default_factory=dict)
    mail_summaries: dict[str, str] = field(default_factory=dict)  # "slug" -> the same in words, from the fetcher
    already_running: bool = False  # another worker was polling (steward.once): this run read nothing


@exclusive("spaces.poll", busy=lambda: PollResult(already_running=True))
def poll_all(*, only: str | None = None) -> PollResult:
    result = PollResult()
    connections = SpaceConnection.objects.filter(enabled=True)
    if only:
        connections = connections.filter(slug=only)
    for connection in connections:
        fetch = fetcher_for(connection.platform)
        if fetch is not None:
            _fetch(connection, fetch, result)
        elif connection.watch:
            poll_connection(connection, result)
    return result


def poll_connection(connection: SpaceConnection, result: PollResult | None = None) -> PollResult:
    result = result or PollResult()
    try:
        space = space_for(connection)
    except SpaceError as error:
        _failed(connection, "all", error, result)
        return result

    if space.syncs:
        _sync(connection, space, result)
        return result

    def content(since: datetime) -> Iterable[ContentEvent]:
        return (ContentEvent(item) for item in space.read(since))

    _poll(connection, ReadCursor.CONTENT, content, lambda event: event.item.created_at, result)
    _poll(connection, ReadCursor.MODERATION, space.moderation_log, lambda event: event.at, result)
    return result


def _poll(
    connection: SpaceConnection,
    kind: str,
    read: Callable[[datetime], Iterable[Any]],
    when: Callable[[Any], datetime | None],
    result: PollResult,
) -> None:
    started = timezone.now()
    cursor = ReadCursor.objects.filter(connection=connection, kind=kind).first()
    since = cursor.position if cursor is not None else started - FIRST_LOOK_BACK
    try:
        events = list(read(since))
    except SpaceError as error:
        _failed(connection, kind, error, result)
        return
    except Exception as error:  # noqa: BLE001 - any other fault counts as temporary (spaces.base); the other connections still run
        _failed(connection, kind, error, result)
        return
    times = [moment for moment in map(when, events) if moment is not None]
    # Items without a time move the cursor to when this read began; with times, to the newest one read.
    position = max(times) if times else (started if events else since)
    with transaction.atomic():
        for event in events:
            dispatch(connection, event)
        ReadCursor.objects.update_or_create(
            connection=connection, kind=kind, defaults={"position": max(position, since), "polled_at": started}
        )
    result.read[f"{connection.slug}:{kind}"] = len(events)


def _sync(connection: SpaceConnection, space: Space, result: PollResult) -> None:
    """One incremental read (Space.sync) from the stored token; its events and the new token commit together."""
    kind = ReadCursor.SYNC
    started = timezone.now()
    cursor = ReadCursor.objects.filter(connection=connection, kind=kind).first()
    try:
        batch = space.sync(cursor.token if cursor is not None else "")
    except Exception as error:  # noqa: BLE001 - any fault counts as temporary (spaces.base); the other connections still run
        _failed(connection, kind, error, result)
        return
    with transaction.atomic():
        for event in batch.events:
            space.after_dispatch(dispatch(connection, event))
        ReadCursor.objects.update_or_create(
            connection=connection, kind=kind, defaults={"position": started, "token": batch.position, "polled_at": started}
        )
    result.read[f"{connection.slug}:{kind}"] = len(batch.events)


def _failed(connection: SpaceConnection, kind: str, error: Exception, result: PollResult) -> None:
    reason = getattr(error, "message", "") or type(error).__name__
    logger.warning('poll failed: connection=%s kind=%s reason="%s"', connection.slug, kind, reason)
    result.failed.append(f"{connection.slug}:{kind}")


def _fetch(connection: SpaceConnection, fetch: Fetcher, result: PollResult) -> None:
    try:
        fetched = fetch(connection)
    except SpaceError as error:
        _failed(connection, "mail", error, result)
        return
    result.mail[connection.slug] = fetched.counts()
    result.mail_summaries[connection.slug] = fetched.summary()
