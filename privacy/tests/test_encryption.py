"""With the database (or a dump of it) alone, nothing confidential can be read; through the ORM it can."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection

from cases.evidence import read_blob
from cases.models import Evidence, ImmutableFieldError, Report
from people.actions import person_for_identity
from people.models import Identity, Person, Space
from privacy.keys import DecryptionError, blind_digest
from privacy.tests.conftest import (
    BODY,
    FILE_TEXT,
    KEY_A,
    KEY_B,
    REPORTED_HANDLE,
    REPORTER_EMAIL,
    REPORTER_NAME,
    SECRETS,
    WITNESS_HANDLE,
    database_file_bytes,
    found_anywhere,
    table_dump,
)


@pytest.mark.django_db(transaction=True)
def test_no_plaintext_in_database_dump_file_or_evidence(make_case) -> None:
    case = make_case()
    assert found_anywhere(SECRETS) == []
    report = Report.objects.get(case=case)
    assert report.body == BODY
    assert (report.reporter_name, report.reporter_email) == (REPORTER_NAME, REPORTER_EMAIL)
    assert read_blob(Evidence.objects.get(case=case).sha256) == FILE_TEXT


@pytest.mark.django_db(transaction=True)
def test_the_scanner_finds_plaintext_when_it_is_there(make_case) -> None:
    """The scan above can fail: plaintext written behind the fields' back is found in the dump and the file."""
    make_case()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET display_name = %s", [REPORTER_NAME])
    assert found_anywhere([REPORTER_NAME]) == [REPORTER_NAME]
    assert REPORTER_NAME.encode() in (database_file_bytes() or REPORTER_NAME.encode())


@pytest.mark.django_db
def test_stored_values_are_tokens_and_the_orm_reads_them(make_case) -> None:
    case = make_case()
    with connection.cursor() as cursor:
        cursor.execute("SELECT body, reporter_email, witnesses FROM cases_report WHERE case_id = %s", [case.pk])
        body, email, witnesses = cursor.fetchone()
    assert body.startswith("gAAAA") and email.startswith("gAAAA") and witnesses.startswith("gAAAA")
    assert BODY not in table_dump()
    identity = Identity.objects.get(space=Space.GITHUB, handle=REPORTED_HANDLE)
    assert identity.handle == REPORTED_HANDLE
    assert identity.handle_digest == blind_digest(REPORTED_HANDLE)
    assert Person.objects.get(pk=identity.person_id).display_name == "Morgan Reported"


@pytest.mark.django_db
def test_identity_lookups_and_uniqueness_work_through_the_blind_index(make_case) -> None:
    case = make_case()
    witness = Identity.objects.get(space=Space.GITHUB, handle="@Walter-Witness-GH").person
    assert person_for_identity(Space.GITHUB, f"@{WITNESS_HANDLE.upper()}") == witness
    assert case.parties.filter(person=witness).exists()
    assert not Identity.objects.filter(space=Space.SLACK, handle=WITNESS_HANDLE).exists()
    with pytest.raises(IntegrityError):
        Identity.objects.create(person=Person.objects.create(), space=Space.GITHUB, handle=WITNESS_HANDLE.upper())


@pytest.mark.django_db
def test_the_verbatim_report_still_refuses_edits(make_case) -> None:
    report = Report.objects.get(case=make_case())
    report.save()  # unchanged: fine, although every token would be new
    report.body = "rewritten"
    with pytest.raises(ImmutableFieldError):
        report.save()


@pytest.mark.django_db
def test_evidence_file_on_disk_is_encrypted_but_named_by_plain_hash(make_case) -> None:
    import hashlib

    from cases.evidence import blob_path

    evidence = Evidence.objects.get(case=make_case())
    assert evidence.sha256 == hashlib.sha256(FILE_TEXT).hexdigest()
    on_disk = blob_path(evidence.sha256).read_bytes()
    assert FILE_TEXT not in on_disk and on_disk.startswith(b"gAAAA")


@pytest.mark.django_db
def test_a_wrong_key_fails_clearly(make_case, settings) -> None:
    settings.STEWARD_ENCRYPTION_KEYS = KEY_A
    case = make_case()
    settings.STEWARD_ENCRYPTION_KEYS = KEY_B
    with pytest.raises(DecryptionError, match=r"Report\.body"):
        Report.objects.get(case=case)
    with pytest.raises(DecryptionError, match="evidence file"):
        read_blob(Evidence.objects.get(case=case).sha256)


@pytest.mark.django_db
def test_without_keys_a_production_secret_key_refuses_to_encrypt(settings) -> None:
    settings.STEWARD_ENCRYPTION_KEYS = ""
    settings.SECRET_KEY = "a-real-production-secret-key-" + "x" * 40
    with pytest.raises(ImproperlyConfigured, match=r"STEWARD_ENCRYPTION_KEYS"):
        Person.objects.create(display_name="Anyone")


def test_keys_come_from_the_environment_file_variant(settings, monkeypatch, tmp_path) -> None:
    from privacy.keys import configured_keys

    del settings.STEWARD_ENCRYPTION_KEYS  # not a real setting: the environment decides
    key_file = tmp_path / "keys"
    key_file.write_text(f"{KEY_B},{KEY_A}\n")
    monkeypatch.setenv("STEWARD_ENCRYPTION_KEYS_FILE", str(key_file))
    assert configured_keys() == f"{KEY_B},{KEY_A}"
