"""The decision placeholders of letter templates (letters.fill), filled from the case's latest decision.

Registered with letters.fill.register_values when the app is ready. Only what the decision itself
says is used: the policy's words for the level, the conditions the stewards set, the sanction's
period and its no-contact list, which speaks of protected people by role unless they agreed to be
named (decisions.protection). The stewards' rationale stays internal. A placeholder this has no
value for is left out, so the letter keeps its "[to fill in: …]" marker for the steward.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import Case
from decisions.appeals import appeal_deadline
from decisions.models import ProposalStatus, SanctionStatus
from decisions.protection import order_to_reported, order_to_reporter, sanction_entries
from letters.fill import Recipient
from policy.schema import Policy


def _behaviour(case: Case, policy: Policy) -> str:
    titles: list[str] = []
    for report in case.reports.all():
        for code in report.categories or []:
            try:
                title = policy.category(code).title
            except KeyError:
                continue
            if title not in titles:
                titles.append(title)
    return "; ".join(titles)


def decision_values(case: Case, recipient: Recipient) -> dict[str, str]:
    decision = (
        case.decisions.filter(proposal__status=ProposalStatus.PASSED)
        .select_related("proposal", "policy_version")
        .order_by("-decided_at", "-id")
        .first()
    )
    if decision is None:
        return {}
    policy = decision.policy_version.policy
    proposal = decision.proposal
    values = {"appeal_deadline": appeal_deadline(decision).date().isoformat(), "no_contact": _("None.")}
    behaviour = _behaviour(case, policy)
    if behaviour:
        values["decision_behaviour"] = behaviour
    if proposal.conditions_for_return:
        values["expected_change"] = proposal.conditions_for_return
    # A sanction changed on appeal is replaced by a new active one: the letter tells what is in force.
    sanction = decision.sanctions.filter(status=SanctionStatus.ACTIVE).order_by("-id").first()
    code = sanction.level if sanction is not None else decision.outcome
    try:
        level = policy.level(code)
    except KeyError:
        titles = dict(policy.outcome_choices())
        values["decision_outcome"] = titles.get(decision.outcome, decision.outcome)
        return values
    values["decision_outcome"] = level.title
    values["decision_impact"] = level.community_impact
    values["consequences"] = level.consequence
    if sanction is None:
        return values
    until = sanction.ends_at.date().isoformat() if sanction.ends_at is not None else ""
    if sanction.ends_at is not None:
        days = (sanction.ends_at - sanction.starts_at).days
        values["decision_outcome"] = ngettext(
            "%(level)s for %(days)d day, until %(until)s", "%(level)s for %(days)d days, until %(until)s", days
        ) % {"level": level.title, "days": days, "until": until}
    protected = sanction_entries(sanction)
    if protected:
        if recipient.report is not None:  # a reporter reads "you", never their own name
            values["no_contact"] = order_to_reporter(protected, recipient.report, until)
        else:
            values["no_contact"] = order_to_reported(protected, until)
    return values
