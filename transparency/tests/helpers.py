"""Cases for the report tests, made through the actions and moved into a past period."""

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from cases.actions import InvolvedPerson, do_acknowledge, do_declare_conflict
from cases.models import Case, ConflictLevel, PartyRole
from decisions.actions import ProposalInput, do_propose, do_vote, may_vote
from decisions.models import Decision, InformChoice, ResponseKind
from decisions.records import do_record_inform, do_record_response
from intake.actions import Submission, do_submit_report
from people.models import Space
from policy.periods import Period, period_of


def past_half(months_back: int = 1) -> Period:
    period = period_of(timezone.localdate(), 6)
    for _ in range(months_back):
        period = period.previous()
    return period


def opened_case(
    period: Period,
    day: int,
    *,
    space: str = "github",
    channel: str = "web",
    categories: tuple[str, ...] = ("harassment",),
    handle: str = "",
) -> Case:
    receipt = do_submit_report(
        Submission(
            body="Rude comments in review.",
            space=space,
            channel=channel,
            categories=list(categories),
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "", Space.GITHUB, handle)] if handle else [],
        )
    )
    case = Case.objects.get(code_name=receipt.case_code_name)
    start = timezone.make_aware(datetime.combine(period.first_day + timedelta(days=day), time(9)))
    Case.objects.filter(pk=case.pk).update(created_at=start)
    case.refresh_from_db()
    return case


def decide(case: Case, stewards: dict[str, Any], outcome: str) -> Decision:
    for name in ("bob", "carol", "dave", "erin"):
        do_declare_conflict(stewards[name], case, ConflictLevel.NONE)
    lead = stewards["dave"]
    do_acknowledge(lead, case)
    reported = case.parties.get(role=PartyRole.REPORTED)
    do_record_inform(lead, case, InformChoice.YES, "They should know.")
    do_record_response(lead, case, reported, ResponseKind.DECLINED)
    policy = case.policy_version.policy
    sanction = outcome in {level.code for level in policy.ladder}
    proposal = do_propose(lead, case, ProposalInput(outcome=outcome, target=reported if sanction else None, rationale="Seen."))
    for name in ("bob", "carol", "dave", "erin"):
        proposal.refresh_from_db()
        if proposal.status == "open" and may_vote(stewards[name], case):
            do_vote(stewards[name], proposal, "yes")
    return Decision.objects.get(case=case)
