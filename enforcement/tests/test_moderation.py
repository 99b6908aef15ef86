"""Moderators' own actions: queued once for review, Steward's own actions recognised, and the review's three outcomes."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import Event
from cases.models import Channel, PartyRole
from enforcement.models import ActionStatus, EnforcementAction, ModeratorAction, Plan, ReviewStatus
from enforcement.moderation import OPEN_CASE, STANDS, UNDO, do_review_moderator_action, record_moderator_action
from people.actions import do_link_identity, person_for_identity
from people.models import Space
from spaces.base import ModeratorActionEvent
from spaces.models import SpaceConnection
from spaces.tests.helpers import hook_connection, sanctioned
from steward.testing import T0, text_of

pytestmark = pytest.mark.django_db


def blocked(subject: tuple[str, ...] = ("ivan-gh",), actor: tuple[str, ...] = ("mod-mary",), **fields: Any) -> ModeratorActionEvent:
    return ModeratorActionEvent("blocked", actor, subject, fields.pop("detail", "MOD-DETAIL spam"), **fields)


@pytest.fixture
def connection(monkeypatch: Any, clock: Any) -> SpaceConnection:
    return hook_connection(monkeypatch)


def test_an_action_is_queued_with_the_person_it_is_about(connection: SpaceConnection, stewards: Any) -> None:
    ivan = person_for_identity(Space.GITHUB, "ivan-gh")
    item = record_moderator_action(connection, blocked(subject=("9001", "ivan-gh"), at=T0), "del-1")
    assert item is not None
    assert (item.status, item.subject_person, item.subject, item.at, item.delivery_id) == (
        ReviewStatus.PENDING,
        ivan,
        "9001, ivan-gh",
        T0,
        "del-1",
    )
    event = Event.objects.get(kind="moderation.queued")
    assert "ivan" not in f"{event.summary} {event.data}" and "MOD-DETAIL" not in f"{event.summary} {event.data}"


def test_the_same_log_entry_read_twice_is_queued_once(connection: SpaceConnection) -> None:
    assert record_moderator_action(connection, blocked(at=T0)) is not None
    assert record_moderator_action(connection, blocked(at=T0)) is None
    assert record_moderator_action(connection, blocked(subject=("other",), at=T0)) is not None
    assert ModeratorAction.objects.count() == 2


def test_stewards_are_told_except_the_one_it_is_about(
    connection: SpaceConnection, stewards: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        record_moderator_action(connection, blocked(subject=("carol",)))  # carol's GitHub handle (the personas)
    recipients = sorted(rcpt for rcpts, _ in smtp.mails for rcpt in rcpts)
    assert recipients == ["alice@example.org", "bob@example.org", "dave@example.org", "erin@example.org"]
    body = text_of(smtp.mails[0][1])
    assert "/enforcement/review/moderator-actions/" in body and "carol" not in body.lower() and "MOD-DETAIL" not in body


def _steward_action(made: Any, connection: SpaceConnection, status: str, **fields: Any) -> EnforcementAction:
    plan, _ = Plan.objects.get_or_create(sanction=made.sanction, defaults={"case": made.case, "decision": made.sanction.decision})
    return EnforcementAction.objects.create(plan=plan, connection=connection, op="block", subject="Ivan-GH", status=status, **fields)


@pytest.mark.parametrize(
    ("status", "fields"),
    [
        (ActionStatus.APPLIED, {"applied_at": T0 - timedelta(minutes=2)}),
        (ActionStatus.REVERTED, {"reverted_at": T0 - timedelta(minutes=1)}),
        (ActionStatus.RUNNING, {"lease_until": T0 + timedelta(minutes=5)}),
    ],
)
def test_an_action_steward_itself_just_made_is_not_queued(
    connection: SpaceConnection, stewards: Any, status: str, fields: dict[str, Any]
) -> None:
    made = sanctioned(stewards)
    _steward_action(made, connection, status, **fields)
    assert record_moderator_action(connection, blocked(at=T0)) is None
    assert not ModeratorAction.objects.exists()


def test_an_old_steward_action_does_not_hide_a_new_block(connection: SpaceConnection, stewards: Any) -> None:
    made = sanctioned(stewards)
    _steward_action(made, connection, ActionStatus.APPLIED, applied_at=T0 - timedelta(days=3))
    assert record_moderator_action(connection, blocked(at=T0)) is not None


def test_review_outcomes(connection: SpaceConnection, stewards: Any) -> None:
    first = record_moderator_action(connection, blocked(subject=("one",)))
    second = record_moderator_action(connection, blocked(subject=("two",)))
    assert first is not None and second is not None
    reviewed = do_review_moderator_action(stewards["dave"], first, STANDS)
    assert (reviewed.status, reviewed.reviewed_by, reviewed.case) == (ReviewStatus.ACCEPTED, stewards["dave"], None)
    with pytest.raises(ValidationError, match="reviewed already"):
        do_review_moderator_action(stewards["erin"], first, UNDO, "no")
    with pytest.raises(ValidationError, match="Say why"):
        do_review_moderator_action(stewards["erin"], second, UNDO, "  ")
    undone = do_review_moderator_action(stewards["erin"], second, UNDO, "Too harsh for a first post: unblock.")
    assert (undone.status, undone.review_note) == (ReviewStatus.OVERTURNED, "Too harsh for a first post: unblock.")
    assert Event.objects.filter(kind="moderation.reviewed").count() == 2


def test_opening_a_case_names_the_affected_person_and_who_took_it(connection: SpaceConnection, stewards: Any) -> None:
    ivan = person_for_identity(Space.GITHUB, "ivan-gh")
    do_link_identity(None, ivan, Space.GITHUB, "9001")
    item = record_moderator_action(connection, blocked(subject=("9001",), at=T0))
    assert item is not None
    reviewed = do_review_moderator_action(stewards["dave"], item, OPEN_CASE, "Third block this month.")
    case = reviewed.case
    assert case is not None and reviewed.status == ReviewStatus.CASE_OPENED
    report = case.reports.get()
    assert (report.channel, report.taken_by) == (Channel.SPACE, stewards["dave"])
    assert "blocked" in report.body and "MOD-DETAIL spam" in report.body and "Third block this month." in report.body
    assert case.parties.get(role=PartyRole.REPORTED).person == ivan
    assert Event.objects.get(kind="moderation.reviewed").case_id == case.pk


def test_a_steward_does_not_review_their_own_action_or_one_about_them(connection: SpaceConnection, stewards: Any) -> None:
    by_bob = record_moderator_action(connection, blocked(actor=("bob",), subject=("x",)))
    about_bob = record_moderator_action(connection, blocked(subject=("BOB",)))
    assert by_bob is not None and about_bob is not None
    with pytest.raises(ValidationError, match="took this action yourself"):
        do_review_moderator_action(stewards["bob"], by_bob, STANDS)
    with pytest.raises(ValidationError, match="about you"):
        do_review_moderator_action(stewards["bob"], about_bob, STANDS)
    assert do_review_moderator_action(stewards["carol"], by_bob, STANDS).status == ReviewStatus.ACCEPTED
    assert ModeratorAction.objects.get(pk=about_bob.pk).reviewed_at is None
    assert timezone.now() == T0
