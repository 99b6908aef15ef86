"""The benchmark's sample: stewards and a few hundred cases built only through the app's actions.

Every table then has the shapes real use gives it (encrypted reports, parties through person records,
declarations and the quorum guard, notes, threads, letters through the outbox, votes and decisions,
audit events); copies.py multiplies them. The mix (shares of statuses, risks, conflicts) is in MIX.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from cases.access import Need, may
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
from cases.models import Audience, Case, ConflictLevel, NoteKind, PartyRole, Status
from decisions.actions import ProposalInput, do_propose, do_vote, may_vote
from decisions.models import InformChoice, ResponseKind
from decisions.records import do_record_inform, do_record_response
from intake.actions import Submission, do_submit_report
from letters.actions import do_approve_message
from people.actions import do_create_steward, do_link_identity
from people.models import Space
from screening.pipeline import score_pending
from spaces.models import SpaceConnection
from steward.demo import DECISIONS
from steward.demo_screening import read_sample

PREFIX = "bench-"  # every benchmark steward's user name starts with this (the refusal guard looks for others)
PASSWORD = "benchmark-steward-password"

# Shares, each drawn independently per sample case (copies keep them: they pick templates at random).
MIX: dict[str, Any] = {
    "status": {Status.NEW: 20, Status.ACKNOWLEDGED: 15, Status.INVESTIGATING: 25, Status.DECIDED: 10, Status.CLOSED: 30},
    "risk": {"unknown": 30, "none": 20, "low": 25, "medium": 18, "high": 7},
    "level": {ConflictLevel.NONE: 85, ConflictLevel.SOFT: 10, ConflictLevel.HARD: 5},
    "anonymous": 0.25,
    "steward_is_party": 0.03,  # a steward named as the reported person: hard-conflicted automatically
    "excludes_steward": 0.04,  # the reporter keeps one steward away
    "witness": 0.15,
    "held": 0.01,
}
SPACES = [Space.GITHUB, Space.SLACK, Space.DISCORD, Space.DISCOURSE]
CATEGORIES = ["harassment", "trolling-insults", "sexualized-language", "private-information"]
BODIES = [
    "In a review thread {who} called my patch garbage and told me to quit the project. It is the third time this month.",
    "{who} keeps sending me direct messages after I asked them to stop, and now replies to every issue I open.",
    "During the community call {who} mocked a speaker's accent twice, after being asked to stop.",
    "{who} posted another contributor's home town and employer in the forum after an argument about a feature.",
    "Jokes with sexual content in the help channel by {who}, after two moderators asked for it to end.",
]


def pick(rng: random.Random, shares: dict[Any, int]) -> Any:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def create_stewards(count: int) -> list[User]:
    """bench-s01 (an admin, who declares on most cases) .. bench-sNN; the last one never declares anything."""
    users = []
    for n in range(1, count + 1):
        name = f"{PREFIX}s{n:02d}"
        profile = do_create_steward(
            None, username=name, email=f"{name}@stewards.example.org", public_name=f"Bench Steward {n:02d}", is_admin=n == 1
        )
        do_link_identity(None, profile.person, Space.GITHUB, name)
        users.append(profile.user)
    # One real password hash for all (hashing costs ~0.3 s each): an operator can sign in to look around.
    users[0].set_password(PASSWORD)
    users[0].save(update_fields=["password"])
    User.objects.filter(pk__in=[u.pk for u in users]).update(password=users[0].password)
    return users


def newcomer(stewards: list[User]) -> User:
    """The steward who has declared nothing: every case is in their undeclared list."""
    return stewards[-1]


@dataclass
class SampleCase:
    case: Case
    participants: list[User]


def build_case(rng: random.Random, stewards: list[User], n: int) -> SampleCase:
    who_steward = rng.random() < MIX["steward_is_party"]
    target = rng.choice(stewards[:-1]) if who_steward else None
    space = rng.choice(SPACES)
    handle = target.get_username() if target else f"user{n:05d}-{space}"
    anonymous = rng.random() < MIX["anonymous"]
    involved = [InvolvedPerson(PartyRole.REPORTED, "", Space.GITHUB if target else space, handle)]
    if rng.random() < MIX["witness"]:
        involved.append(InvolvedPerson(PartyRole.WITNESS, f"Witness {n}", Space.EMAIL, f"witness{n}@example.org"))
    excluded = [rng.choice(stewards[1:-1]).pk] if len(stewards) > 2 and rng.random() < MIX["excludes_steward"] else []
    submission = Submission(
        body=rng.choice(BODIES).format(who=f"@{handle}"),
        anonymous=anonymous,
        reporter_name="" if anonymous else f"Reporter {n}",
        reporter_email="" if anonymous else f"reporter{n}@example.net",
        involved=f"@{handle}",
        involved_people=involved,
        space=rng.choice(["github", "slack", "meetings", "other"]),
        ongoing=rng.choice(["yes", "no", "unknown"]),
        categories=rng.sample(CATEGORIES, rng.randint(1, 2)),
        excluded_steward_ids=excluded,
    )
    receipt = do_submit_report(submission, held_as_possible_flood=rng.random() < MIX["held"])
    case = Case.objects.get(code_name=receipt.case_code_name)
    # bench-s01 reads most cases (the busy queue); a handful of others each; the last steward nothing.
    others = rng.sample(stewards[1:-1], min(len(stewards) - 2, rng.randint(3, 8)))
    participants = ([stewards[0]] if rng.random() < 0.9 else []) + others
    for steward in participants:
        if may(steward, case, Need.CODE_NAME):
            do_declare_conflict(steward, case, pick(rng, MIX["level"]))
    deciders = [s for s in participants if may(s, case, Need.DECIDE)]
    readers = [s for s in participants if may(s, case, Need.WRITE)]
    if deciders:
        _work(rng, case, deciders, readers, pick(rng, MIX["status"]))
    return SampleCase(case, participants)


def _try(action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A sample case may not allow a step (no reporter to write to, a rule of the policy): it is skipped."""
    try:
        return action(*args, **kwargs)
    except ValidationError:
        return None


