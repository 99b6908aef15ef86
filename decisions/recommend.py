"""A suggested ladder level for a reported person, with the reasons for it (REQUIREMENTS 6.2).

The suggestion only informs the stewards; they decide. It weighs the case's triage (safety risk,
ongoing harassment), the categories reported, and the person's earlier sanctions in any case.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cases.models import Case, Party, Risk, YesNoMaybe
from decisions.models import Sanction, SanctionStatus
from people.models import Person
from policy.schema import Level, Policy

# Categories (matched on code or title) that weigh heavier than incivility.
SERIOUS_WORDS = ("harass", "private-information", "doxx", "threat", "violen", "sexual", "stalk")


@dataclass
class Recommendation:
    party: Party | None
    level: Level
    reasons: list[str] = field(default_factory=list)


def earlier_sanctions(person: Person, case: Case) -> list[Sanction]:
    """Sanctions this person received in other cases that still stand (rescinded ones do not count)."""
    return list(
        Sanction.objects.filter(person=person)
        .exclude(decision__case=case)
        .exclude(status=SanctionStatus.RESCINDED)
        .select_related("decision__policy_version")
    )


def highest_earlier_rank(person: Person | None, case: Case, policy: Policy) -> int:
    """The rank of the most severe earlier sanction, 0 when there is none."""
    if person is None:
        return 0
    ranks = [_rank(policy, sanction.level) for sanction in earlier_sanctions(person, case)]
    return max(ranks, default=0)


def _rank(policy: Policy, code: str) -> int:
    try:
        return policy.level(code).rank
    except KeyError:
        return 0


def _serious_categories(case: Case, policy: Policy) -> list[str]:
    codes: list[str] = []
    for report in case.reports.all():
        codes.extend(code for code in report.categories or [] if code not in codes)
    titles = []
    for code in codes:
        try:
            title = policy.category(code).title
        except KeyError:
            title = code
        if any(word in code.lower() or word in title.lower() for word in SERIOUS_WORDS):
            titles.append(title)
    return titles


def recommend(case: Case, party: Party | None) -> Recommendation:
    policy = case.policy_version.policy
    ladder = sorted(policy.ladder, key=lambda level: level.rank)
    rank = ladder[0].rank
    reasons: list[str] = []

    serious = _serious_categories(case, policy)
    if serious:
        rank += 1
        reasons.append(_("The report concerns serious behaviour: %(titles)s.") % {"titles": ", ".join(serious)})
    if case.safety_risk == Risk.HIGH:
        rank += 2
        reasons.append(_("The safety risk is assessed as high."))
    elif case.safety_risk == Risk.MEDIUM:
        rank += 1
        reasons.append(_("The safety risk is assessed as medium."))
    elif case.safety_risk == Risk.UNKNOWN:
        reasons.append(_("The safety risk has not been assessed yet."))
    if case.ongoing_harassment == YesNoMaybe.YES:
        rank += 1
        reasons.append(_("The harassment is ongoing."))
    elif case.ongoing_harassment == YesNoMaybe.MAYBE:
        reasons.append(_("The harassment may be ongoing; find out before deciding."))

    history = earlier_sanctions(party.person, case) if party is not None else []
    if party is not None:
        if history:
            highest = max(_rank(policy, sanction.level) for sanction in history)
            message = _("%(count)d earlier sanction(s) in other cases; the most severe was level %(rank)d.")
            reasons.append(message % {"count": len(history), "rank": highest})
            if highest + 1 > rank:
                rank = highest + 1
                reasons.append(_("The next level above the earlier sanction is suggested (escalation)."))
        else:
            reasons.append(_("No earlier sanctions against this person."))

    top = ladder[-1].rank
    if rank >= top and not history and len(ladder) > 1:
        rank = ladder[-2].rank
        reasons.append(_("The most severe level is suggested only after earlier sanctions."))
    rank = min(rank, top)
    if not reasons:
        reasons.append(_("Nothing in the triage or history raises the level."))
    level = next(level for level in ladder if level.rank >= rank)
    return Recommendation(party=party, level=level, reasons=reasons)
