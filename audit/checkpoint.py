"""Checkpoints: the chain's head, signed, kept by the operator outside the database.

Signed events stop someone without the audit key from rewriting the log, but not from cutting its
end off and restoring an older head (from a backup, say), nor someone who holds the key. A checkpoint
line taken now and kept elsewhere (printed, mailed, appended to a file on another machine) says
"event #N existed with this hash": `manage.py verify_audit --checkpoints FILE` then finds a log cut
back behind it, or rewritten up to it.

    steward-audit-checkpoint/1 event=42 hash=<64 hex> at=2026-12-04T13:40:00+00:00 key=<id> sig=<64 hex>
"""

import hmac
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from audit.keys import AuditKeyring, audit_keyring
from audit.models import Event

PREFIX = "steward-audit-checkpoint/1"
FIELDS = ("event", "hash", "at", "key", "sig")


class CheckpointError(ValueError):
    """A line that is not a checkpoint, or a checkpoint that does not hold."""


@dataclass(frozen=True)
class Checkpoint:
    event_id: int
    hash: str
    at: datetime
    key_id: str
    signature: str = ""

    def message(self) -> bytes:
        return f"{PREFIX}|{self.event_id}|{self.hash}|{self.at.isoformat()}|{self.key_id}".encode()

    def line(self) -> str:
        return f"{PREFIX} event={self.event_id} hash={self.hash} at={self.at.isoformat()} key={self.key_id} sig={self.signature}"


def take_checkpoint(keyring: AuditKeyring | None = None) -> Checkpoint:
    """Sign the newest event (appends hold the chain lock to commit, so the newest committed id is the head)."""
    keyring = keyring or audit_keyring()
    head = Event.objects.order_by("-id").only("id", "hash").first()
    if head is None:
        raise CheckpointError("The audit log is empty: there is nothing to checkpoint yet.")
    key = keyring.newest
    unsigned = Checkpoint(head.pk, head.hash, timezone.now().replace(microsecond=0), key.id)
    return Checkpoint(unsigned.event_id, unsigned.hash, unsigned.at, key.id, key.sign(unsigned.message()))


def parse_checkpoint(line: str) -> Checkpoint:
    parts = line.split()
    if not parts or parts[0] != PREFIX:
        raise CheckpointError(f"Not an audit checkpoint (it should start with {PREFIX}): {line[:80]!r}")
    values = dict(part.partition("=")[::2] for part in parts[1:])
    if sorted(values) != sorted(FIELDS):
        raise CheckpointError(f"An audit checkpoint needs exactly {', '.join(FIELDS)}: {line[:80]!r}")
    try:
        return Checkpoint(int(values["event"]), values["hash"], datetime.fromisoformat(values["at"]), values["key"], values["sig"])
    except ValueError as error:
        raise CheckpointError(f"A malformed audit checkpoint ({error}): {line[:80]!r}") from None


def check_checkpoint(checkpoint: Checkpoint, keyring: AuditKeyring | None = None) -> None:
    """Raise CheckpointError unless the checkpoint is genuine and its event is still in the log unchanged."""
    keyring = keyring or audit_keyring()
    key = keyring.get(checkpoint.key_id)
    if key is None:
        raise CheckpointError(
            f"The checkpoint of event #{checkpoint.event_id} is signed with audit key {checkpoint.key_id}, "
            "which is not in STEWARD_AUDIT_KEYS: it cannot be checked."
        )
    if not hmac.compare_digest(key.sign(checkpoint.message()), checkpoint.signature):
        raise CheckpointError(f"The checkpoint of event #{checkpoint.event_id} is not genuine: its signature does not hold.")
    stored = Event.objects.filter(pk=checkpoint.event_id).values_list("hash", flat=True).first()
    if stored is None:
        raise CheckpointError(
            f"Event #{checkpoint.event_id}, checkpointed at {checkpoint.at.isoformat()}, is missing: "
            "the log was cut back (or replaced) behind the checkpoint."
        )
    if stored != checkpoint.hash:
        raise CheckpointError(
            f"Event #{checkpoint.event_id} no longer has the hash it had at its checkpoint ({checkpoint.at.isoformat()}): "
            "the log was rewritten up to it."
        )
