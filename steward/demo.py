"""A realistic demo community: five stewards and cases in every state, built only through the actions.

Going through the same do_* functions as the app means the demo also exercises the audit chain,
the recusal rules and the quorum guard exactly as real use would.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from cases.actions import (
    InvolvedPerson,
    do_acknowledge,
    do_add_note,
    do_assign_shepherd,
    do_change_status,
    do_declare_conflict,
    do_send_message,
    do_update_triage,
)
from cases.models import Audience, Case, ConflictLevel, NoteKind, PartyRole, Report, Status
from decisions.actions import ProposalInput, do_propose, do_vote, may_vote
from decisions.models import InformChoice, ResponseKind
from decisions.records import do_record_inform, do_record_response
from intake.actions import Submission, do_submit_report
from people.actions import do_create_steward, do_link_identity
from people.models import Space
from spaces.models import SpaceConnection
from steward.demo_history import build_history, publish_history_report
from steward.demo_screening import screen_sample_content

DEMO_PASSWORD = "steward-demo-password"
STEWARDS = [
    ("amara", "Amara Okafor", True, "amara-o"),
    ("bruno", "Bruno Silva", False, "brunosilva"),
    ("chen", "Chen Wei", False, "chenwei-dev"),
    ("dana", "Dana Levi", False, "dlevi"),
    ("emil", "Emil Novak", False, "enovak"),
]


@dataclass
class DemoCase:
    submission: Submission
    triage: dict[str, object] = field(default_factory=dict)
    status: str = Status.NEW
    notes: list[str] = field(default_factory=list)
    reply: str = ""
    age_days: int = 0
    outcome: str = "warning"  # for decided cases: the level the committee votes for; for closed ones, how it ended
    other_identities: list[tuple[str, str]] = field(default_factory=list)  # more accounts of the reported person


DEMO_CASES = [
    DemoCase(
        Submission(
            body="In the review of PR #482 on the inference-server repo, @tokenstorm wrote that my patch was "
            "'what you'd expect from a diversity hire' and told me to 'go back to making slides'. "
            "Two other reviewers reacted with a thumbs-up. This is the third time he has commented on my PRs like this.",
            reporter_name="Priya N.",
            reporter_email="priya@example.net",
            involved="@tokenstorm on GitHub",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "", Space.GITHUB, "tokenstorm")],
            space="github",
            link="https://github.com/example/inference-server/pull/482",
            ongoing="yes",
            categories=["trolling-insults", "harassment"],
            relation="We both contribute to the same repository.",
        ),
        triage={"safety_risk": "medium", "ongoing_harassment": "yes", "in_scope": "yes"},
        status=Status.INVESTIGATING,
        notes=["Checked the PR: the comments are still visible. Two earlier PRs by the reporter have similar remarks."],
        reply="Thank you for reporting this. We have read the review thread and are looking into the earlier comments you mention.",
        age_days=6,
    ),
    DemoCase(
        Submission(
            body="Someone in the #general Slack channel keeps posting memes with sexual jokes after being asked to stop.",
            anonymous=True,
            involved="a user called 'nightowl' on Slack",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "", Space.SLACK, "nightowl")],
            space="slack",
            ongoing="yes",
            categories=["sexualized-language"],
        ),
        triage={"safety_risk": "low"},
        status=Status.ACKNOWLEDGED,
        age_days=2,
    ),
    DemoCase(
        Submission(
            body="A forum member posted my home address in a thread about the meetup after I declined to share it.",
            reporter_name="Sam",
            reporter_other_contact="Discourse: @sam_k",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "", Space.DISCOURSE, "quietstorm")],
            space="other",
            safety_concern="They know where I live and have been hostile before.",
            categories=["private-information"],
        ),
        age_days=0,
    ),
    DemoCase(
        Submission(
            body="During the community call, a participant repeatedly interrupted and mocked the speaker's accent.",
            reporter_name="Jordan",
            reporter_email="jordan@example.com",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Mike R.", Space.EMAIL, "mike.r@example.com")],
            space="meetings",
            categories=["trolling-insults"],
        ),
        triage={"safety_risk": "none", "in_scope": "yes"},
        status=Status.DECIDED,
        notes=["Recording reviewed. The mocking happened twice, both times after being asked to stop."],
        age_days=21,
    ),
    DemoCase(
        Submission(
            body="An off-topic political rant in the Slack #help channel, aimed at nobody in particular.",
            on_file_only=True,
            anonymous=True,
            space="slack",
        ),
        triage={"in_scope": "maybe", "safety_risk": "none"},
        status=Status.CLOSED,
        outcome="out-of-scope",
        age_days=40,
    ),
    DemoCase(
        Submission(
            body="After I closed his feature request, vexlord started replying to every issue I open on GitHub, "
            "sent me a string of insulting DMs on Discord and posted about me in the Slack #random channel. "
            "I asked him twice to stop. Screenshots are in the thread he started.",
            reporter_name="Noor A.",
            reporter_email="noor@example.net",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "", Space.GITHUB, "vexlord")],
            space="github",
            ongoing="yes",
            categories=["harassment", "trolling-insults"],
        ),
        triage={"safety_risk": "medium", "ongoing_harassment": "yes", "in_scope": "yes"},
        status=Status.DECIDED,
        notes=["All three accounts are his (same avatar, he links them in his profile). It continued after the first request to stop."],
        age_days=9,
        outcome="temporary-ban",
        # The same person's accounts elsewhere: the plan acts in every space (GitHub block, Slack, Discord ban).
        other_identities=[(Space.DISCORD, "448201977310208011"), (Space.SLACK, "U07VEXLORD")],
    ),
    DemoCase(
        Submission(
            body="Bruno was dismissive of my question in the mentoring session and called it 'lazy'.",
            reporter_name="Lee",
            reporter_email="lee@example.org",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Bruno", Space.GITHUB, "brunosilva")],
            categories=["trolling-insults"],
        ),
        age_days=1,
    ),
]


DECISIONS: dict[str, dict[str, Any]] = {
    "warning": {
        "period_days": 30,
        "conditions_for_return": "No contact with the speaker for 30 days; a private apology was offered.",
        "rationale": "Mocking a speaker's accent twice after being asked to stop: a single incident with clear impact.",
    },
    "temporary-ban": {
        "period_days": 30,
        "conditions_for_return": "No contact with the reporter; a written commitment to the code of conduct before returning.",
        "rationale": "Sustained harassment across three spaces, continuing after two requests to stop.",
        "skip_reason": "Harassment across several spaces after repeated requests to stop; a warning would not protect the reporter.",
    },
}


def _decide(case: Case, stewards: list[User], outcome: str) -> None:
    """The committee's full path to a sanction: inform, response, proposal, votes (the rule passes it)."""
    lead = stewards[0]
    reported = case.parties.get(role=PartyRole.REPORTED)
    reporter = case.parties.get(role=PartyRole.REPORTER)
    do_record_inform(lead, case, InformChoice.YES, "No safety concern in telling them; they should know what was seen.")
    do_record_response(lead, case, reported, ResponseKind.RESPONSE, "They apologised and said they did not realise how it came across.")
    proposal = do_propose(
        lead, case, ProposalInput(outcome=outcome, target=reported, protected_people=[reporter.person], **DECISIONS[outcome])
    )
    for steward in stewards:
        proposal.refresh_from_db()
        if proposal.status == "open" and may_vote(steward, case):
            do_vote(steward, proposal, "yes")


