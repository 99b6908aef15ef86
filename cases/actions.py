"""Every change to a case. Each do_* validates, writes, and records its audit event in one transaction.

Callers have already passed the access layer (cases.access); these functions re-check only the
rules that belong to the change itself.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from cases import awaiting, merging
from cases.access import Need, Standing, may, quorum_for, standing
from cases.evidence import CheckedFile, WrittenBlob, discard_written, store_blob
from cases.models import (
    RISK_RANK,
    Approval,
    Audience,
    Case,
    ConflictDeclaration,
    ConflictLevel,
    Evidence,
    Message,
    Note,
    NoteKind,
    Party,
    PartyRole,
    Report,
    Risk,
    Status,
    YesNoMaybe,
)
from cases.panels import decided_outcome
from letters.leakcheck import assert_no_leak
from letters.outbox import mail_for_message
from people.access import is_active_steward
from people.actions import person_for_identity
from people.models import Person
from steward.queueing import enqueue_with_transaction


@dataclass(frozen=True)
class InvolvedPerson:
    role: str  # a PartyRole value
    name: str = ""
    space: str = ""  # a people.Space value when a handle is given
    handle: str = ""


def add_party(case: Case, involved: InvolvedPerson) -> Party | None:
    """Link somebody to the case through a person record, reusing the record their identity already has."""
    if involved.handle and involved.space:
        person = person_for_identity(involved.space, involved.handle, display_name=involved.name)
    elif involved.name:
        person = Person.objects.create(display_name=involved.name[:200])
    else:
        return None
    party, _created = Party.objects.get_or_create(case=case, person=person, role=involved.role)
    return party


def refresh_quorum(case: Case, actor: Any = None) -> bool:
    """Apply the quorum guard; return whether the case now needs the outside contact."""
    needs = not quorum_for(case).met
    if needs != case.needs_outside_contact:
        Case.objects.filter(pk=case.pk).update(needs_outside_contact=needs)
        case.needs_outside_contact = needs
        summary = "Too few stewards can act: the case goes to the outside contact" if needs else "Enough stewards can act again"
        event = record("case.quorum", summary, actor=actor, case_id=case.pk, data={"needs_outside_contact": needs})
        if needs:
            from cases.tasks import notify_outside_contact

            # With the transaction: a report already stored must never fail on its way to the receipt.
            enqueue_with_transaction(notify_outside_contact, case.pk, event.pk)
    return needs


@transaction.atomic
def do_declare_conflict(steward: Any, case: Case, level: str) -> ConflictDeclaration:
    if level not in ConflictLevel.values:
        raise ValidationError("Choose none, soft or hard.")
    if ConflictDeclaration.objects.filter(case=case, steward=steward).exists():
        raise ValidationError("You have already declared for this case; ask an admin to correct a mistake.")
    declaration = ConflictDeclaration.objects.create(case=case, steward=steward, level=level)
    # The level is recorded for the committee's quorum arithmetic; the summary does not show it.
    record("conflict.declared", "A steward declared their position on conflicts", actor=steward, case_id=case.pk, data={"level": level})
    refresh_quorum(case, actor=steward)
    return declaration


@transaction.atomic
def do_add_note(author: Any, case: Case, body: str, kind: str = NoteKind.NOTE) -> Note:
    body = body.strip()
    if not body:
        raise ValidationError("A note cannot be empty.")
    if kind not in NoteKind.values:
        raise ValidationError("Unknown kind of note.")
    note = Note.objects.create(case=case, author=author, body=body, kind=kind)
    record("note.added", f"{note.get_kind_display()} added", actor=author, case_id=case.pk, data={"note": note.pk})
    return note


@transaction.atomic
def do_send_message(
    author: Any, case: Case, audience: str, body: str, report: Report | None = None, party: Party | None = None, subject: str = ""
) -> Message:
    """A message in the case thread. To a reporter it is mailed at once (unless they asked not to be
    contacted); to a reported person it waits for a second steward's approval (letters.actions)."""
    body = body.strip()
    if not body:
        raise ValidationError("A message cannot be empty.")
    if audience not in Audience.values:
        raise ValidationError("Choose who the message is for.")
    if audience == Audience.REPORTER and (report is None or report.case_id != case.pk):
        raise ValidationError("Choose which reporter the message is for.")
    if audience == Audience.REPORTED and (party is None or party.case_id != case.pk or party.role != PartyRole.REPORTED):
        raise ValidationError("Choose which reported person the message is for.")
    if audience == Audience.REPORTED:
        message = Message.objects.create(case=case, party=party, audience=audience, author=author, body=body, approval=Approval.AWAITING)
        record(
            "message.drafted",
            "Message to the reported person, awaiting approval",
            actor=author,
            case_id=case.pk,
            data={"message": message.pk},
        )
    else:
        if audience == Audience.REPORTER:
            # On a case with several reporters, one must never learn who the others are.
            refusal = _("This message may identify another reporter and cannot be sent until it is edited: %(findings)s")
            assert_no_leak(case, f"{subject}\n{body}", refusal, to_report=report, writer=author)
        message = Message.objects.create(
            case=case, report=report if audience == Audience.REPORTER else None, audience=audience, author=author, body=body
        )
        record(
            "message.sent",
            f"Message to {message.get_audience_display().lower()}",
            actor=author,
            case_id=case.pk,
            data={"message": message.pk},
        )
    mail_for_message(message, subject)
    return message


