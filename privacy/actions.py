"""Every privacy state change: legal holds, expunging, data-subject requests. Each one is audited."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from cases.models import Case
from people.models import Person
from privacy.erasure import ensure_retention, erase_case
from privacy.export import CASE_EXPORTED, CASE_LEFT_OUT, EXPORTED, Export, build_export
from privacy.models import CaseRetention, DataSubjectRequest, one_month_after


def _retention(case: Case) -> CaseRetention:
    retention = ensure_retention(case)
    if retention is None:
        retention, _ = CaseRetention.objects.get_or_create(case=case)
    return retention


@transaction.atomic
def do_set_legal_hold(steward: Any, case: Case, reason: str) -> CaseRetention:
    """Postpone erasure until the hold is released. The reason is for stewards; the log gets no text."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the case must be kept (for example, which proceedings).")
    retention = _retention(case)
    retention.legal_hold = True
    retention.hold_reason = reason[:300]
    retention.held_by = steward
    retention.held_at = timezone.now()
    retention.save(update_fields=["legal_hold", "hold_reason", "held_by", "held_at"])
    record("case.legal_hold", "Legal hold placed: erasure postponed", actor=steward, case_id=case.pk)
    return retention


@transaction.atomic
def do_release_legal_hold(steward: Any, case: Case) -> CaseRetention:
    retention = _retention(case)
    if not retention.legal_hold:
        raise ValidationError("This case is not on legal hold.")
    retention.legal_hold = False
    retention.hold_reason = ""
    retention.held_by = None
    retention.held_at = None
    retention.save(update_fields=["legal_hold", "hold_reason", "held_by", "held_at"])
    record("case.legal_hold_released", "Legal hold released", actor=steward, case_id=case.pk)
    return retention


def do_expunge_case(steward: Any, case: Case, reason: str) -> None:
    """Erase a case at once (an overturned decision); only the statistic, marked expunged, remains.

    The reason is checked but not stored: a reason could name people, and the case is gone.
    """
    if not reason.strip():
        raise ValidationError("Say why the case is expunged (for example, the decision was overturned on appeal).")
    if CaseRetention.objects.filter(case=case, legal_hold=True).exists():
        raise ValidationError("The case is on legal hold; release the hold first.")
    erase_case(case.pk, expunged=True, actor=steward)


def is_about_themselves(steward: Any, person: Person | None) -> bool:
    profile = getattr(steward, "steward_profile", None)
    return person is not None and profile is not None and profile.person_id == person.pk


def check_not_about_themselves(steward: Any, person: Person | None) -> None:
    """A steward never handles a request for their own data: they would read their own cases' content."""
    if is_about_themselves(steward, person):
        raise ValidationError(_("This request is about you: another admin must handle it."))


@transaction.atomic
def do_open_data_request(steward: Any, person: Person) -> DataSubjectRequest:
    check_not_about_themselves(steward, person)
    now = timezone.now()
    request = DataSubjectRequest.objects.create(
        person=person, person_code_name=person.code_name, requested_at=now, due_at=one_month_after(now), handled_by=steward
    )
    record(
        "privacy.request_opened",
        f"Data-subject request for {person.code_name}, due {request.due_at:%Y-%m-%d}",
        actor=steward,
        data={"request": request.pk, "person": person.code_name},
    )
    return request


@transaction.atomic
def do_complete_data_request(steward: Any, request: DataSubjectRequest) -> DataSubjectRequest:
    check_not_about_themselves(steward, request.person)
    if request.completed_at is not None:
        raise ValidationError("This request is already answered.")
    request.completed_at = timezone.now()
    request.handled_by = steward
    request.save(update_fields=["completed_at", "handled_by"])
    record(
        "privacy.request_completed",
        f"Data-subject request for {request.person_code_name} answered",
        actor=steward,
        data={"request": request.pk},
    )
    return request


@transaction.atomic
def do_export(steward: Any, request: DataSubjectRequest, *, with_report_text: bool) -> Export:
    """The export `steward` may make for this request, recorded: one event for the request, and one in
    each case's own timeline, so the stewards of a case left out learn that another admin must add it."""
    check_not_about_themselves(steward, request.person)
    if request.person is None:
        raise ValidationError(_("The person's data has been erased; there is nothing left to export."))
    export = build_export(steward, request.person, include_report_text=with_report_text)
    record(
        EXPORTED,
        f"Data export for {request.person_code_name}",
        actor=steward,
        data={"request": request.pk, "report_text": with_report_text, "cases": len(export.included)},
    )
    for party in export.included:
        record(
            CASE_EXPORTED,
            # The summary is shown on the case page to all its readers, soft-conflicted ones too, who may not learn
            # whose request it was (a reporter's); the request stays in `data`, for privacy.export.left_out_for.
            "Included in a data-subject export",
            actor=steward,
            case_id=party.case_id,
            data={"request": request.pk, "party": party.pk, "report_text": with_report_text},
        )
    for party in export.withheld:
        # No actor: naming the admin here would tell this case's readers that the admin is conflicted.
        record(
            CASE_LEFT_OUT,
            "Left out of a data-subject export: the admin making it may not read this case; "
            "an admin who may must produce the export (see the data-subject requests)",
            actor_label="system",
            case_id=party.case_id,
            data={"request": request.pk, "party": party.pk},
        )
    return export
