"""The demo's past: closed cases from the last half-year that has ended, and its published transparency report.

Built through the actions like the rest of the demo, then moved back in time (every timestamp of the case
shifted by the same amount), so the report has realistic figures: a few sanctions (one of them punitive,
a count small enough to be suppressed), decisions that are not sanctions, an appeal, and the times each
step took.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from cases.actions import InvolvedPerson, do_acknowledge, do_change_status, do_declare_conflict, do_send_message
from cases.models import Audience, Case, Channel, ConflictLevel, Message, PartyRole, Report, Status
from decisions.actions import ProposalInput, do_propose, do_vote, may_vote
from decisions.appeals import do_decide_appeal, do_file_appeal
from decisions.models import Appeal, AppellantRole, Decision, Ground, InformChoice, ResponseKind, Sanction
from decisions.records import do_record_inform, do_record_response
from intake.actions import Submission, do_submit_report
from people.models import Space
from policy.periods import Period, period_of
from transparency.actions import SignOff, do_draft_report, do_sign_off


@dataclass(frozen=True)
class PastCase:
    day: int  # days after the period's first day
    body: str
    handle: str
    space: str
    categories: tuple[str, ...]
    outcome: str  # a ladder level or a non-sanction outcome of the policy
    channel: str = Channel.WEB
    hours_to_acknowledge: int = 6
    days_to_reply: int = 2
    days_to_decide: int = 12
    appeal: str = ""  # an AppealOutcome value when the reported person appealed


PAST_CASES = [
    PastCase(9, "A reviewer called my pull request 'garbage written by a child' in front of the team.", "grumpyrev", "github",
             ("trolling-insults",), "correction"),
    PastCase(23, "He keeps sending me private messages after I asked him to stop, and comments on everything I post.", "dmflood",
             "slack", ("harassment",), "warning", channel=Channel.EMAIL, days_to_decide=20, appeal="upheld"),
    PastCase(38, "A heated argument about tabs and spaces; I felt talked down to.", "tabsforever", "github",
             ("trolling-insults",), "not-a-violation", hours_to_acknowledge=20),
    PastCase(57, "During the call someone made a joke about my accent; others laughed.", "callclown", "meetings",
             ("inappropriate-conduct",), "correction", days_to_reply=4),
    PastCase(81, "Someone on a different project's forum insulted me; they are not part of this community.", "elsewhere", "other",
             ("trolling-insults",), "out-of-scope", days_to_decide=5),
    PastCase(102, "At the booth a volunteer made remarks about my appearance.", "boothguy", "events",
             ("sexualized-language",), "correction", channel=Channel.EVENT, hours_to_acknowledge=2),
    PastCase(131, "A thread turned into personal attacks on the maintainer's politics.", "hotthread", "github",
             ("personal-political-attacks",), "not-a-violation", days_to_decide=9),
    PastCase(150, "Repeated sarcastic replies to newcomers' questions in #help.", "sarcasm42", "slack",
             ("trolling-insults",), "correction", hours_to_acknowledge=30, days_to_reply=6),
    PastCase(62, "A maintainer told a first-time contributor to 'learn to code before wasting our time'.", "gatekeeper",
             "github", ("trolling-insults",), "correction", channel=Channel.EMAIL, days_to_reply=3),
    PastCase(95, "Insults in a code review after a disagreement about the API design.", "apiwars", "github",
             ("trolling-insults",), "correction", hours_to_acknowledge=4),
    PastCase(118, "Off-colour jokes in the #random channel that made several people uncomfortable.", "jokester", "slack",
             ("sexualized-language",), "correction", days_to_decide=7),
    PastCase(166, "A heated but civil technical argument that the reporter found hostile.", "debater", "github",
             ("trolling-insults",), "not-a-violation", hours_to_acknowledge=12, days_to_decide=6),
]  # fmt: skip
REPORT_SUMMARY = (
    "Twelve incidents reached us this half-year, most of them on GitHub and Slack. Most were resolved with a "
    "correction; one appeal was heard and the decision stood. We acknowledged every report within two days."
)


def history_period(today: date | None = None) -> Period:
    """The last half-year that has ended."""
    return period_of(today or timezone.localdate(), 6).previous()


def _decide(case: Case, stewards: list[User], outcome: str) -> Decision:
    lead = stewards[0]
    policy = case.policy_version.policy
    reported = case.parties.get(role=PartyRole.REPORTED)
    data = ProposalInput(outcome=outcome, rationale="Reviewed the record and heard both sides.")
    do_record_inform(lead, case, InformChoice.YES, "They should know what was reported.")
    do_record_response(lead, case, reported, ResponseKind.RESPONSE, "They gave their side.")
    if outcome in {level.code for level in policy.ladder}:
        level = policy.level(outcome)
        reporter = case.parties.get(role=PartyRole.REPORTER)
        data = ProposalInput(
            outcome=outcome,
            target=reported,
            rationale="Reviewed the record and heard both sides.",
            period_days=30 if level.needs_period else None,
            protected_people=[reporter.person] if level.needs_no_contact else [],
        )
    proposal = do_propose(lead, case, data)
    for steward in stewards:
        proposal.refresh_from_db()
        if proposal.status == "open" and may_vote(steward, case):
            do_vote(steward, proposal, "yes")
    return Decision.objects.get(case=case)


def _move_back(case: Case, start: datetime, past: PastCase) -> None:
    """Every time of the case set as if it had happened from `start` on."""
    shift = timezone.now() - start
    acknowledged = start + timedelta(hours=past.hours_to_acknowledge)
    decided = start + timedelta(days=past.days_to_decide)
    Case.objects.filter(pk=case.pk).update(
        created_at=start, acknowledged_at=acknowledged, decided_at=decided, closed_at=decided + timedelta(days=2)
    )
    Report.objects.filter(case=case).update(submitted_at=start)
    Message.objects.filter(case=case).update(created_at=start + timedelta(days=past.days_to_reply))
    Decision.objects.filter(case=case).update(decided_at=decided)
    for sanction in Sanction.objects.filter(decision__case=case):
        Sanction.objects.filter(pk=sanction.pk).update(
            starts_at=sanction.starts_at - shift, ends_at=sanction.ends_at - shift if sanction.ends_at else None
        )
    Appeal.objects.filter(decision__case=case).update(filed_at=decided + timedelta(days=5), decided_at=decided + timedelta(days=9))


def build_history(stewards: list[User]) -> Period:
    period = history_period()
    lead = stewards[0]
    for past in PAST_CASES:
        receipt = do_submit_report(
            Submission(
                body=past.body,
                reporter_name="A community member",
                reporter_email=f"reporter-{past.handle}@example.net",
                involved_people=[InvolvedPerson(PartyRole.REPORTED, "", Space.GITHUB, past.handle)],
                space=past.space,
                categories=list(past.categories),
                channel=past.channel,
            )
        )
        case = Case.objects.get(code_name=receipt.case_code_name)
        for steward in stewards:
            do_declare_conflict(steward, case, ConflictLevel.SOFT if steward.username == "dana" and past.day > 100 else ConflictLevel.NONE)
        do_acknowledge(lead, case)
        do_send_message(lead, case, Audience.REPORTER, "Thank you for telling us. We are looking into it.", report=case.reports.first())
        decision = _decide(case, stewards, past.outcome)
        if past.appeal:
            appeal = do_file_appeal(decision, AppellantRole.REPORTED, [Ground.DISPROPORTIONATE], "I think this goes too far.")
            do_decide_appeal(stewards[4], appeal, past.appeal, "The decision was proportionate to what happened.")
        do_change_status(lead, case, Status.CLOSED)
        start = timezone.make_aware(datetime.combine(period.first_day + timedelta(days=past.day), time(10, 0)))
        _move_back(case, start, past)
    return period


def publish_history_report(stewards: list[User], period: Period) -> None:
    """Drafted by one steward, signed off by another: the demo's public transparency report."""
    report = do_draft_report(stewards[1], period.label, REPORT_SUMMARY)
    do_sign_off(stewards[2], report, SignOff(revision=report.revision))