def do_reporter_reply(report: Report, body: str, files: list[CheckedFile]) -> Message | None:
    """The reporter answers or adds information through their follow-up link."""
    body = body.strip()
    if not body and not files:
        raise ValidationError("Write a message or attach a file.")
    with evidence_transaction() as written:
        message = None
        if body:
            message = Message.objects.create(case=report.case, report=report, audience=Audience.REPORTER, from_reporter=True, body=body)
            record("message.from_reporter", "The reporter added information", actor_label="reporter", case_id=report.case_id)
        add_evidence_files(report.case, files, written, report=report, by_reporter=True)
    return message


@contextmanager
def evidence_transaction() -> Iterator[list[WrittenBlob]]:
    """A transaction that also owns the evidence files written inside it.

    Files are written before the rows commit (so a committed row always has its file); if the
    transaction fails, the files it newly wrote are removed again, so nothing is left half-stored
    (unless a concurrent upload of the same content uses them: see cases.evidence). A process that
    dies in between leaves them for the leftover sweep (privacy.leftovers).
    """
    written: list[WrittenBlob] = []
    try:
        with transaction.atomic():
            yield written
    except BaseException:
        discard_written(written)
        raise


def add_evidence_files(
    case: Case,
    files: list[CheckedFile],
    written: list[WrittenBlob],
    *,
    report: Report | None = None,
    by_reporter: bool = False,
    steward: Any = None,
) -> list[Evidence]:
    """Store files and their rows; `written` collects the files this call created (see evidence_transaction)."""
    items = []
    for checked in files:
        stored = store_blob(checked)
        if stored is not None:
            written.append(stored)
        evidence = Evidence.objects.create(
            case=case,
            report=report,
            added_by=steward,
            added_by_reporter=by_reporter,
            original_name=checked.original_name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
        items.append(evidence)
        # The row id, not the content hash: a hash outlives erasure and identifies the file anywhere.
        record(
            "evidence.added",
            f"Evidence added: #{evidence.pk}, {checked.content_type}, {checked.size} bytes",
            actor=steward,
            actor_label="" if steward else "reporter",
            case_id=case.pk,
            data={"evidence": evidence.pk},
        )
    return items


def do_add_evidence(steward: Any, case: Case, files: list[CheckedFile]) -> list[Evidence]:
    if not files:
        raise ValidationError("Choose at least one file.")
    with evidence_transaction() as written:
        return add_evidence_files(case, files, written, steward=steward)


TRIAGE_FIELDS = {
    "safety_risk": Risk.values,
    "ongoing_harassment": YesNoMaybe.values,
    "in_scope": YesNoMaybe.values,
}


@transaction.atomic
def do_update_triage(steward: Any, case: Case, changes: dict[str, Any]) -> Case:
    applied = {}
    for field, value in changes.items():
        if field in TRIAGE_FIELDS:
            if value not in TRIAGE_FIELDS[field]:
                raise ValidationError(f"{value!r} is not a valid value for {field.replace('_', ' ')}.")
        elif field in {"handled_locally", "on_file_only", "soft_conflicted_may_read"}:
            value = bool(value)
        else:
            raise ValidationError(f"{field} cannot be changed here.")
        if getattr(case, field) != value:
            applied[field] = value
            setattr(case, field, value)
    if applied:
        case.save(update_fields=list(applied))
        record(
            "case.triaged",
            "Triage updated: " + ", ".join(f"{k.replace('_', ' ')} → {v}" for k, v in applied.items()),
            actor=steward,
            case_id=case.pk,
            data=applied,
        )
    return case


@transaction.atomic
def do_assign_shepherd(steward: Any, case: Case, shepherd: Any) -> Case:
    if shepherd is not None and (not is_active_steward(shepherd) or standing(shepherd, case) != Standing.UNCONFLICTED):
        raise ValidationError("The shepherd must be an active steward who declared no conflict on this case.")
    case.shepherd = shepherd
    case.save(update_fields=["shepherd"])
    record("case.shepherd", f"Shepherd: {shepherd.get_username() if shepherd else 'none'}", actor=steward, case_id=case.pk)
    return case


@transaction.atomic
def do_acknowledge(steward: Any, case: Case) -> Case:
    if case.acknowledged_at is not None:
        return case
    case.acknowledged_at = timezone.now()
    if case.status == Status.NEW:
        case.status = Status.ACKNOWLEDGED
    case.save(update_fields=["acknowledged_at", "status"])
    record("case.acknowledged", "Report acknowledged", actor=steward, case_id=case.pk)
    return case


# "Decided" is not among them: only a decision that passed the vote (decisions app) makes a case decided.
ALLOWED_STATUS_CHANGES = {
    Status.NEW: {Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.CLOSED},
    Status.ACKNOWLEDGED: {Status.INVESTIGATING, Status.CLOSED},
    Status.INVESTIGATING: {Status.CLOSED},
    Status.DECIDED: {Status.CLOSED, Status.INVESTIGATING},
    Status.CLOSED: {Status.INVESTIGATING},
}


def closing_outcome(case: Case, chosen: str = "") -> str:
    """The outcome a case closes with: its decision's, or `chosen` from the policy's non-sanction outcomes.

    A sanction comes only from a vote (decisions), so closing never chooses one; and a decided case closes with
    what was decided, whatever was chosen. Nothing decided and nothing chosen is refused."""
    decided = decided_outcome(case)
    if decided:
        if chosen and chosen != decided:
            raise ValidationError({"outcome": _("This case was decided: it closes with the decision's outcome.")})
        return decided
    if not chosen:
        # Every closed case counts in the transparency reports by its outcome: none may close without one.
        raise ValidationError({"outcome": _("Choose the outcome the case closes with.")})
    if chosen not in {outcome.code for outcome in case.policy_version.policy.outcomes}:
        raise ValidationError({"outcome": _("Choose one of the policy's outcomes.")})
    return chosen


@transaction.atomic
def do_change_status(steward: Any, case: Case, status: str, outcome: str = "") -> Case:
    """Move a case on. Closing records its outcome (closing_outcome: the decision's, or one chosen from the policy's;
    never none); reopening clears it, and the audit log keeps both."""
    if status not in ALLOWED_STATUS_CHANGES.get(Status(case.status), set()):
        raise ValidationError(f"A {case.get_status_display().lower()} case cannot become {status}.")
    previous = case.status
    case.status = status
    now = timezone.now()
    if status == Status.ACKNOWLEDGED and case.acknowledged_at is None:
        case.acknowledged_at = now
    case.decided_at = now if status == Status.DECIDED else case.decided_at
    case.closed_at = now if status == Status.CLOSED else None
    case.outcome = closing_outcome(case, outcome) if status == Status.CLOSED else ""
    case.save(update_fields=["status", "acknowledged_at", "decided_at", "closed_at", "outcome"])
    data = {"from": previous, "to": status, **({"outcome": case.outcome} if status == Status.CLOSED else {})}
    summary = f"Status: {previous} → {status}" + (f" (outcome: {case.outcome})" if status == Status.CLOSED and case.outcome else "")
    record("case.status", summary, actor=steward, case_id=case.pk, data=data)
    return case


@transaction.atomic
def do_add_party(steward: Any, case: Case, involved: InvolvedPerson) -> Party:
    if involved.role not in PartyRole.values:
        raise ValidationError("Choose the person's role in the case.")
    party = add_party(case, involved)
    if party is None:
        raise ValidationError("Give a name, or a space and a handle.")
    # The party row, not the person's code name: the person can outlive this case (in another one).
    summary = f"{party.get_role_display()} linked (party #{party.pk})"
    record("party.added", summary, actor=steward, case_id=case.pk, data={"party": party.pk})
    refresh_quorum(case, actor=steward)
    return party


# Only people a no-contact order can protect are ever named in its place; the reported person is not.
MAY_AGREE_TO_BE_NAMED = (PartyRole.REPORTER, PartyRole.WITNESS, PartyRole.AFFECTED)


@transaction.atomic
def do_record_naming_consent(steward: Any, case: Case, party_id: Any, agreed: bool) -> Party:
    """Record that a person agreed (or no longer agrees) to be named in this case's letters.

    Without it a letter speaks of them by role ("the person who reported", "a witness"). The consent
    is the person's, so it holds for each of their roles in the case.
    """
    party = case.parties.filter(pk=party_id, role__in=MAY_AGREE_TO_BE_NAMED).first() if party_id else None
    if party is None:
        raise ValidationError("Choose a reporter, witness or affected person of this case.")
    changed = case.parties.filter(person_id=party.person_id).exclude(agreed_to_be_named=agreed).update(agreed_to_be_named=agreed)
    party.agreed_to_be_named = agreed
    # Row ids only: the log must not say who agreed to be named.
    summary = f"Party #{party.pk} " + ("agreed to be named in letters" if agreed else "no longer agrees to be named in letters")
    record("party.naming_consent", summary, actor=steward, case_id=case.pk, data={"party": party.pk, "agreed": agreed, "changed": changed})
    return party


@transaction.atomic
def do_merge_cases(steward: Any, target: Case, source: Case, *, into_decided: bool = False) -> Case:
    """Several reports about one incident become one case: everything of the source moves to the target
    (cases.merging says what and how), and whoever was kept from either case is kept from the result.

    `steward` None is the system (e.g. a test making a second report); a steward must be able to
    decide on both cases. Joining into a decided case needs `into_decided`: the steward said so.
    """
    target = Case.objects.select_for_update().get(pk=target.pk)
    source = Case.objects.select_for_update().get(pk=source.pk)
    if target.pk == source.pk:
        raise ValidationError(_("A case cannot be joined with itself."))
    if target.merged_into_id is not None or source.merged_into_id is not None:
        raise ValidationError(_("This case was already joined into another one."))
    if steward is not None and not (may(steward, target, Need.DECIDE) and may(steward, source, Need.DECIDE)):
        raise ValidationError(_("Only a steward with no conflict on both cases can join them."))
    if target.status == Status.DECIDED and not into_decided:
        raise ValidationError(_("%(name)s is already decided: confirm that you mean to join a case into it.") % {"name": target.code_name})
    reasons = merging.refusals(source)
    if reasons:
        raise ValidationError(reasons)
    Report.objects.filter(case=source).update(case=target)
    parties = merging.move_parties(source, target)
    moved = merging.move_rows(source, target)
    declarations = merging.merge_declarations(source, target)
    awaiting.case_joined(source)
    _carry_case_fields(target, source)
    source.merged_into = target
    source.status = Status.CLOSED
    source.closed_at = timezone.now()
    source.save(update_fields=["merged_into", "status", "closed_at"])
    data = {"parties": parties, "moved": moved, "declarations": declarations}
    record("case.merged", f"Joined into {target.code_name}", actor=steward, case_id=source.pk, data={"into": target.code_name, **data})
    record(
        "case.merged",
        f"{source.code_name} joined into this case",
        actor=steward,
        case_id=target.pk,
        data={"from": source.code_name, **data},
    )
    _recheck_shepherd(steward, target, source)
    refresh_quorum(target, actor=steward)
    return target


def _carry_case_fields(target: Case, source: Case) -> None:
    """The stricter setting of the two cases: soft-conflicted readers only if both allowed them, the higher risk."""
    changed = []
    if target.soft_conflicted_may_read and not source.soft_conflicted_may_read:
        target.soft_conflicted_may_read = False
        changed.append("soft_conflicted_may_read")
    if RISK_RANK[Risk(source.safety_risk)] > RISK_RANK[Risk(target.safety_risk)]:
        target.safety_risk = source.safety_risk
        changed.append("safety_risk")
    if changed:
        target.save(update_fields=changed)


def _recheck_shepherd(steward: Any, target: Case, source: Case) -> None:
    """A shepherd must have no conflict on the whole case: one who now has one is released; a free
    target takes the source's shepherd when they may shepherd the whole case."""
    shepherd = target.shepherd
    if shepherd is not None and not (is_active_steward(shepherd) and standing(shepherd, target) is Standing.UNCONFLICTED):
        shepherd = None
    if shepherd is None and source.shepherd is not None:
        candidate = source.shepherd
        if is_active_steward(candidate) and standing(candidate, target) is Standing.UNCONFLICTED:
            shepherd = candidate
    if shepherd != target.shepherd:
        target.shepherd = shepherd
        target.save(update_fields=["shepherd"])
        summary = f"Shepherd: {shepherd.get_username() if shepherd else 'none'} (cases joined)"
        record("case.shepherd", summary, actor=steward, case_id=target.pk)


def log_identity_view(steward: Any, case: Case, report: Report) -> None:
    record("identity.viewed", f"Reporter identity viewed (report #{report.pk})", actor=steward, case_id=case.pk, data={"report": report.pk})


def log_evidence_download(steward: Any, case: Case, evidence: Evidence) -> None:
    record("evidence.viewed", f"Evidence downloaded: #{evidence.pk}", actor=steward, case_id=case.pk, data={"evidence": evidence.pk})
