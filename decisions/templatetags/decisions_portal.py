"""The appeal section of a party's portal, shown only once the case has a decision."""

from typing import Any

from django import template
from django.db.models import Q

from cases.models import Report
from decisions.appeals import appeal_deadline, may_still_appeal
from decisions.models import AppellantRole, Decision, ProposalStatus, SanctionStatus
from decisions.protection import protects_reporter_of

register = template.Library()


@register.inclusion_tag("decisions/_reporter_appeal.html")
def reporter_appeal(report: Report, portal_path: str) -> dict[str, Any]:
    """`portal_path` is the follow-up page's own path (it carries the secret, which is stored nowhere)."""
    decision = report.case.decisions.filter(proposal__status=ProposalStatus.PASSED).order_by("-decided_at").first()
    section = _appeal_section(decision, AppellantRole.REPORTER, portal_path)
    if decision is not None:
        # The reporter reads whether the order protects them ("you"), never their own name.
        in_force = decision.sanctions.filter(status=SanctionStatus.ACTIVE)
        section["protects_you"] = any(protects_reporter_of(sanction, report) for sanction in in_force)
    return section


@register.inclusion_tag("decisions/_reporter_appeal.html")
def reported_appeal(link: Any, portal_path: str) -> dict[str, Any]:
    """The same section on a reported person's page (letters.views.party_portal), for the latest decision about them."""
    decisions = link.case.decisions.filter(proposal__status=ProposalStatus.PASSED, proposal__target=link.party)
    return _appeal_section(decisions.order_by("-decided_at").first(), AppellantRole.REPORTED, portal_path)


def _appeal_section(decision: Decision | None, role: str, portal_path: str) -> dict[str, Any]:
    if decision is None:
        return {"decision": None}
    policy = decision.policy_version.policy
    titles = dict(policy.level_choices() + policy.outcome_choices())
    return {
        "decision": decision,
        "title": titles.get(decision.outcome, decision.outcome),
        "no_contact": decision.sanctions.filter(status=SanctionStatus.ACTIVE)
        .filter(Q(no_contact__isnull=False) | Q(no_contact_reports__isnull=False))
        .exists(),
        "deadline": appeal_deadline(decision),
        "may_appeal": may_still_appeal(decision, role),
        "appeal": decision.appeals.filter(appellant_role=role).first(),
        "appeal_url": portal_path.rstrip("/") + "/appeal/",
    }
