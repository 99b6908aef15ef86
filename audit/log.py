"""Writing to and checking the audit chain. Every state change in Steward calls `record`."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from audit.keys import AuditKey, AuditKeyring, audit_keyring
from audit.models import GENESIS_HASH, ChainHead, Event, chain_hash, head_message, signed_chain_hash

KEYED = "audit.keyed"
KEY_ROTATED = "audit.key_rotated"


def record(
    kind: str,
    summary: str,
    *,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    actor_label: str = "",
    case_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Append one event. Runs inside the caller's transaction so the event and the change commit together."""
    user = actor if actor is not None and actor.is_authenticated else None
    label = actor_label or (user.get_username() if user is not None else "system")
    key = audit_keyring().newest
    with transaction.atomic():
        # The lock serialises writers (no fork) and is held to commit, so ids commit in chain order.
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        if head.key_id != key.id and head.count:
            _append(head, key, _key_change_marker(head, key))
        event = _append(
            head,
            key,
            Event(actor=user, actor_label=label[:64], kind=kind, case_id=case_id, summary=summary[:300], data=data or {}),  # type: ignore[misc]
        )
    return event


def _key_change_marker(head: ChainHead, key: AuditKey) -> Event:
    """The event that opens a new key's stretch of the chain: the first signed one, or a rotation."""
    if not head.key_id:
        return Event(
            actor_label="system",
            kind=KEYED,
            summary=(
                f"Audit events are signed from here on (key {key.id}); "
                f"the {head.count} earlier events keep their plain hashes, which this event pins"
            ),
            data={"key_id": key.id, "unsigned_events": head.count},
        )
    if Event.objects.filter(key_id=key.id).exists():
        # A key the chain rotated away from (perhaps because it leaked) must not sign again; verification refuses it too.
        raise ImproperlyConfigured(
            f"The first key in STEWARD_AUDIT_KEYS ({key.id}) was retired by an earlier rotation and cannot sign again; "
            "put the current key first, or a new one."
        )
    return Event(
        actor_label="system",
        kind=KEY_ROTATED,
        summary=f"Audit key rotated from {head.key_id} to {key.id}",
        data={"from": head.key_id, "to": key.id},
    )


def _append(head: ChainHead, key: AuditKey, event: Event) -> Event:
    event.created_at = timezone.now()
    event.prev_hash = head.last_hash
    event.key_id = key.id
    event.hash = signed_chain_hash(key.secret, event.prev_hash, event.payload())
    event.save()
    head.last_hash, head.count, head.key_id = event.hash, head.count + 1, key.id
    head.mac = key.sign(head_message(head.count, head.last_hash))
    ChainHead.objects.filter(pk=head.pk).update(last_hash=head.last_hash, count=head.count, key_id=head.key_id, mac=head.mac)
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str
    # Events written before the log was signed (covered by their plain hash chain only), and the first signed one.
    unsigned: int = 0
    first_signed_id: int | None = None
    key_ids: list[str] = field(default_factory=list)  # the keys that signed, in the order the chain used them

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def _check_event(event: Event, keyring: AuditKeyring, retired: set[str], signed_before: bool) -> str:
    """Why this event's own content or signature does not hold ("" when it does)."""
    if not event.key_id:
        if signed_before:
            return "it is unsigned but comes after signed events (it was added by someone without the audit key)"
        return "" if chain_hash(event.prev_hash, event.payload()) == event.hash else "its content does not match its hash (it was changed)"
    key = keyring.get(event.key_id)
    if key is None:
        return f"it is signed with audit key {event.key_id}, which is not in STEWARD_AUDIT_KEYS (list the old key, last, to verify it)"
    if signed_chain_hash(key.secret, event.prev_hash, event.payload()) != event.hash:
        return f"its content does not match its signature under key {event.key_id} (it was changed, or that is not the key that signed it)"
    if event.key_id in retired:
        return f"it is signed with audit key {event.key_id}, which the log had already rotated away from"
    return ""


@dataclass
class _Walk:
    checked: int = 0
    unsigned: int = 0
    first_signed_id: int | None = None
    key_ids: list[str] = field(default_factory=list)

    def report(self, broken_id: int | None = None, reason: str = "") -> ChainReport:
        return ChainReport(self.checked, broken_id, reason, self.unsigned, self.first_signed_id, list(self.key_ids))


def verify_chain(keyring: AuditKeyring | None = None) -> ChainReport:
    """Walk the chain from the start; report the first event whose link, content or signature does not hold."""
    keyring = keyring or audit_keyring()
    walk = _Walk()
    expected_prev = GENESIS_HASH
    for event in Event.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != expected_prev:
            return walk.report(event.pk, "its link to the previous event is wrong (an event was removed or re-ordered)")
        problem = _check_event(event, keyring, set(walk.key_ids[:-1]), walk.first_signed_id is not None)
        if problem:
            return walk.report(event.pk, problem)
        if event.key_id:
            walk.first_signed_id = walk.first_signed_id or event.pk
            if not walk.key_ids or walk.key_ids[-1] != event.key_id:
                walk.key_ids.append(event.key_id)
        else:
            walk.unsigned += 1
        expected_prev = event.hash
        walk.checked += 1
    problem = _check_head(keyring, expected_prev, walk.checked, signed=walk.first_signed_id is not None)
    if problem:
        last_id = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        return walk.report(last_id + 1, problem)
    return walk.report()


def _check_head(keyring: AuditKeyring, last_hash: str, count: int, *, signed: bool) -> str:
    """The head records how long the chain was; a signed head cannot be set back to match a cut-off chain."""
    head = ChainHead.objects.filter(pk=1).first()
    if head is None:
        return "the chain head is missing (it was deleted)" if signed else ""
    if signed:
        key = keyring.get(head.key_id)
        if key is None or key.sign(head_message(head.count, head.last_hash)) != head.mac:
            return "the chain head's signature does not hold (it was changed)"
    if head.last_hash != last_hash or head.count != count:
        # The chain is intact as far as it goes but shorter than the head records: the tail was cut.
        return f"the log ends early: {head.count} events were written, {count} remain"
    return ""
