"""SQLite as the embedded default: every connection gets WAL, the busy timeout and immediate write transactions.

(These settings were already in place; the tests keep them: without them concurrent reporters meet
"database is locked" at once, or deadlock when two read transactions both try to write.)
"""

import sqlite3

import pytest
from django.db import connection, transaction

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's connection settings"),
]


def pragma(name: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_each_new_connection_is_set_up_for_concurrent_use() -> None:
    for _ in range(2):  # the first connection and a fresh one after it closed (conn_max_age, a new thread)
        connection.close()
        assert pragma("journal_mode") == "wal"  # readers do not wait for the writer
        assert pragma("busy_timeout") == 10_000  # a writer waits its turn instead of failing at once
        assert pragma("synchronous") == 1  # NORMAL: safe in WAL mode, no fsync per commit


def test_a_transaction_takes_the_write_lock_when_it_begins() -> None:
    """BEGIN IMMEDIATE: a transaction that reads first and writes later never has to upgrade its lock (and fail)."""
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
    try:
        with transaction.atomic():
            connection.cursor().execute("SELECT 1")  # nothing written yet
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once it ends
        other.rollback()
    finally:
        other.close()
