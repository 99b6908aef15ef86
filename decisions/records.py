"""What is recorded before a decision (REQUIREMENTS 5.4): whether and when the reported person is told,
and their response. Recording either re-checks the open proposals, which may have been waiting for it."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from cases.access import Need, may
from cases.models import Case, Party, PartyRole
from decisions.actions import latest_inform, settle_open
from decisions.models import InformChoice, InformDecision, ResponseKind, ResponseRecord


@transaction.atomic
def do_record_inform(steward: Any, case: Case, choice: str, reasons: str, inform_on: date | None = None) -> InformDecision:
    if not may(steward, case, Need.DECIDE):
        raise ValidationError(_("Only stewards who declared no conflict on this case decide whether to inform the reported person."))
    if choice not in InformChoice.values:
        raise ValidationError(_("Choose whether to inform the reported person."))
    if not reasons.strip():
        raise ValidationError(_("Give the reasons for this choice."))
    if choice == InformChoice.LATER and inform_on is None:
        raise ValidationError(_("Say when they will be informed."))
    if choice == InformChoice.LATER and inform_on is not None and inform_on <= timezone.localdate():
        # A date already come is no "later": it would read as a promise kept when nobody was told.
        raise ValidationError(_("The date to inform them must be after today; to inform them today, choose to inform them now."))
    if choice != InformChoice.LATER:
        inform_on = None  # a date belongs only to "later"
    item = InformDecision.objects.create(case=case, choice=choice, inform_on=inform_on, reasons=reasons.strip(), recorded_by=steward)
    record("decision.inform", f"Inform the reported person: {choice}", actor=steward, case_id=case.pk, data={"choice": choice})
    settle_open(case, actor=steward)
    return item


@transaction.atomic
def do_record_response(steward: Any, case: Case, party: Party, kind: str, text: str = "") -> ResponseRecord:
    if party.case_id != case.pk or party.role != PartyRole.REPORTED:
        raise ValidationError(_("Choose a reported person in this case."))
    if kind not in ResponseKind.values:
        raise ValidationError(_("Choose what the reported person said."))
    if kind == ResponseKind.RESPONSE and not text.strip():
        raise ValidationError(_("Write down their response."))
    inform = latest_inform(case)
    if kind == ResponseKind.NOT_INFORMED and (inform is None or inform.choice == InformChoice.YES):
        raise ValidationError(_("Record the decision not to inform them (yet) first."))
    item = ResponseRecord.objects.create(case=case, party=party, kind=kind, text=text.strip(), recorded_by=steward)
    record(
        "decision.response",
        f"Response of a reported person recorded: {kind}",
        actor=steward,
        case_id=case.pk,
        data={"party": party.pk, "kind": kind},
    )
    settle_open(case, actor=steward)
    return item
