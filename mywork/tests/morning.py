"""A steward's morning, made through the actions: one waiting item of each kind for `bob`.

Case `busy` waits for bob in five ways (to acknowledge, a proposal to vote on, a letter to approve, a reporter's
new message, an overdue clock); carol declared a hard conflict on it, so none of it may reach her. Case `decided`
has an appeal bob and carol may decide; `fresh` waits for their declarations. A screening flag and a moderator's
block wait too. Used by the page tests and the browser test.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from cases.actions import InvolvedPerson, do_acknowledge, do_declare_conflict, do_reporter_reply, do_send_message
from cases.models import Audience, Case, ConflictLevel, Message, PartyRole, Report
from decisions.actions import ProposalInput, do_propose, do_vote
from decisions.appeals import do_file_appeal
from decisions.models import Appeal, Ground, InformChoice, Proposal, ResponseKind
from decisions.records import do_record_inform, do_record_response
from enforcement.models import ModeratorAction
from enforcement.moderation import record_moderator_action
from intake.actions import Submission, do_submit_report
from people.models import Space
from policy.periods import period_of
from screening.models import Flag
from screening.tests.flagging import flag, github
from spaces.base import ModeratorActionEvent
from spaces.tests.helpers import hook_connection
from transparency.actions import do_draft_report
from transparency.models import TransparencyReport

BUSY_BODY = "MORNING-BUSY-BODY the maintainer shouted at me in the review"
REPLY = "MORNING-REPLY I have one more screenshot"


@dataclass
class Morning:
    busy: Case
    decided: Case
    fresh: Case
    proposal: Proposal
    letter: Message
    appeal: Appeal
    flag: Flag
    moderation: ModeratorAction
    transparency: TransparencyReport


def _report(body: str, handle: str) -> Case:
    receipt = do_submit_report(
        Submission(body=body, anonymous=True, involved_people=[InvolvedPerson(PartyRole.REPORTED, "", Space.GITHUB, handle)])
    )
    return Case.objects.get(code_name=receipt.case_code_name)


def make_morning(stewards: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Morning:
    bob, carol, dave = stewards["bob"], stewards["carol"], stewards["dave"]
    # Opened a month ago and never acknowledged: its acknowledgement clock has long run out.
    with time_machine.travel(timezone.now() - timedelta(days=30), tick=True):
        busy = _report(BUSY_BODY, "ivan-gh")
    for steward, level in ((dave, ConflictLevel.NONE), (bob, ConflictLevel.NONE), (carol, ConflictLevel.HARD)):
        do_declare_conflict(steward, busy, level)
    reported = busy.parties.get(role=PartyRole.REPORTED)
    proposal = do_propose(dave, busy, ProposalInput(outcome="correction", target=reported, rationale="One rude remark."))
    do_vote(dave, proposal, "yes")  # bob has not voted: it stays open for him
    letter = do_send_message(dave, busy, Audience.REPORTED, "We received a report about a review comment of yours.", party=reported)
    do_reporter_reply(Report.objects.get(case=busy), REPLY, [])

    decided = _report("MORNING-DECIDED-BODY rude remark in chat", "gus-gh")
    do_declare_conflict(dave, decided, ConflictLevel.NONE)
    do_acknowledge(dave, decided)
    target = decided.parties.get(role=PartyRole.REPORTED)
    do_record_inform(dave, decided, InformChoice.YES, "No risk in telling them.")
    do_record_response(dave, decided, target, ResponseKind.DECLINED)
    passed = do_propose(dave, decided, ProposalInput(outcome="correction", target=target, rationale="A rude remark."))
    do_vote(dave, passed, "yes")
    # Declared after the vote: bob and carol took no part in the decision, so either may decide the appeal.
    do_declare_conflict(bob, decided, ConflictLevel.NONE)
    do_declare_conflict(carol, decided, ConflictLevel.NONE)
    appeal = do_file_appeal(passed.decision, "reported", [Ground.DISPROPORTIONATE], "Too harsh for one remark.")

    fresh = _report("MORNING-FRESH-BODY spam in the forum", "spam-gh")

    made_flag = flag(github(monkeypatch), "morning-1", author="troll-gh", addressed="rita-gh")
    moderation = record_moderator_action(
        hook_connection(monkeypatch), ModeratorActionEvent("blocked", ("mod-mary",), ("noisy-gh",), "spam", timezone.now())
    )
    assert moderation is not None
    # Drafted by carol: bob is the second steward who may sign it off.
    draft = do_draft_report(carol, period_of(timezone.localdate(), 6).previous().label)
    return Morning(busy, decided, fresh, proposal, letter, appeal, made_flag, moderation, draft)
