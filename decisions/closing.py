"""What a decision settles when its case is closed (cases.actions.closing_outcome asks through cases.panels)."""

from cases.models import Case
from decisions.models import AppealOutcome, ProposalStatus


def standing_outcome(case: Case) -> str:
    """The outcome of the case's latest decision that still stands (one rescinded on appeal does not), or ""."""
    decision = (
        case.decisions.filter(proposal__status=ProposalStatus.PASSED)
        .exclude(appeals__outcome=AppealOutcome.RESCINDED)
        .order_by("-decided_at", "-id")
        .first()
    )
    return decision.outcome if decision is not None else ""
