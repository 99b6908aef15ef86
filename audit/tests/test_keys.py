"""The audit key: rotation, the keyring, the upgrade from an unsigned log, the development default, checkpoints."""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from audit.checkpoint import CheckpointError, check_checkpoint, parse_checkpoint, take_checkpoint
from audit.checks import audit_deploy_checks
from audit.keys import audit_keyring
from audit.log import KEY_ROTATED, KEYED, record, verify_chain
from audit.models import ChainHead, Event, chain_hash, head_message, signed_chain_hash

KEY_A = "a:" + "first-audit-key-" + "a" * 32
KEY_B = "b:" + "second-audit-key-" + "b" * 32
KEY_C = "c:" + "third-audit-key-" + "c" * 32


def _write(n: int, label: str = "") -> list[Event]:
    return [record("test.event", f"event {label}{i}") for i in range(n)]


def _verify_audit(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_events_under_the_old_and_the_new_key_both_verify(settings):
    settings.STEWARD_AUDIT_KEYS = KEY_A
    old = _write(2)
    settings.STEWARD_AUDIT_KEYS = f"{KEY_B},{KEY_A}"
    new = _write(2)
    assert [e.key_id for e in old] == ["a", "a"] and [e.key_id for e in new] == ["b", "b"]
    marker = Event.objects.get(kind=KEY_ROTATED)
    assert old[-1].pk < marker.pk < new[0].pk
    assert marker.key_id == "b" and marker.data == {"from": "a", "to": "b"}
    report = verify_chain()
    assert report.ok and report.checked == 5 and report.key_ids == ["a", "b"]
    assert "audit key(s) a, b" in _verify_audit()


@pytest.mark.django_db
def test_without_the_old_key_its_events_cannot_be_verified(settings):
    settings.STEWARD_AUDIT_KEYS = KEY_A
    old = _write(2)
    settings.STEWARD_AUDIT_KEYS = KEY_B
    _write(1)
    report = verify_chain()
    assert report.first_broken_id == old[0].pk
    assert "audit key a, which is not in STEWARD_AUDIT_KEYS" in report.reason


@pytest.mark.django_db
def test_a_wrong_key_fails(settings):
    settings.STEWARD_AUDIT_KEYS = KEY_A
    events = _write(2)
    settings.STEWARD_AUDIT_KEYS = "a:" + "not-the-key-that-signed-these-" + "x" * 10
    report = verify_chain()
    assert report.first_broken_id == events[0].pk and "signature" in report.reason
    with pytest.raises(CommandError, match=f"#{events[0].pk}"):
        _verify_audit()


@pytest.mark.django_db
def test_a_retired_key_cannot_sign_again(settings):
    settings.STEWARD_AUDIT_KEYS = KEY_A
    _write(1)
    settings.STEWARD_AUDIT_KEYS = f"{KEY_B},{KEY_A}"
    _write(1)
    settings.STEWARD_AUDIT_KEYS = f"{KEY_A},{KEY_B}"
    with pytest.raises(ImproperlyConfigured, match="retired"):
        record("test.event", "signed with a retired key")


@pytest.mark.django_db
def test_events_forged_with_a_leaked_retired_key_are_refused(settings):
    """Rotating away from a leaked key protects what comes after: its holder cannot append under it."""
    settings.STEWARD_AUDIT_KEYS = KEY_A
    _write(1)
    settings.STEWARD_AUDIT_KEYS = f"{KEY_B},{KEY_A}"
    _write(1)
    leaked = audit_keyring().get("a")
    assert leaked is not None
    head = ChainHead.objects.get(pk=1)
    forged = Event(
        created_at=timezone.now(), actor_label="system", kind="case.erased", summary="forged", prev_hash=head.last_hash, key_id="a"
    )
    forged.hash = signed_chain_hash(leaked.secret, forged.prev_hash, forged.payload())
    forged.save()
    report = verify_chain()
    assert report.first_broken_id == forged.pk and "rotated away" in report.reason


@pytest.mark.django_db
def test_an_unsigned_log_is_pinned_by_the_first_signed_event():
    """The upgrade: events written before the key existed keep plain hashes; the marker event's HMAC pins the last one."""
    prev = "0" * 64
    legacy = []
    for i in range(3):  # as the unsigned code wrote them
        event = Event(created_at=timezone.now(), actor_label="system", kind="test.legacy", summary=f"legacy {i}", prev_hash=prev)
        event.hash = prev = chain_hash(prev, event.payload())
        event.save()
        legacy.append(event)
    ChainHead.objects.create(pk=1, last_hash=prev, count=3)
    assert "none of the 3 events is signed" in _verify_audit()

    _write(1)
    marker = Event.objects.get(kind=KEYED)
    assert marker.pk == legacy[-1].pk + 1 and marker.prev_hash == legacy[-1].hash and marker.data["unsigned_events"] == 3
    report = verify_chain()
    assert report.ok and report.unsigned == 3 and report.first_signed_id == marker.pk
    assert f"The 3 events before #{marker.pk} were written before the log was signed" in _verify_audit()

    # Rewriting a legacy event and recomputing the plain chain now breaks the signed event's link.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_event SET summary = %s WHERE id = %s", ["forged", legacy[1].pk])
        prev = legacy[0].hash
        for event in legacy[1:]:
            event.refresh_from_db()
            new_hash = chain_hash(prev, event.payload())
            cursor.execute("UPDATE audit_event SET prev_hash = %s, hash = %s WHERE id = %s", [prev, new_hash, event.pk])
            prev = new_hash
    assert verify_chain().first_broken_id == marker.pk


@pytest.mark.django_db
def test_an_unsigned_event_after_signed_ones_is_refused():
    events = _write(2)
    inserted = Event(created_at=timezone.now(), actor_label="system", kind="x", summary="x", prev_hash=events[-1].hash)
    inserted.hash = chain_hash(inserted.prev_hash, inserted.payload())
    inserted.save()
    report = verify_chain()
    assert report.first_broken_id == inserted.pk and "unsigned" in report.reason


@pytest.mark.django_db
def test_the_head_cannot_be_set_back_or_removed_without_the_key():
    events = _write(3)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_event WHERE id = %s", [events[-1].pk])
    ChainHead.objects.filter(pk=1).update(last_hash=events[1].hash, count=2)  # the mac is now stale
    assert "head's signature" in verify_chain().reason
    ChainHead.objects.all().delete()
    assert "head is missing" in verify_chain().reason


@pytest.mark.django_db
def test_the_development_key_works_only_with_the_development_secret_key(settings):
    settings.STEWARD_AUDIT_KEYS = ""
    assert record("test.event", "in development").key_id == "dev"
    assert verify_chain().ok
    assert [e.id for e in audit_deploy_checks(None)] == ["audit.E001"]
    settings.SECRET_KEY = "production-" + "k" * 50
    assert [e.id for e in audit_deploy_checks(None)] == ["audit.E002"]
    with pytest.raises(ImproperlyConfigured, match="STEWARD_AUDIT_KEYS"):
        record("test.event", "in production without a key")
    settings.STEWARD_AUDIT_KEYS = "short"
    assert [e.id for e in audit_deploy_checks(None)] == ["audit.E002"]
    settings.STEWARD_AUDIT_KEYS = "s" * 40  # a bare secret: its id is derived
    assert audit_deploy_checks(None) == [] and audit_keyring().newest.id.startswith("k")


@pytest.mark.django_db
def test_a_checkpoint_catches_a_rewrite_by_someone_holding_the_key(tmp_path):
    events = _write(3)
    checkpoints = tmp_path / "checkpoints"
    call_command("audit_checkpoint", output=checkpoints, stdout=io.StringIO())
    _write(1)
    assert "1 checkpoint(s) hold" in _verify_audit(checkpoints=checkpoints)
    # An insider with the key rewrites event 1 and re-signs everything after it: the chain holds, the checkpoint does not.
    key = audit_keyring().newest
    prev = events[0].hash
    with connection.cursor() as cursor:
        for event in Event.objects.filter(pk__gt=events[0].pk).order_by("id"):
            event.prev_hash = prev
            if event.pk == events[1].pk:
                event.summary = "rewritten"
            event.hash = prev = signed_chain_hash(key.secret, prev, event.payload())
            cursor.execute(
                "UPDATE audit_event SET summary=%s, prev_hash=%s, hash=%s WHERE id=%s",
                [event.summary, event.prev_hash, event.hash, event.pk],
            )
    count = Event.objects.count()
    ChainHead.objects.filter(pk=1).update(last_hash=prev, mac=key.sign(head_message(count, prev)))
    assert verify_chain().ok
    with pytest.raises(CommandError, match=f"Event #{events[2].pk} no longer has the hash"):
        _verify_audit(checkpoints=checkpoints)


@pytest.mark.django_db
def test_a_forged_or_garbled_checkpoint_is_refused():
    _write(2)
    line = take_checkpoint().line()
    check_checkpoint(parse_checkpoint(line))
    tampered = line.replace("event=", "event=1", 1)
    with pytest.raises(CheckpointError, match="not genuine"):
        check_checkpoint(parse_checkpoint(tampered))
    with pytest.raises(CommandError, match="Not an audit checkpoint"):
        _verify_audit(checkpoint=["hello"])


@pytest.mark.django_db
def test_a_checkpoint_can_be_mailed(mailoutbox):
    _write(1)
    out = io.StringIO()
    call_command("audit_checkpoint", mail=["auditor@outside.example"], stdout=out)
    [mail] = mailoutbox
    assert mail.to == ["auditor@outside.example"] and out.getvalue().strip() in mail.body
