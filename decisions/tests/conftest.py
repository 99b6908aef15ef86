"""Cases with a reported person (Ivan) and a reporter (Rita), and shortcuts to propose and vote."""

from collections.abc import Callable
from typing import Any

import pytest

from audit.models import Event
from cases.actions import InvolvedPerson, do_declare_conflict
from cases.models import Case, Party, PartyRole
from decisions.actions import ProposalInput, do_propose, do_vote
from decisions.models import InformChoice, Proposal, ResponseKind
from decisions.records import do_record_inform, do_record_response
from intake.actions import Submission, do_submit_report
from people.models import Space
from steward.testing import T0  # noqa: F401  (re-exported for the decision tests)

COMMITTEE = ("alice", "bob", "carol", "dave", "erin")


def new_case(reported_handle: str = "ivan-gh", **fields: Any) -> tuple[Case, Any]:
    fields.setdefault("reporter_name", "Rita Reporter")
    fields.setdefault("reporter_email", "rita@example.net")
    receipt = do_submit_report(
        Submission(
            body="Ivan insulted me in a review.",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Ivan", Space.GITHUB, reported_handle)],
            **fields,
        )
    )
    return Case.objects.get(code_name=receipt.case_code_name), receipt


def reported(case: Case) -> Party:
    return case.parties.get(role=PartyRole.REPORTED)


def reporter(case: Case) -> Party:
    return case.parties.get(role=PartyRole.REPORTER)


def kinds(case: Case) -> list[str]:
    return list(Event.objects.filter(case_id=case.pk).values_list("kind", flat=True))


def make_ready(case: Case, steward: Any) -> None:
    """Record the inform decision and the reported person's response, so proposals can pass."""
    do_record_inform(steward, case, InformChoice.YES, "No risk in telling them.")
    do_record_response(steward, case, reported(case), ResponseKind.DECLINED)


def propose(case: Case, steward: Any, outcome: str = "warning", **fields: Any) -> Proposal:
    policy = case.policy_version.policy
    level = next((lvl for lvl in policy.ladder if lvl.code == outcome), None)
    if level is not None:
        fields.setdefault("target", reported(case))
        if level.needs_period:
            fields.setdefault("period_days", 30)
        if level.needs_no_contact:
            fields.setdefault("protected_people", [reporter(case).person])
    fields.setdefault("rationale", "A single incident with clear impact.")
    return do_propose(steward, case, ProposalInput(outcome=outcome, **fields))


def votes(proposal: Proposal, stewards: dict[str, Any], **choices: str) -> None:
    for name, choice in choices.items():
        do_vote(stewards[name], proposal, choice)


@pytest.fixture
def committee_case(stewards: dict[str, Any]) -> Callable[..., Case]:
    """A case on which `levels` (name -> none/soft/hard) are declared; by default all five declared none."""

    def _make(levels: dict[str, str] | None = None, ready: bool = True, **fields: Any) -> Case:
        case, _ = new_case(**fields)
        for name, level in (levels or dict.fromkeys(COMMITTEE, "none")).items():
            do_declare_conflict(stewards[name], case, level)
        if ready:
            make_ready(case, stewards["alice"])
        case.refresh_from_db()
        return case

    return _make
