"""One run at a time, across every worker on every machine: the periodic sweeps' locks.

Several `db_worker` processes (on one machine or many, issue #12) may pick up two runs of the same sweep at
once: the chain's own next run and a duplicate (a `tick_*` command from cron, `make run`'s start, a second chain
left by an old race). Each sweep body runs under `exclusive(name)`: the first to take the lock sweeps, a run
that finds it held returns at once (the holder is sweeping the same rows; the next period's run comes anyway).

PostgreSQL: a session advisory lock (`pg_try_advisory_lock`), held by the worker's connection, so it covers
every machine that shares the database and is released by the server if the worker dies (its connection
closes). It is a session lock, not a transaction lock, because a sweep commits many small transactions and
calls platforms outside any transaction.

SQLite: the database is a file on one machine, so an exclusive `flock` on a file beside it does the same for
the processes of that machine (released by the kernel if the process dies). SQLite cannot serve several
machines; nothing here tries to.
"""

import fcntl
import functools
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.db import DatabaseError, connection

logger = logging.getLogger("steward.once")


def lock_key(name: str) -> int:
    """The 64-bit advisory-lock key of `name` (PostgreSQL's keys are bigints; a hash keeps names readable here)."""
    return int.from_bytes(hashlib.sha256(f"steward:{name}".encode()).digest()[:8], "big", signed=True)


def lock_file(name: str) -> Path:
    database = str(connection.settings_dict["NAME"])
    folder = Path(database).parent if database and ":memory:" not in database and "mode=memory" not in database else None
    return (folder if folder and folder.is_dir() else Path(tempfile.gettempdir())) / f"{Path(database).name}.{name}.lock"


@contextmanager
def held(name: str, *, wait: bool = False) -> Iterator[bool]:
    """Yield whether this process holds the lock `name` (with `wait`, wait for it and always yield True)."""
    if connection.vendor == "postgresql":
        with _advisory(name, wait) as mine:
            yield mine
    else:
        with _flocked(name, wait) as mine:
            yield mine


@contextmanager
def _advisory(name: str, wait: bool) -> Iterator[bool]:
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s), true" if wait else "SELECT pg_try_advisory_lock(%s)", [key])
        mine = bool(cursor.fetchone()[-1])
    try:
        yield mine
    finally:
        if mine:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:  # a broken connection: closing it is what releases a session lock
                logger.warning("could not release the lock %s; closing the connection releases it", name)
                connection.close()


@contextmanager
def _flocked(name: str, wait: bool) -> Iterator[bool]:
    handle: IO[bytes] = open(lock_file(name), "ab")  # noqa: SIM115  (held open for the lock's lifetime)
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


def exclusive[**P, R](name: str, busy: Callable[[], R]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated function only while holding `name`; a call that finds it held returns `busy()` at once."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with held(name) as mine:
                if not mine:
                    logger.info("%s: already running elsewhere (pid %s skips this run)", name, os.getpid())
                    return busy()
                return function(*args, **kwargs)

        return run

    return decorate


def lock_transaction(name: str) -> None:
    """Inside a transaction: hold `name` until it ends, waiting for another holder (PostgreSQL's transaction-level
    advisory lock). On SQLite a write transaction is already exclusive (IMMEDIATE mode), so nothing is needed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])