def _work(rng: random.Random, case: Case, deciders: list[User], readers: list[User], status: str) -> None:
    lead = deciders[0]
    if status == Status.NEW:
        return
    do_acknowledge(lead, case)
    do_assign_shepherd(lead, case, lead)
    do_update_triage(lead, case, {"safety_risk": pick(rng, MIX["risk"]), "in_scope": rng.choice(["yes", "maybe"])})
    for _ in range(rng.randint(0, 3)):
        do_add_note(rng.choice(readers), case, "Read the thread again; the remarks are still visible. Two earlier ones too.", NoteKind.NOTE)
    report = case.reports.first()
    if report is not None and report.reporter_email and rng.random() < 0.7:
        _try(do_send_message, lead, case, Audience.REPORTER, "Thank you for reporting this; we are looking into it.", report=report)
    if status in (Status.INVESTIGATING, Status.DECIDED, Status.CLOSED):
        _try(do_change_status, lead, case, Status.INVESTIGATING)
    if status == Status.DECIDED and len(deciders) >= 2:
        decide(case, deciders)
    elif status == Status.CLOSED:
        _try(do_change_status, lead, case, Status.CLOSED)


def decide(case: Case, deciders: list[User]) -> None:
    """Inform, response, a letter to the reported person (approved by a second steward), proposal, votes."""
    lead = deciders[0]
    reported = case.parties.filter(role=PartyRole.REPORTED).first()
    reporter = case.parties.filter(role=PartyRole.REPORTER).first()
    if reported is None:
        return
    _try(do_record_inform, lead, case, InformChoice.YES, "No safety concern in telling them.")
    _try(do_record_response, lead, case, reported, ResponseKind.RESPONSE, "They said they did not realise how it came across.")
    letter(case, lead, deciders[1], reported)
    protected = [reporter.person] if reporter is not None else []
    proposal = _try(
        do_propose, lead, case, ProposalInput(outcome="warning", target=reported, protected_people=protected, **DECISIONS["warning"])
    )
    for steward in deciders if proposal is not None else []:
        proposal.refresh_from_db()
        if proposal.status == "open" and may_vote(steward, case):
            do_vote(steward, proposal, "yes")


def letter(case: Case, author: User, approver: User, party: Any) -> None:
    body = "We received a report about your conduct in the project's spaces and would like to hear your side."
    message = _try(do_send_message, author, case, Audience.REPORTED, body, party=party)
    if message is not None:
        _try(do_approve_message, approver, case, message.pk)


def build_long_case(rng: random.Random, stewards: list[User], n: int, events: int) -> Case:
    """A case with about `events` timeline events: notes, replies and letters over a long investigation."""
    from audit.models import Event

    sample = build_case(rng, stewards, n)
    case = sample.case
    deciders = [s for s in stewards[:-1] if may(s, case, Need.DECIDE)]
    if len(deciders) < 2:
        for steward in stewards[:-1]:
            if may(steward, case, Need.CODE_NAME) and not case.declarations.filter(steward=steward).exists():
                do_declare_conflict(steward, case, ConflictLevel.NONE)
        deciders = [s for s in stewards[:-1] if may(s, case, Need.DECIDE)]
    reported = case.parties.filter(role=PartyRole.REPORTED).first()
    report = case.reports.first()
    step = 0
    while Event.objects.filter(case_id=case.pk).count() < events:
        step += 1
        author = deciders[step % len(deciders)]
        do_add_note(author, case, f"Interview {step}: went through the log of that week again.", NoteKind.INTERVIEW)
        if report is not None and report.reporter_email:
            _try(do_send_message, author, case, Audience.REPORTER, f"Update {step}: we are still working on your report.", report=report)
        if reported is not None and step % 3 == 0:
            letter(case, author, deciders[(step + 1) % len(deciders)], reported)
    return case


def screen_items(copies: int) -> None:
    """Content read from a benchmark space and scored by the shipped model: the flag queue's sample."""
    connection, _ = SpaceConnection.objects.get_or_create(
        slug="bench-github", defaults={"platform": "github", "title": "Benchmark GitHub", "settings": {"org": "bench"}, "watch": True}
    )
    for round_ in range(copies):
        suffix = str(round_)
        read_sample(connection, id_prefix=f"bench:{round_}:", repo_url="https://github.com/bench/repo", thread="bench/repo", suffix=suffix)
    score_pending()
    connection.watch = False
    connection.save(update_fields=["watch"])