def _connect_spaces() -> None:
    """The spaces an admin has connected. Their credentials are not set in the demo (see docs/spaces.md),
    so a plan approved here stops with a clear "not configured" reason instead of reaching any platform."""
    for slug, platform, title, settings in [
        ("alliance-github", "github", "AI Alliance on GitHub", {"org": "ai-alliance-demo"}),
        ("alliance-slack", "slack", "AI Alliance Slack", {"team_id": "T0DEMO"}),
        ("alliance-discord", "discord", "AI Alliance Discord", {"guild_id": "1100000000000000000"}),
        ("alliance-forum", "discourse", "AI Alliance forum", {"base_url": "https://forum.example.org"}),
        (
            "alliance-lists",
            "mailman",
            "AI Alliance mailing lists",
            {"api_url": "http://localhost:8001/3.1", "lists": ["dev.lists.example.org"]},
        ),
    ]:
        # Not watched: with no credentials, every poll would only log that they are missing.
        SpaceConnection.objects.get_or_create(
            slug=slug, defaults={"platform": platform, "title": title, "settings": settings, "watch": False}
        )


def demo_loaded() -> bool:
    return User.objects.filter(username=STEWARDS[0][0]).exists()


@transaction.atomic
def load_demo(*, publish_report: bool = True) -> list[User]:
    """The demo community; with `publish_report`, its last ended half-year's transparency report is public."""
    stewards = []
    for username, name, admin, github in STEWARDS:
        profile = do_create_steward(
            None, username=username, email=f"{username}@stewards.example.org", public_name=name, password=DEMO_PASSWORD, is_admin=admin
        )
        do_link_identity(None, profile.person, Space.GITHUB, github)
        stewards.append(profile.user)
    _connect_spaces()
    for demo in DEMO_CASES:
        _build_case(demo, stewards)
    screen_sample_content()
    period = build_history(stewards)
    if publish_report:
        publish_history_report(stewards, period)
    return stewards


def _build_case(demo: DemoCase, stewards: list[User]) -> None:
    receipt = do_submit_report(demo.submission)
    case = Case.objects.get(code_name=receipt.case_code_name)
    for space, handle in demo.other_identities:
        do_link_identity(None, case.parties.get(role=PartyRole.REPORTED).person, space, handle)
    for steward in stewards:
        if steward.username == "emil":
            continue  # Emil has just joined: he sees code names until he declares
        involved = Case.objects.filter(pk=case.pk, parties__person=steward.steward_profile.person).exists()
        if not involved:
            do_declare_conflict(
                steward, case, ConflictLevel.SOFT if steward.username == "dana" and demo.age_days > 20 else ConflictLevel.NONE
            )
    lead = stewards[0]
    if demo.status != Status.NEW:
        do_acknowledge(lead, case)
        do_assign_shepherd(lead, case, stewards[2])
    if demo.triage:
        do_update_triage(lead, case, demo.triage)
    for note in demo.notes:
        do_add_note(stewards[2], case, note, NoteKind.NOTE)
    if demo.reply:
        report = Report.objects.filter(case=case).first()
        do_send_message(stewards[2], case, Audience.REPORTER, demo.reply, report=report)
    path = {
        Status.INVESTIGATING: [Status.INVESTIGATING],
        Status.DECIDED: [Status.INVESTIGATING],  # then the vote decides it
        Status.CLOSED: [Status.CLOSED],
    }.get(Status(demo.status), [])
    for status in path:
        do_change_status(lead, case, status, outcome=demo.outcome if status == Status.CLOSED else "")
    if demo.status == Status.DECIDED:
        _decide(case, stewards, demo.outcome)
    created = case.created_at - timedelta(days=demo.age_days)
    Case.objects.filter(pk=case.pk).update(created_at=created)
