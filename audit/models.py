"""The append-only, hash-chained event log.

Each event's hash covers its own fields and the previous event's hash, so changing, removing or
re-ordering any past event breaks every hash after it. The hash is an HMAC under a key from the
environment (audit.keys), named by the event's `key_id`, so someone who can write the database but
does not hold the key cannot recompute it. Events written before the log was signed have an empty
`key_id` and a plain SHA-256; the first signed event's HMAC covers the last plain hash, which pins
them all. The model refuses updates and deletes; the chain check (`manage.py verify_audit`) catches
anything done behind the ORM's back.
"""

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    pass


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")


class Event(models.Model):
    created_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Who acted when there is no user: "reporter", "system", "reported person".
    actor_label = models.CharField(max_length=64)
    kind = models.CharField(max_length=64, db_index=True)
    # A plain integer rather than a foreign key: erasing a case under the retention policy must
    # not cascade into (or be blocked by) the log.
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # The audit key that signed `hash` (an HMAC); empty for events written before the log was signed.
    key_id = models.CharField(max_length=32, blank=True, default="")

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        # A case page's timeline pages back from a case's latest event: an index range, not a sort.
        indexes = [models.Index(fields=["case_id", "id"], name="event_case_timeline")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}: {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")

    def payload(self) -> dict[str, Any]:
        payload = {
            "created_at": self.created_at.isoformat(),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "kind": self.kind,
            "case_id": self.case_id,
            "summary": self.summary,
            "data": self.data,
        }
        if self.key_id:  # unsigned events keep the payload (and so the hash) they were written with
            payload["key_id"] = self.key_id
        return payload


class ChainHead(models.Model):
    """One row, locked while appending, so concurrent writers cannot fork the chain."""

    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    count = models.BigIntegerField(default=0)
    # The key of the last event, and an HMAC of (count, last_hash) under it: cutting events off the
    # end and setting the head back to match needs the key (head_mac).
    key_id = models.CharField(max_length=32, blank=True, default="")
    mac = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.count} events, last {self.last_hash[:12]}"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder, ensure_ascii=False)


def _chained(prev_hash: str, payload: dict[str, Any]) -> bytes:
    # Round-trip the data through JSON first so the hash is the same before and after storage.
    normalised = json.loads(canonical_json(payload))
    return (prev_hash + canonical_json(normalised)).encode()


def chain_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    """The plain link of an event written before the log was signed (anyone can compute it)."""
    return hashlib.sha256(_chained(prev_hash, payload)).hexdigest()


def signed_chain_hash(secret: bytes, prev_hash: str, payload: dict[str, Any]) -> str:
    """The link of a signed event: only a holder of the key can compute it."""
    return hmac.new(secret, b"steward-audit-event|" + _chained(prev_hash, payload), hashlib.sha256).hexdigest()


def head_message(count: int, last_hash: str) -> bytes:
    return f"steward-audit-head|{count}|{last_hash}".encode()
