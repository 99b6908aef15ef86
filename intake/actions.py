"""Turning a submitted report into a case."""

import secrets
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.log import record
from cases.access import hash_secret
from cases.actions import InvolvedPerson, add_evidence_files, add_party, evidence_transaction, refresh_quorum
from cases.evidence import CheckedFile
from cases.models import Case, Channel, PartyRole, Report, YesNoMaybe
from intake.signals import report_received
from people.access import active_stewards
from people.models import Space
from policy.services import current_version


@dataclass
class Submission:
    body: str
    anonymous: bool = False
    reporter_name: str = ""
    reporter_email: str = ""
    reporter_other_contact: str = ""
    do_not_contact: bool = False
    on_file_only: bool = False
    involved: str = ""
    involved_people: list[InvolvedPerson] = field(default_factory=list)
    witnesses: str = ""
    occurred_when: str = ""
    space: str = ""
    link: str = ""
    ongoing: str = YesNoMaybe.UNKNOWN
    safety_concern: str = ""
    categories: list[str] = field(default_factory=list)
    relation: str = ""
    language: str = ""
    excluded_steward_ids: list[int] = field(default_factory=list)
    channel: str = Channel.WEB
    files: list[CheckedFile] = field(default_factory=list)


@dataclass(frozen=True)
class Receipt:
    reference: str
    secret: str  # shown once to the reporter; only its hash is stored
    case_code_name: str


def check_exclusions(excluded_ids: list[int]) -> None:
    """A reporter may keep stewards away from their report, but not every steward (REQUIREMENTS 2.5)."""
    if excluded_ids and not active_stewards().exclude(pk__in=excluded_ids).exists():
        contact = current_version().policy.outside_contact
        raise ValidationError(
            f"If no steward may see your report, nobody here can act on it. Please leave at least one steward, "
            f"or contact {contact.name} ({contact.email}), who handles reports outside the committee."
        )


def do_submit_report(submission: Submission, *, taken_by: Any = None, held_as_possible_flood: bool = False) -> Receipt:
    """Create the case, the verbatim report, its parties and evidence, all or nothing."""
    body = submission.body.strip()
    if not body:
        raise ValidationError("Please tell us what happened.")
    check_exclusions(submission.excluded_steward_ids)
    if submission.anonymous:
        # Anonymous means nothing that identifies the reporter is kept, whatever the form carried.
        submission.reporter_name = submission.reporter_email = submission.reporter_other_contact = ""
    secret = secrets.token_urlsafe(24)
    version = current_version()
    with evidence_transaction() as written:
        case = Case.objects.create(
            policy_version=version, on_file_only=submission.on_file_only, held_as_possible_flood=held_as_possible_flood
        )
        report = Report.objects.create(
            case=case,
            secret_hash=hash_secret(secret),
            body=body,
            anonymous=submission.anonymous,
            reporter_name=submission.reporter_name.strip(),
            reporter_email=submission.reporter_email.strip(),
            reporter_other_contact=submission.reporter_other_contact.strip(),
            do_not_contact=submission.do_not_contact,
            involved=submission.involved.strip(),
            witnesses=submission.witnesses.strip(),
            occurred_when=submission.occurred_when.strip(),
            space=submission.space,
            link=submission.link.strip(),
            ongoing=submission.ongoing,
            safety_concern=submission.safety_concern.strip(),
            categories=list(submission.categories),
            relation=submission.relation.strip(),
            language=submission.language,
            channel=submission.channel,
            taken_by=taken_by,
            submitted_at=timezone.now(),
        )
        if submission.excluded_steward_ids:
            report.excluded_stewards.set(active_stewards().filter(pk__in=submission.excluded_steward_ids))
        if not submission.anonymous and report.reporter_email:
            add_party(case, InvolvedPerson(PartyRole.REPORTER, report.reporter_name, Space.EMAIL, report.reporter_email))
        for involved in submission.involved_people:
            add_party(case, involved)
        add_evidence_files(case, submission.files, written, report=report, by_reporter=True)
        how = f"taken by {taken_by.get_username()} ({submission.channel})" if taken_by else "through the report form"
        # The log outlives the case: only the case's random code name, never the report reference
        # (which the reporter holds and could be linked to them).
        record(
            "report.received",
            f"Report received {how} (case {case.code_name})",
            actor=taken_by,
            actor_label="" if taken_by else "reporter",
            case_id=case.pk,
            data={"code_name": case.code_name, "report": report.pk, "anonymous": submission.anonymous, "held": held_as_possible_flood},
        )
        refresh_quorum(case)
        report_received.send(sender=Report, case=case, report=report, held=held_as_possible_flood)
    return Receipt(reference=report.reference, secret=secret, case_code_name=case.code_name)
