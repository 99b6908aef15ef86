"""Backfill: read a space's history (or a Slack export) into screening, resumably.

A backfill is split into parts, each one ordered stream (a GitHub repository; a Slack channel). Each part
has a `BackfillRun` whose cursor (the newest item time stored, and that item's id) moves in the same
transaction as the batch of items it covers. A stopped (`--limit`) or killed run is resumed by the next
invocation: unfinished parts are read again from their cursor; the items at the cursor's own moment are
read twice and recognised (stored once per connection and id), so nothing is stored twice or missed.
Parts per repository and kind matter: GitHub reads repositories, and each one's kinds of comment, one
after another, so one cursor for all of them would skip the older comments of a stream not yet reached.
A rate limit with a stated wait (up to `MAX_WAIT`) is waited out, and the part goes on from its cursor.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from screening.ingest import Reading, schedule_scoring, take_many
from screening.models import BackfillRun
from spaces import base
from spaces.models import SpaceConnection
from spaces.registry import space_for
from steward.failpoints import failpoint

BATCH = 500
SPACE = "space"
MAX_WAIT = 15 * 60.0  # a rate limit asking for longer stops the run ("run it again")


@dataclass
class Progress(Reading):
    parts: int = 0
    resumed: int = 0
    finished: bool = True
    waited: float = 0.0  # seconds spent waiting out rate limits
    parts_done: int = 0  # parts (repository and kind, channel) read to their end in this run
    part: str = ""  # the part being read

    def line(self) -> str:
        return (
            f"{self.read} items read, {self.taken.created} new, {self.taken.edited} edited, "
            f"{self.taken.unchanged} already stored; {self.rate:.0f} items/s"
        )

    def bar(self, width: int = 20) -> str:
        """A progress bar over the parts (how many items a part holds is not known before it is read)."""
        filled = round(width * self.parts_done / self.parts) if self.parts else width
        where = f" {self.part}" if self.part else ""
        return f"[{'#' * filled}{'-' * (width - filled)}] part {min(self.parts_done + 1, self.parts)}/{self.parts}{where} · {self.line()}"


Reader = Callable[[datetime], Iterable[base.Item]]
OnBatch = Callable[[Progress], None]
OnWait = Callable[[str, float, base.TemporaryFailure], None]


@dataclass(frozen=True)
class Waits:
    """How a backfill waits out a rate limit: at most `cap` seconds at a time, through `sleep` (tests record it)."""

    cap: float = MAX_WAIT
    sleep: Callable[[float], None] = time.sleep
    on_wait: OnWait | None = None


def backfill_space(
    connection: SpaceConnection,
    since: datetime,
    *,
    limit: int | None = None,
    on_batch: OnBatch | None = None,
    batch: int = BATCH,
    waits: Waits | None = None,
) -> Progress:
    space = space_for(connection)
    read_parts = getattr(space, "read_parts", None)
    if read_parts is None:  # a space read as one stream
        return _backfill(connection, SPACE, {"": space.read}, since, limit=limit, on_batch=on_batch, batch=batch, waits=waits)
    parts: dict[str, Reader] = read_parts()  # one ordered stream per repository and kind (see the module's note)
    # Runs started before parts were per kind name the repository alone ("owner/repo", or "" for a single one):
    # they go on as the issue comments they were reading, and the new kinds start with the next backfill.
    legacy: dict[str, Reader] = {"": space.read}
    legacy |= {name.removesuffix(":issue_comment"): read for name, read in parts.items() if name.endswith(":issue_comment")}
    return _backfill(connection, SPACE, parts, since, limit=limit, on_batch=on_batch, batch=batch, waits=waits, legacy=legacy)


def backfill_slack_export(
    connection: SpaceConnection,
    path: Path,
    since: datetime,
    *,
    limit: int | None = None,
    on_batch: OnBatch | None = None,
    batch: int = BATCH,
) -> Progress:
    from screening.slack_export import channels

    with zipfile.ZipFile(path) as archive:
        workspace_url = str(connection.settings.get("workspace_url") or "")
        parts: dict[str, Reader] = {
            name: _export_reader(archive, name, channel_id, workspace_url) for name, channel_id in channels(archive).items()
        }
        return _backfill(connection, f"slack-export:{path.name}"[:200], parts, since, limit=limit, on_batch=on_batch, batch=batch)


def _export_reader(archive: zipfile.ZipFile, name: str, channel_id: str, workspace_url: str) -> Reader:
    from screening.slack_export import read_channel

    return lambda since: read_channel(archive, name, channel_id, since, workspace_url)


def _runs(connection: SpaceConnection, source: str, parts: Iterable[str], since: datetime) -> tuple[list[BackfillRun], bool]:
    """The unfinished runs of this source, resumed; or a new run per part. Returns (runs, resumed)."""
    unfinished = list(BackfillRun.objects.filter(connection=connection, source=source, finished_at__isnull=True).order_by("id"))
    if unfinished:
        return unfinished, True
    with transaction.atomic():
        return [BackfillRun.objects.create(connection=connection, source=source, part=part[:200], since=since) for part in parts], False


def _backfill(
    connection: SpaceConnection,
    source: str,
    parts: dict[str, Reader],
    since: datetime,
    *,
    limit: int | None,
    on_batch: OnBatch | None,
    batch: int,
    waits: Waits | None = None,
    legacy: dict[str, Reader] | None = None,
) -> Progress:
    progress = Progress()
    runs, resumed = _runs(connection, source, parts, since)
    progress.parts, progress.resumed = len(runs), len(runs) if resumed else 0
    for run in runs:
        progress.part = run.part
        read = parts.get(run.part) or (legacy or {}).get(run.part)
        if read is None:  # a repository no longer configured: nothing left to read there
            BackfillRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
            progress.parts_done += 1
            continue
        if not _part(connection, run, read, progress, limit, on_batch, batch, waits or Waits()):
            progress.finished = False
            break
        progress.parts_done += 1
    progress.part = ""
    return progress


def _part(
    connection: SpaceConnection,
    run: BackfillRun,
    read: Reader,
    progress: Progress,
    limit: int | None,
    on_batch: OnBatch | None,
    batch: int,
    waits: Waits,
) -> bool:
    """Read one part from its cursor; return whether it was read to its end (False: the limit stopped it).

    A rate limit that says how long to wait (and no longer than `waits.cap`) is waited out: what was read
    is stored with its cursor, and the part is read again from there. Any other failure propagates, with
    what was read before it stored, so the next run goes on from the cursor.
    """
    while True:
        pending: list[base.Item] = []
        try:
            for item in read(run.cursor_time or run.since):
                if limit is not None and progress.read >= limit:
                    _commit(connection, run, pending, progress, on_batch)
                    return False
                pending.append(item)
                progress.read += 1
                if len(pending) >= batch:
                    _commit(connection, run, pending, progress, on_batch)
                    pending = []
        except base.TemporaryFailure as failure:
            _commit(connection, run, pending, progress, on_batch)
            if failure.retry_after is None or failure.retry_after > waits.cap:
                raise
            seconds = max(failure.retry_after, 0.0)
            progress.waited += seconds
            if waits.on_wait is not None:
                waits.on_wait(run.part, seconds, failure)
            waits.sleep(seconds)
            continue
        _commit(connection, run, pending, progress, on_batch)
        BackfillRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
        return True


def _commit(connection: SpaceConnection, run: BackfillRun, items: list[base.Item], progress: Progress, on_batch: OnBatch | None) -> None:
    if not items:
        return
    newest = max((item for item in items if item.created_at is not None), key=_when, default=None)
    with transaction.atomic():
        taken = take_many(connection, items, schedule=False)
        if newest is not None and newest.created_at is not None and (run.cursor_time is None or newest.created_at > run.cursor_time):
            run.cursor_time, run.cursor_id = newest.created_at, newest.external_id[:200]
        run.items += len(items)
        run.created += taken.created
        run.save(update_fields=["cursor_time", "cursor_id", "items", "created", "updated_at"])
        if taken.created or taken.edited:
            schedule_scoring()
    progress.taken += taken
    failpoint("screening-backfill-batch")  # the fault tests kill a run here, between two batches
    if on_batch is not None:
        on_batch(progress)


def _when(item: base.Item) -> datetime:
    return item.created_at or datetime.min.replace(tzinfo=UTC)


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
