import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.log import record, verify_chain
from audit.models import AppendOnlyError, Event, chain_hash


def _write(n: int) -> list[Event]:
    return [record("test.event", f"event {i}", data={"i": i, "text": "ünïcode ✓"}) for i in range(n)]


@pytest.mark.django_db
def test_chain_links_each_event_to_the_previous():
    events = _write(3)
    assert events[0].prev_hash == "0" * 64
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    report = verify_chain()
    assert report.ok and report.checked == 3
    call_command("verify_audit")


@pytest.mark.django_db
def test_orm_refuses_changes_and_deletes():
    event = _write(1)[0]
    event.summary = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(summary="x")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_tampered_content_is_found_at_the_first_changed_event():
    events = _write(5)
    _raw("UPDATE audit_event SET summary = %s WHERE id = %s", ["forged", events[2].pk])
    report = verify_chain()
    assert report.first_broken_id == events[2].pk
    assert "changed" in report.reason
    with pytest.raises(CommandError, match=f"#{events[2].pk}"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_tampered_data_field_is_found():
    events = _write(3)
    _raw("UPDATE audit_event SET data = %s WHERE id = %s", ['{"i": 99}', events[1].pk])
    assert verify_chain().first_broken_id == events[1].pk


@pytest.mark.django_db
def test_removed_event_breaks_the_next_link():
    events = _write(4)
    _raw("DELETE FROM audit_event WHERE id = %s", [events[1].pk])
    report = verify_chain()
    assert report.first_broken_id == events[2].pk
    assert "removed" in report.reason


@pytest.mark.django_db
def test_cut_tail_is_found():
    events = _write(4)
    _raw("DELETE FROM audit_event WHERE id = %s", [events[3].pk])
    report = verify_chain()
    assert not report.ok
    assert "ends early" in report.reason


@pytest.mark.django_db
def test_rehashed_forgery_is_found_at_the_forged_event():
    """Recomputing one event's hash without the audit key does not help a forger: its signature no longer holds."""
    events = _write(3)
    forged = Event.objects.get(pk=events[1].pk)
    forged.summary = "forged"
    new_hash = chain_hash(forged.prev_hash, forged.payload())
    _raw("UPDATE audit_event SET summary = %s, hash = %s WHERE id = %s", ["forged", new_hash, events[1].pk])
    report = verify_chain()
    assert report.first_broken_id == events[1].pk
    assert "signature" in report.reason
