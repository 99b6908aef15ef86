"""Re-encrypt everything with the newest key: every encrypted column and every evidence file.

Works on raw values, in batches, each batch in its own transaction; a value already encrypted with
the newest key is skipped, so the run is idempotent and can be stopped and started again.
Evidence files that are still plain text (written before encryption) are encrypted too, after
checking that their content matches their hash. Blind indexes whose key follows the encryption key (no
STEWARD_INDEX_KEY) move along: Identity.handle_digest, and screening's item parties (screening.parties).
The key canary (privacy.canary) goes last, so a canary on the newest key means a run went through to the end.
Progress is reported after every batch that commits; a run killed at any point loses nothing and is resumed by
running it again.
"""

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from cases.evidence import INCOMING_PREFIX, store_lock
from privacy.fields import EncryptedTextField
from privacy.keys import DecryptionError, blind_digest, decrypt_text, encrypt_bytes, is_current, rotate_token
from privacy.models import KeyCanary
from steward.failpoints import failpoint

Report = Callable[[str], None]
Progress = Callable[[int, int], None]  # rows read so far, rows changed so far
PROGRESS_EVERY_FILES = 100


def encrypted_models() -> list[tuple[Any, list[str]]]:
    found = []
    for model in apps.get_models():
        fields = [field.name for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


def _rotate_row(model: Any, columns: list[str], row: tuple[Any, ...], with_digest: bool) -> dict[str, str]:
    """Updates for one raw row (pk, *columns[, handle_digest])."""
    updates = {}
    for column, value in zip(columns, row[1 : 1 + len(columns)], strict=True):
        if value and not is_current(value.encode("ascii")):
            updates[column] = rotate_token(value.encode("ascii")).decode("ascii")
    if with_digest:
        # Without STEWARD_INDEX_KEY the digest key follows the newest encryption key: move it along.
        handle = row[1 + columns.index(model._meta.get_field("handle").column)]
        digest = blind_digest(decrypt_text(handle, "an identity handle") if handle else "")
        if digest != row[-1]:
            updates["handle_digest"] = digest
    return updates


def rotate_model(model: Any, fields: list[str], batch_size: int = 500, progress: Progress | None = None) -> int:
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name).column for name in fields]
    extra = ["handle_digest"] if model._meta.label == "people.Identity" else []
    table, pk = quote(model._meta.db_table), model._meta.pk.column
    selected = ", ".join(quote(c) for c in [pk, *columns, *extra])
    changed, read, last = 0, 0, None
    while True:
        where, params = (f"WHERE {quote(pk)} > %s", [last]) if last is not None else ("", list[Any]())
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT {selected} FROM {table} {where} ORDER BY {quote(pk)} LIMIT %s", [*params, batch_size])  # noqa: S608 (quoted identifiers only)
            rows = cursor.fetchall()
            for row in rows:
                updates = _rotate_row(model, columns, row, with_digest=bool(extra))
                if updates:
                    assignments = ", ".join(f"{quote(c)} = %s" for c in updates)
                    cursor.execute(f"UPDATE {table} SET {assignments} WHERE {quote(pk)} = %s", [*updates.values(), row[0]])  # noqa: S608 (quoted identifiers only)
                    changed += 1
        read += len(rows)
        if len(rows) < batch_size:
            return changed
        if progress:
            progress(read, changed)
        failpoint("rotate-keys-batch")  # the fault test kills a run here, between two committed batches
        last = rows[-1][0]


def rotate_item_parties(batch_size: int = 500) -> int:
    """Recompute screening's blind index of item parties from the items' handles; how many items changed."""
    from screening.parties import reindex  # screening builds on privacy, not the other way round

    item_model = apps.get_model("screening", "Item")
    spaces: dict[int, str] = {}
    changed, last = 0, 0
    while True:
        with transaction.atomic():
            items = list(
                item_model.objects.filter(pk__gt=last).order_by("pk").only("id", "connection_id", "author", "addressed")[:batch_size]
            )
            changed += reindex(items, spaces)
        if len(items) < batch_size:
            return changed
        last = items[-1].pk


def _write_atomically(path: Path, data: bytes, mtime_ns: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=INCOMING_PREFIX)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, 0o600)
    # Re-encrypting is not a use: keep the mtime, which says when an upload last used the file (cases.evidence).
    os.utime(tmp, ns=(mtime_ns, mtime_ns))
    os.replace(tmp, path)


def rotate_file(path: Path) -> bool:
    """Re-encrypt one evidence blob with the newest key; True if it was rewritten."""
    # Exclusive: an upload's touch between reading and replacing would otherwise be lost, and a file
    # removed meanwhile must not come back.
    with store_lock(exclusive=True):
        try:
            data, mtime_ns = path.read_bytes(), path.stat().st_mtime_ns
        except FileNotFoundError:
            return False
        if is_current(data):
            return False
        try:
            rotated = rotate_token(data)
        except DecryptionError:
            if hashlib.sha256(data).hexdigest() != path.name:
                raise DecryptionError(
                    f"Evidence file {path.name[:12]} is neither readable with the configured keys nor plain content."
                ) from None
            rotated = encrypt_bytes(data)  # written before encryption at rest: encrypt it now
        _write_atomically(path, rotated, mtime_ns)
    return True


def evidence_files() -> list[Path]:
    root = Path(settings.STEWARD_EVIDENCE_DIR)
    if not root.exists():
        return []
    return sorted(p for p in root.glob("*/*") if p.is_file() and not p.name.startswith(INCOMING_PREFIX))


def rotate_everything(batch_size: int = 500, report: Report | None = None) -> dict[str, int]:
    say = report or (lambda line: None)
    counts: dict[str, int] = {}
    models = [(model, fields) for model, fields in encrypted_models() if model is not KeyCanary]
    for model, fields in models:
        label = model._meta.label

        def batch_done(read: int, changed: int, label: str = label) -> None:
            say(f"{label}: {read} row(s) read, {changed} re-encrypted so far")

        counts[label] = rotate_model(model, fields, batch_size, progress=batch_done)
        say(f"{label}: {counts[label]} row(s) re-encrypted")
    counts["screening.ItemParty"] = rotate_item_parties(batch_size)
    say(f"screening.ItemParty: {counts['screening.ItemParty']} item(s) re-indexed")
    files = evidence_files()
    counts["evidence files"] = 0
    for done, path in enumerate(files, start=1):
        counts["evidence files"] += rotate_file(path)
        if done % PROGRESS_EVERY_FILES == 0 and done < len(files):
            say(f"evidence files: {done} of {len(files)} read, {counts['evidence files']} re-encrypted so far")
    say(f"evidence files: {counts['evidence files']} re-encrypted")
    # Last: the canary moves to the newest key only once everything before it has.
    counts[KeyCanary._meta.label] = rotate_model(KeyCanary, ["value"], batch_size)
    return counts
