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
    with pytest.raises(DecryptionError, match=r"Evidence\.original_name"):
        Evidence.objects.get(case=case)
    with pytest.raises(DecryptionError, match="evidence file"):
        read_blob(Evidence.objects.filter(case=case).values_list("sha256", flat=True).get())


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


def plant_free_text(case, stewards) -> dict[str, str]:
    """A distinctive string in every free-text field that can carry identities or the report's content."""
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import Audience, Message, Note, Party, PartyRole
    from clocks.models import Deadline, DeadlineRevision, InterimMeasure
    from decisions.models import Appeal, Decision, InformDecision, Proposal, ResponseRecord
    from privacy.models import CaseRetention

    planted = {
        label: f"PLANTED-{label.replace('.', '-').upper()} Rita Quietreporter"
        for label in [
            "note.body",
            "message.body",
            "evidence.original_name",
            "evidence.description",
            "proposal.rationale",
            "proposal.conditions",
            "proposal.skip",
            "response.text",
            "appeal.text",
            "appeal.rationale",
            "inform.reasons",
            "measure.description",
            "measure.review",
            "revision.reason",
            "retention.hold",
        ]
    }
    planted["evidence.url"] = "https://example.org/PLANTED-EVIDENCE-URL/rita-quietreporter"
    dave, now = stewards["dave"], timezone.now()
    Note.objects.create(case=case, author=dave, body=planted["note.body"])
    Message.objects.create(case=case, audience=Audience.STEWARDS, author=dave, body=planted["message.body"])
    Evidence.objects.create(
        case=case,
        original_name=planted["evidence.original_name"],
        description=planted["evidence.description"],
        url=planted["evidence.url"],
    )
    party = Party.objects.filter(case=case, role=PartyRole.REPORTED).first()
    proposal = Proposal.objects.create(
        case=case,
        proposed_by=dave,
        outcome="warning",
        target=party,
        rationale=planted["proposal.rationale"],
        conditions_for_return=planted["proposal.conditions"],
        skip_reason=planted["proposal.skip"],
    )
    ResponseRecord.objects.create(case=case, party=party, kind="response", text=planted["response.text"], recorded_by=dave)
    InformDecision.objects.create(case=case, choice="yes", reasons=planted["inform.reasons"], recorded_by=dave)
    decision = Decision.objects.create(
        case=case, proposal=proposal, policy_version=case.policy_version, outcome="warning", outcome_class="sanction", decided_at=now
    )
    Appeal.objects.create(
        decision=decision, appellant_role="reported", text=planted["appeal.text"], rationale=planted["appeal.rationale"], filed_at=now
    )
    InterimMeasure.objects.create(
        case=case,
        taken_by=dave,
        description=planted["measure.description"],
        review_note=planted["measure.review"],
        taken_at=now,
        review_due=now + timedelta(days=1),
    )
    deadline = Deadline.objects.filter(case=case).first() or Deadline.objects.create(case=case, kind="decision", due_at=now)
    DeadlineRevision.objects.create(
        deadline=deadline, old_due=now, new_due=now + timedelta(days=7), reason=planted["revision.reason"], set_by=dave
    )
    CaseRetention.objects.update_or_create(case=case, defaults={"legal_hold": True, "hold_reason": planted["retention.hold"]})
    return planted


@pytest.mark.django_db(transaction=True)
def test_no_plaintext_of_notes_messages_decisions_or_clocks_in_the_dump(make_case, stewards) -> None:
    from cases.models import Message, Note
    from clocks.models import DeadlineRevision, InterimMeasure
    from decisions.models import Appeal, InformDecision, Proposal, ResponseRecord
    from privacy.models import CaseRetention

    case = make_case()
    planted = plant_free_text(case, stewards)
    assert found_anywhere(list(planted.values())) == []
    # Through the ORM everything reads back as written.
    evidence = Evidence.objects.filter(case=case, report__isnull=True).get()
    proposal = Proposal.objects.get(case=case)
    appeal = Appeal.objects.get(decision__case=case)
    measure = InterimMeasure.objects.get(case=case)
    read_back = {
        "note.body": Note.objects.get(case=case).body,
        "message.body": Message.objects.get(case=case, audience="stewards").body,
        "evidence.original_name": evidence.original_name,
        "evidence.description": evidence.description,
        "evidence.url": evidence.url,
        "proposal.rationale": proposal.rationale,
        "proposal.conditions": proposal.conditions_for_return,
        "proposal.skip": proposal.skip_reason,
        "response.text": ResponseRecord.objects.get(case=case).text,
        "appeal.text": appeal.text,
        "appeal.rationale": appeal.rationale,
        "inform.reasons": InformDecision.objects.get(case=case).reasons,
        "measure.description": measure.description,
        "measure.review": measure.review_note,
        "revision.reason": DeadlineRevision.objects.get(deadline__case=case).reason,
        "retention.hold": CaseRetention.objects.get(case=case).hold_reason,
    }
    assert read_back == planted


@pytest.mark.django_db(transaction=True)
def test_the_free_text_migrations_encrypt_existing_rows_and_reverse(make_case, stewards) -> None:
    """The data migrations turn plain rows (as they were before) into tokens, and back again."""
    from types import SimpleNamespace

    from django.apps import apps

    from privacy.migration_ops import encrypt_columns

    case = make_case()
    planted = plant_free_text(case, stewards)
    columns = {
        "cases.Note": ["body"],
        "cases.Message": ["body"],
        "cases.Evidence": ["description", "original_name", "url"],
        "decisions.Proposal": ["conditions_for_return", "rationale", "skip_reason"],
        "decisions.InformDecision": ["reasons"],
        "decisions.ResponseRecord": ["text"],
        "decisions.Appeal": ["text", "rationale"],
        "clocks.InterimMeasure": ["description", "review_note"],
        "clocks.DeadlineRevision": ["reason"],
        "privacy.CaseRetention": ["hold_reason"],
    }
    editor = SimpleNamespace(connection=connection)
    for label, fields in columns.items():
        encrypt_columns(label, fields)[1](apps, editor)  # backward: the plain text of before the migration

    def in_dump() -> list[str]:  # the dump only: freed pages of the SQLite file are the other test's business
        dump = table_dump()
        return [value for value in planted.values() if value in dump]

    assert in_dump() == list(planted.values())
    for label, fields in columns.items():
        forward = encrypt_columns(label, fields)[0]
        forward(apps, editor)
        forward(apps, editor)  # twice is harmless
    assert in_dump() == []
    from cases.models import Note
    from decisions.models import Appeal

    assert Note.objects.get(case=case).body == planted["note.body"]
    assert Appeal.objects.get(decision__case=case).rationale == planted["appeal.rationale"]
