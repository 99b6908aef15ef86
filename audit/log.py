"""Writing to and checking the audit chain. Every state change in Steward calls `record`."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from audit.models import GENESIS_HASH, ChainHead, Event, chain_hash


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
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        event = Event(
            created_at=timezone.now(),
            actor=user,  # type: ignore[misc]
            actor_label=label[:64],
            kind=kind,
            case_id=case_id,
            summary=summary[:300],
            data=data or {},
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save()
        ChainHead.objects.filter(pk=1).update(last_hash=event.hash, count=head.count + 1)
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_chain() -> ChainReport:
    """Walk the chain from the start; report the first event whose link or content does not hold."""
    expected_prev = GENESIS_HASH
    checked = 0
    for event in Event.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.pk, "its link to the previous event is wrong (an event was removed or re-ordered)")
        if chain_hash(event.prev_hash, event.payload()) != event.hash:
            return ChainReport(checked, event.pk, "its content does not match its hash (it was changed)")
        expected_prev = event.hash
        checked += 1
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != expected_prev or head.count != checked):
        # The chain is intact as far as it goes but shorter than the head records: the tail was cut.
        last_id = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        return ChainReport(checked, last_id + 1, f"the log ends early: {head.count} events were written, {checked} remain")
    return ChainReport(checked, None, "")
