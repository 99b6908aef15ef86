"""The key canary: proof, before a process serves anybody, that the configured keys can read this database.

One row (privacy.KeyCanary) holds a known text encrypted like every confidential value. Without it, a wrong
or missing key is found by users: every case page and follow-up link answers 500, and a reporter loses what
they typed. With it, the web process (steward.wsgi) and the task worker refuse to start, saying what is
wrong and what to do, and `check --deploy` reports it (privacy.checks).

The canary is written by the first process that starts on a database without one (a fresh install, or one
upgraded from a version without canaries). It is never written with keys that cannot read what the database
already holds: before writing, the oldest and newest value of every encrypted column are opened with the
configured keys. It is written with the oldest configured key, and `rotate_keys` re-encrypts it last, so a
canary that reads with the newest key alone means the last rotation finished. Nothing here ever prints or logs key material.
"""

import base64
import binascii
import logging

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, connection, transaction

from privacy.keys import DecryptionError, decrypt_text, is_current, keyring, using_development_key
from privacy.models import KeyCanary
from privacy.rotation import encrypted_models

CANARY_ID = 1
CANARY_TEXT = "Steward key canary: the configured encryption keys read this database."
HOW_TO_FIX = (
    "Set STEWARD_ENCRYPTION_KEYS (or STEWARD_ENCRYPTION_KEYS_FILE) to the key or keys this database was written with, "
    "newest first. If a key was just replaced, put the old key back after the new one (NEW,OLD), restart, and run "
    "`manage.py rotate_keys` before removing it. See docs/operations.md, Keys."
)
FERNET_VERSION = 0x80  # the first byte of every Fernet token
FERNET_MIN_BYTES = 57  # version, timestamp, IV, one cipher block, HMAC

logger = logging.getLogger("steward.keys")


class KeysCannotRead(ImproperlyConfigured):
    """No configured encryption key can read what this database holds (or none is configured)."""


def refuse_unless_keys_read() -> None:
    """Raise ImproperlyConfigured, saying what is wrong and what to do, unless the configured keys read this database.

    Call it when a long-running process starts (the web process in steward.wsgi; the task worker before it takes
    a task). It writes the canary on a database that has none yet. A database that cannot be reached (or not yet
    migrated) is logged and let through: that is not a key problem, and the worker must survive a database that
    comes back later.
    """
    try:
        ensure_canary()
    except KeysCannotRead as error:
        raise ImproperlyConfigured(f"Steward refuses to start: {error}") from None
    except DatabaseError as error:
        logger.warning(
            "Could not check the encryption keys against the database (%s: %s); starting without the check. "
            "Run `manage.py migrate` if the database is new, and `manage.py check --deploy` once it answers.",
            type(error).__name__,
            error,
        )


def ensure_canary() -> None:
    """Check the configured keys against the canary, writing it first if this database has none."""
    problem = canary_problem()
    if problem:
        raise KeysCannotRead(problem)
    if KeyCanary.objects.filter(pk=CANARY_ID).exists():
        return
    try:
        with transaction.atomic():
            KeyCanary.objects.create(pk=CANARY_ID, value=CANARY_TEXT)
            _onto_the_oldest_key()
    except IntegrityError:
        pass  # another process starting at the same moment wrote it: check theirs
    problem = canary_problem()
    if problem:
        raise KeysCannotRead(problem)


def _onto_the_oldest_key() -> None:
    """Written during a rotation (NEW,OLD), the canary takes the old key: it must not read with NEW alone while the
    data still needs OLD. `rotate_keys` moves it to the newest key last, once everything else is there."""
    oldest = keyring().fernets[-1]
    token = oldest.encrypt(CANARY_TEXT.encode()).decode("ascii")
    table = connection.ops.quote_name(KeyCanary._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = %s WHERE id = %s", [token, CANARY_ID])  # noqa: S608 (a quoted table name)


def canary_problem() -> str | None:
    """Why the configured keys cannot read this database, or None if they can. Writes nothing.

    With no canary yet, the values already stored are the judge; an empty database has nothing to misread.
    """
    try:
        keyring()
    except ImproperlyConfigured as error:
        already = "If this database already holds data, set the key(s) it was written with: a new key cannot read it."
        return f"{error} {already} See docs/operations.md, Keys."
    try:
        row = KeyCanary.objects.filter(pk=CANARY_ID).first()
    except DecryptionError:
        return _unreadable("this database's key canary (a value encrypted when the database was set up)")
    if row is not None:
        return None if row.value == CANARY_TEXT else _unreadable("this database's key canary (it holds something else)")
    unreadable = first_unreadable_value()
    return _unreadable(f"values already stored in this database ({unreadable})") if unreadable else None


def canary_on_newest_key() -> bool | None:
    """Whether the canary is encrypted with the newest configured key (None without a canary)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {connection.ops.quote_name(KeyCanary._meta.db_table)} WHERE id = %s", [CANARY_ID])  # noqa: S608 (a quoted table name)
        row = cursor.fetchone()
    return None if row is None else is_current(str(row[0]).encode("ascii"))


def first_unreadable_value() -> str | None:
    """An encrypted value already stored that no configured key opens, named "app.Model.field"; None if all open.

    The oldest and the newest value of every encrypted column: enough to tell a wrong key set from the right one
    (and a rotation in progress, whose old and new keys are both configured, from a finished one), and cheap
    enough for every start of a database that has no canary yet. Values that are not Fernet tokens (plain text
    from before encryption, which the data migrations convert) are skipped.
    """
    quote = connection.ops.quote_name
    for model, fields in encrypted_models():
        if model is KeyCanary:
            continue
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        for name in fields:
            column = quote(model._meta.get_field(name).column)
            for order in ("ASC", "DESC"):
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> '' ORDER BY {pk} {order} LIMIT 1"  # noqa: S608 (quoted identifiers only)
                    )
                    row = cursor.fetchone()
                if row is not None and _is_token(str(row[0])) and not _opens(str(row[0])):
                    return f"{model._meta.label}.{name}"
    return None


def _is_token(value: str) -> bool:
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False
    return len(raw) >= FERNET_MIN_BYTES and raw[0] == FERNET_VERSION


def _opens(token: str) -> bool:
    try:
        decrypt_text(token)
    except (DecryptionError, UnicodeDecodeError):
        return False
    return True


def _unreadable(what: str) -> str:
    if using_development_key():
        who = "the development key (derived from the development SECRET_KEY, as no STEWARD_ENCRYPTION_KEYS is set) does not open it"
    else:
        count = len(keyring().fernets)
        who = f"none of the configured keys (STEWARD_ENCRYPTION_KEYS, {count} key{'s' if count != 1 else ''}) opens it"
    return f"Cannot read {what}: {who}, so every case page and follow-up link would fail. {HOW_TO_FIX}"
