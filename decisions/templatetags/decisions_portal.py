"""The appeal section of a party's portal, shown only once the case has a decision."""

from typing import Any

from django import template

from cases.models import Report
from decisions.appeals import appeal_deadline, may_still_appeal
from decisions.models import AppellantRole, ProposalStatus

register = template.Library()


@register.inclusion_tag("decisions/_reporter_appeal.html")
def reporter_appeal(report: Report, portal_path: str) -> dict[str, Any]:
    """`portal_path` is the follow-up page's own path (it carries the secret, which is stored nowhere)."""
    decision = report.case.decisions.filter(proposal__status=ProposalStatus.PASSED).order_by("-decided_at").first()
    if decision is None:
        return {"decision": None}
    policy = decision.policy_version.policy
    titles = dict(policy.level_choices() + policy.outcome_choices())
    return {
        "decision": decision,
        "title": titles.get(decision.outcome, decision.outcome),
        "no_contact": decision.sanctions.filter(no_contact__isnull=False).exists(),
        "deadline": appeal_deadline(decision),
        "may_appeal": may_still_appeal(decision, AppellantRole.REPORTER),
        "appeal": decision.appeals.filter(appellant_role=AppellantRole.REPORTER).first(),
        "appeal_url": portal_path.rstrip("/") + "/appeal/",
    }
