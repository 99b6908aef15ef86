"""Evidence files a crash leaves behind are swept; files a case or an upload in progress still needs are not.

A process that dies while writing leaves a `.incoming-` file; one that dies after writing a blob but
before its transaction commits leaves a blob no row names. Here the crash is the files it leaves,
back-dated past the grace period.
"""

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from audit.models import Event
from cases.actions import add_evidence_files, evidence_transaction
from cases.evidence import blob_path, check_upload, read_blob, store_blob
from cases.models import Evidence
from clocks.reminders import sweep
from privacy.actions import do_expunge_case
from privacy.tests.conftest import FILE_TEXT

HOUR_NS = 3600 * 1_000_000_000


def _age(path: Path, hours: float) -> Path:
    moment = time.time_ns() - int(hours * HOUR_NS)
    os.utime(path, ns=(moment, moment))
    return path


def _orphan(content: bytes, hours: float = 0) -> Path:
    """What a process killed between writing a blob and committing its row leaves."""
    checked = check_upload(SimpleUploadedFile("crash.txt", content))
    store_blob(checked)
    path = blob_path(checked.sha256)
    return _age(path, hours) if hours else path


def _incoming(name: str, hours: float = 0) -> Path:
    """What a process killed while writing a blob leaves."""
    path = blob_path("ab" + "0" * 62).parent / f".incoming-{name}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half an encrypted file")
    return _age(path, hours) if hours else path


@pytest.mark.django_db
def test_a_crash_leaves_files_the_sweep_removes_and_it_keeps_what_is_used(make_case):
    case = make_case()
    used = _age(blob_path(Evidence.objects.get(case=case).sha256), 48)
    stale_blob, stale_incoming = _orphan(b"left by a crash", hours=2), _incoming("stale", hours=2)
    fresh_blob, fresh_incoming = _orphan(b"an upload in progress"), _incoming("fresh")

    call_command("sweep_evidence", stdout=io.StringIO())

    assert not stale_blob.exists() and not stale_incoming.exists()
    assert fresh_blob.exists() and fresh_incoming.exists()
    assert used.exists() and read_blob(used.name) == FILE_TEXT
    event = Event.objects.get(kind="evidence.leftovers_removed")
    assert event.data == {"incoming": 1, "unused": 1}
    # Counts only: the log outlives erasure and must not name files by hash.
    assert stale_blob.name not in f"{event.summary} {event.data}"


@pytest.mark.django_db
def test_the_periodic_sweep_removes_leftovers_and_records_nothing_when_there_are_none(make_case):
    make_case()
    stale = _orphan(b"left by a crash", hours=2)
    counts = sweep()
    assert not stale.exists() and (counts["leftover_unused"], counts["leftover_incoming"]) == (1, 0)
    assert sweep()["leftover_unused"] == 0
    assert Event.objects.filter(kind="evidence.leftovers_removed").count() == 1


@pytest.mark.django_db
def test_an_old_unused_blob_that_an_upload_is_using_again_is_kept(make_case):
    case = make_case()
    checked = check_upload(SimpleUploadedFile("again.txt", b"uploaded before, lost its row, uploaded again"))
    path = _orphan(checked.content, hours=5)
    store_blob(checked)  # the new upload: its row is not committed yet
    call_command("sweep_evidence", stdout=io.StringIO())
    assert path.exists()
    add_evidence_files(case, [checked], [])
    assert read_blob(checked.sha256) == checked.content


@pytest.mark.django_db
def test_erasure_keeps_a_file_until_the_last_evidence_using_it_goes(make_case, stewards, django_capture_on_commit_callbacks):
    first, second = make_case(), make_case(body="A second report with the same screenshot")
    path = blob_path(Evidence.objects.get(case=first).sha256)
    assert Evidence.objects.get(case=second).sha256 == path.name
    with django_capture_on_commit_callbacks(execute=True):
        do_expunge_case(stewards["dave"], first, "Reported in error")
    assert path.exists() and read_blob(path.name) == FILE_TEXT
    with django_capture_on_commit_callbacks(execute=True):
        do_expunge_case(stewards["dave"], second, "Reported in error")
    assert not path.exists()


@pytest.mark.django_db
def test_erasure_does_not_take_a_file_from_an_upload_in_flight(make_case, stewards, django_capture_on_commit_callbacks):
    """Case A's file was added days ago; the same file is being uploaded to case B as A is expunged."""
    case_a, case_b = make_case(), make_case(body="Another report", files=[])
    Evidence.objects.filter(case=case_a).update(added_at=timezone.now() - timezone.timedelta(days=3))
    path = _age(blob_path(Evidence.objects.get(case=case_a).sha256), 72)
    checked = check_upload(SimpleUploadedFile("same.txt", FILE_TEXT))
    store_blob(checked)  # case B's upload has written (found) its file; its row is not committed yet
    with django_capture_on_commit_callbacks(execute=True):
        do_expunge_case(stewards["dave"], case_a, "Reported in error")
    assert path.exists()
    # Case B's upload commits its row (the file is already there): it can be read.
    Evidence.objects.create(case=case_b, original_name="same.txt", content_type="text/plain", size=checked.size, sha256=checked.sha256)
    assert read_blob(checked.sha256) == FILE_TEXT


@pytest.mark.django_db
def test_a_failed_upload_leaves_the_file_to_another_upload_using_it(make_case):
    case_a, case_b = make_case(files=[]), make_case(body="Another report", files=[])
    checked = check_upload(SimpleUploadedFile("log.txt", b"a chat log two reporters both kept"))
    with pytest.raises(RuntimeError), evidence_transaction() as written:
        add_evidence_files(case_a, [checked], written)  # writes the file
        store_blob(checked)  # meanwhile case B's upload finds it and will commit its row
        raise RuntimeError("case A's upload fails")
    assert blob_path(checked.sha256).exists()
    add_evidence_files(case_b, [checked], [])
    assert read_blob(checked.sha256) == checked.content


@pytest.mark.django_db
def test_a_failed_upload_alone_removes_its_file(make_case):
    case = make_case(files=[])
    checked = check_upload(SimpleUploadedFile("log.txt", b"only this upload had it"))
    with pytest.raises(RuntimeError), evidence_transaction() as written:
        add_evidence_files(case, [checked], written)
        raise RuntimeError("the upload fails")
    assert not blob_path(checked.sha256).exists()
