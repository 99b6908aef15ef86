"""Someone with write access to the database but not the audit key, or with an old copy of it.

These use only names that existed before the log was signed, so they run (and fail) against it too.
"""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.log import record
from audit.models import ChainHead, Event, chain_hash


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _write(n: int) -> list[Event]:
    return [record("case.note_added", f"Note added to case {i}", data={"i": i}) for i in range(n)]


def _rechain_without_key(start_id: int) -> None:
    """What an attacker can do: recompute every plain SHA-256 link from `start_id` on, and the head."""
    prev = Event.objects.filter(id__lt=start_id).order_by("-id").values_list("hash", flat=True).first() or "0" * 64
    for event in Event.objects.filter(id__gte=start_id).order_by("id"):
        event.prev_hash = prev
        new_hash = chain_hash(prev, event.payload())
        _raw("UPDATE audit_event SET prev_hash = %s, hash = %s WHERE id = %s", [prev, new_hash, event.pk])
        prev = new_hash
    ChainHead.objects.filter(pk=1).update(last_hash=prev)


@pytest.mark.django_db
def test_a_rewritten_event_with_a_recomputed_chain_is_found_by_name():
    events = _write(5)
    _raw("UPDATE audit_event SET summary = %s WHERE id = %s", ["Case opened by nobody in particular", events[2].pk])
    _rechain_without_key(events[2].pk)
    with pytest.raises(CommandError, match=f"event #{events[2].pk}\\b"):
        call_command("verify_audit", stdout=io.StringIO())


@pytest.mark.django_db
def test_an_event_inserted_with_a_recomputed_chain_is_found():
    events = _write(3)
    inserted = Event(created_at=events[-1].created_at, actor_label="system", kind="case.erased", summary="Case erased", hash="y" * 64)
    inserted.save()  # an INSERT, as the attacker's own SQL would be
    _rechain_without_key(inserted.pk)
    ChainHead.objects.filter(pk=1).update(count=4)
    with pytest.raises(CommandError, match=f"event #{inserted.pk}\\b"):
        call_command("verify_audit", stdout=io.StringIO())


@pytest.mark.django_db
def test_a_log_set_back_to_an_earlier_state_is_found_with_a_checkpoint():
    """Cut the tail and restore the head as it was then (from an old backup): only the checkpoint knows."""
    _write(2)
    old_head = ChainHead.objects.values().get(pk=1)
    last_then = Event.objects.order_by("-id").values_list("id", flat=True).first()  # ids need not start at 1 (PostgreSQL)
    _write(2)
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    line = out.getvalue().strip().splitlines()[-1]
    checkpointed = Event.objects.order_by("-id").first()
    assert checkpointed is not None and f"event={checkpointed.pk} " in line
    _write(1)

    _raw("DELETE FROM audit_event WHERE id > %s", [last_then])
    ChainHead.objects.filter(pk=1).update(**{k: v for k, v in old_head.items() if k != "id"})
    call_command("verify_audit", stdout=io.StringIO())  # the chain alone cannot tell
    with pytest.raises(CommandError, match=f"Event #{checkpointed.pk}, checkpointed at .* is missing"):
        call_command("verify_audit", checkpoint=[line], stdout=io.StringIO())
