"""Decision letters are filled from the decision: outcome and period, the policy's words, conditions, no-contact."""

from typing import Any

import pytest

from cases.models import Audience, Report
from decisions.appeals import do_decide_appeal, do_file_appeal
from decisions.models import Decision
from decisions.tests.conftest import propose, reported, votes
from letters.fill import fill_letter
from letters.leakcheck import check_text
from letters.models import LetterKind

pytestmark = pytest.mark.django_db

CONDITIONS = "Keep review comments about the code, never about the person."
RATIONALE = "Internal: he was warned informally twice before."


def _to_reported(case: Any) -> str:
    letter = fill_letter(LetterKind.DECISION_REPORTED, "en", case, audience=Audience.REPORTED, party=reported(case))
    assert letter is not None
    return letter.body


def test_decision_letters_are_filled_from_the_decision(stewards: dict[str, Any], committee_case: Any, clock: Any) -> None:
    case = committee_case()
    policy = case.policy_version.policy
    category, level = policy.categories[0], policy.level("warning")
    Report.objects.filter(case=case).update(categories=[category.code])
    proposal = propose(case, stewards["alice"], "warning", period_days=30, conditions_for_return=CONDITIONS, rationale=RATIONALE)
    assert "[to fill in: decision outcome]" in _to_reported(case)  # nothing decided yet

    votes(proposal, stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    body = _to_reported(case)
    assert "[to fill in" not in body
    assert "Decision: Warning for 30 days, until 2026-04-01" in body  # decided at T0, 2 March 2026
    assert f"What happened: {category.title}" in body
    assert f"Why it matters: {level.community_impact}" in body
    assert f"What we expect from now on: {CONDITIONS}" in body
    assert f"What happens if it continues: {level.consequence}" in body
    # The order protects the reporter, who did not agree to be named: the letter speaks of their role,
    # so the identity check lets it go out as filled.
    assert "No-contact order: Do not contact the person who reported until 2026-04-01." in body
    assert "The deadline for an appeal is 2026-04-01." in body
    assert RATIONALE not in body  # the stewards' reasoning stays internal
    assert "Rita" not in body and check_text(case, body) == []

    to_reporter = fill_letter(LetterKind.DECISION_REPORTER, "en", case, audience=Audience.REPORTER, report=case.reports.get())
    assert to_reporter is not None
    assert "Outcome: Warning for 30 days, until 2026-04-01" in to_reporter.body
    # The reporter reads that they are protected, not an order not to contact themselves.
    assert "No-contact order: The decision orders the reported person not to contact you until 2026-04-01." in to_reporter.body
    assert "Rita" not in to_reporter.body

    # Changed on appeal: the letter tells what is in force now.
    appeal = do_file_appeal(Decision.objects.get(case=case), "reported", ["disproportionate"], "Too long.")
    do_decide_appeal(stewards["erin"], appeal, "changed", "Two weeks are enough.", "warning", 14)
    body = _to_reported(case)
    assert "Decision: Warning for 14 days, until 2026-03-16" in body
    assert "Do not contact the person who reported until 2026-03-16." in body


def test_a_decision_without_sanction_has_no_no_contact_order(stewards: dict[str, Any], committee_case: Any, clock: Any) -> None:
    case = committee_case()
    outcome = case.policy_version.policy.outcomes[0]
    votes(propose(case, stewards["alice"], outcome.code), stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    letter = fill_letter(LetterKind.DECISION_REPORTER, "en", case, audience=Audience.REPORTER, report=case.reports.get())
    assert letter is not None
    assert f"Outcome: {outcome.title}\n" in letter.body
    assert "No-contact order: None." in letter.body
