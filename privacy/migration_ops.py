"""Data migrations that encrypt (or, going back, decrypt) columns that held plain text.

They work on raw SQL rows, because the historical models already use the encrypted fields and would
try to decrypt the plain text they are meant to convert. Running one twice is harmless: values that
are already tokens are left alone.
"""

from collections.abc import Callable
from typing import Any

from cryptography.fernet import InvalidToken

from privacy.keys import blind_digest, encrypt_text, keyring


def _plain(value: str) -> str | None:
    """The plain text of a stored token, or None when the value is not a token we can open."""
    try:
        return keyring().multi.decrypt(value.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError):
        return None


def _convert(apps: Any, schema_editor: Any, label: str, fields: list[str], digest: tuple[str, str] | None, forward: bool) -> None:
    model = apps.get_model(label)
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name).column for name in fields]
    pk = model._meta.pk.column
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(pk)}, {', '.join(quote(c) for c in columns)} FROM {table}")  # noqa: S608 (quoted identifiers only)
        rows = cursor.fetchall()
    for row in rows:
        updates: dict[str, str] = {}
        plains: dict[str, str] = {}
        for column, value in zip(columns, row[1:], strict=True):
            if value is None or value == "":
                plains[column] = value or ""
                continue
            opened = _plain(value)
            plains[column] = opened if opened is not None else value
            if forward and opened is None:
                updates[column] = encrypt_text(value)
            elif not forward and opened is not None:
                updates[column] = opened
        if forward and digest is not None:
            source, target = digest
            updates[model._meta.get_field(target).column] = blind_digest(plains[model._meta.get_field(source).column])
        if updates:
            assignments = ", ".join(f"{quote(column)} = %s" for column in updates)
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET {assignments} WHERE {quote(pk)} = %s", [*updates.values(), row[0]])  # noqa: S608 (quoted identifiers only)


def encrypt_columns(
    label: str, fields: list[str], digest: tuple[str, str] | None = None
) -> tuple[Callable[..., None], Callable[..., None]]:
    """(forward, backward) functions for migrations.RunPython; `digest` = (plain field, digest field)."""

    def forward(apps: Any, schema_editor: Any) -> None:
        _convert(apps, schema_editor, label, fields, digest, forward=True)

    def backward(apps: Any, schema_editor: Any) -> None:
        _convert(apps, schema_editor, label, fields, digest, forward=False)

    return forward, backward
