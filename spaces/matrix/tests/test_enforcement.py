"""A committee's decision carried out in Matrix rooms by the enforcement executor, against the real Synapse: a
decided Temporary Ban bans in both rooms and redacts the person's recent messages, is lifted on time, and a ban a
moderator lifts in their client is noticed by the drift check. The notices to the person go through the same
leak check as every platform's."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from cases.actions import InvolvedPerson, do_declare_conflict
from cases.models import Case, PartyRole
from decisions.models import Sanction, SanctionStatus
from decisions.tests.conftest import COMMITTEE, make_ready, propose, votes
from enforcement.actions import NewAction, do_add_action, do_approve_plan, do_moderate_content, do_record_notice, do_remove_action
from enforcement.executor import run_action
from enforcement.models import ActionStatus, EnforcementAction, Notice, NoticeStatus, Plan, PlanStatus, PlatformNotice
from enforcement.platform_notices import notify_applied
from enforcement.schedule import sweep
from enforcement.tasks import end_enforcement_action
from enforcement.tests.notice_helpers import policy_with
from enforcement.tests.test_faults import crash_then_recover, run_worker
from intake.actions import Submission, do_submit_report
from people.models import Space
from spaces.base import Op
from spaces.matrix.client import q

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "Slurs aimed at another contributor."


def worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def handle(account: Any) -> str:
    return account.user_id.lstrip("@").casefold()


def say(community: Any, account: Any, room: str, text: str) -> str:
    return community.as_(account).send(room, "m.room.message", {"msgtype": "m.text", "body": text}, f"t-{text}-{room}")


def decided_ban(stewards: dict[str, Any], community: Any) -> tuple[Case, Sanction, Plan]:
    """A Temporary Ban decided by a real vote on Alice, whose Matrix identity is her user id."""
    receipt = do_submit_report(
        Submission(
            body="Alice kept insulting me in #general.",
            reporter_name="Rita Reporter",
            reporter_email="rita@example.net",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Alice", Space.MATRIX, community.alice.user_id)],
        )
    )
    case = Case.objects.get(code_name=receipt.case_code_name)
    for name in COMMITTEE:
        do_declare_conflict(stewards[name], case, "none")
    make_ready(case, stewards["alice"])
    proposal = propose(case, stewards["alice"], "temporary-ban", skip_reason="Sustained harassment after private requests to stop.")
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    sanction = Sanction.objects.get(decision__case=case)
    return case, sanction, Plan.objects.get(sanction=sanction)


def in_force(stewards: dict[str, Any], matrix: Any, community: Any) -> tuple[Case, Sanction, Plan, EnforcementAction]:
    """The decided ban, with the person's last day of messages redacted (a steward's choice on the plan), applied."""
    case, sanction, plan = decided_ban(stewards, community)
    [planned] = plan.actions.all()
    assert (planned.op, planned.subject) == (Op.BAN, handle(community.alice))
    do_remove_action(stewards["bob"], case, planned.pk)
    action = do_add_action(
        stewards["bob"],
        case,
        plan.pk,
        NewAction(matrix.connection.pk, Op.BAN, identity_id=planned.identity_id, params={"redact_recent_hours": 24}),
    )
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.WAIVED, "The harassment is ongoing; it cannot wait.")
    worker()
    plan.refresh_from_db()
    action.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and action.status == ActionStatus.APPLIED, action.receipts.last().detail
    return case, sanction, plan, action


def membership(community: Any, room: str) -> str:
    return community.as_(community.owner).membership(room, community.alice.user_id)


def timeline(community: Any, room: str, kind: str) -> list[dict[str, Any]]:
    return [event for event in community.as_(community.owner).messages(room, start=None, limit=200)["chunk"] if event["type"] == kind]


def bans_of(community: Any, room: str) -> list[dict[str, Any]]:
    members = timeline(community, room, "m.room.member")
    return [event for event in members if event["state_key"] == community.alice.user_id and event["content"]["membership"] == "ban"]


def redactions_of(community: Any, room: str, event_id: str) -> list[dict[str, Any]]:
    return [event for event in timeline(community, room, "m.room.redaction") if event.get("redacts") == event_id]


def notice_room(bot: Any, community: Any) -> str:
    direct = bot._call("GET", f"/_matrix/client/v3/user/{q(community.bot.user_id)}/account_data/m.direct", "reading")
    [room] = direct[community.alice.user_id]
    return q(room)


def test_a_temporary_ban_bans_in_both_rooms_redacts_and_is_lifted_on_time(stewards, matrix, community):
    general, dev = community.rooms
    hers = [say(community, community.alice, general, "first insult"), say(community, community.alice, dev, "second insult")]
    _case, sanction, plan, action = in_force(stewards, matrix, community)

    assert [membership(community, room) for room in community.rooms] == ["ban", "ban"]
    for room, event_id in zip(community.rooms, hers, strict=True):
        assert community.as_(community.owner).event(room, event_id)["content"] == {}
    assert action.state["banned"] == list(community.rooms) and action.state["redacted"] == 2
    assert "Steward lifts it on" in action.receipts.last().detail

    with time_machine.travel(sanction.ends_at - timedelta(minutes=1)):
        worker()
        assert membership(community, general) == "ban", "not a minute early"
    with time_machine.travel(sanction.ends_at + timedelta(seconds=1)):
        worker()
    assert [membership(community, room) for room in community.rooms] == ["leave", "leave"]
    action.refresh_from_db()
    plan.refresh_from_db()
    sanction.refresh_from_db()
    assert action.status == ActionStatus.REVERTED
    assert plan.status == PlanStatus.ENDED and sanction.status == SanctionStatus.LIFTED


def test_a_ban_lifted_by_hand_in_a_client_is_drift(stewards, matrix, community, mailoutbox):
    _, dev = community.rooms
    _case, _sanction, _plan, action = in_force(stewards, matrix, community)
    community.as_(community.moderator).unban(dev, community.alice.user_id, "They said sorry to me.")
    with time_machine.travel(timedelta(hours=25)):
        assert sweep()["verified"] == 1
    action.refresh_from_db()
    assert action.drifted_at is not None and action.status == ActionStatus.APPLIED
    assert dev in action.receipts.last().detail and "not banned" in action.receipts.last().detail
    assert any("undone outside Steward" in mail.subject for mail in mailoutbox)


def test_the_author_of_a_redacted_message_gets_one_direct_message(stewards, matrix, community):
    general, _ = community.rooms
    policy_with("notify_on_platform: true")
    event_id = say(community, community.alice, general, "something vile")
    action = do_moderate_content(
        stewards["alice"], matrix.connection, Op.DELETE_CONTENT, f"https://matrix.to/#/{general}/{event_id}", REASON
    )
    assert run_action(action.pk) == "done"
    assert notify_applied(action.pk) == "already", "a second worker posts nothing"
    action.refresh_from_db()
    notice = PlatformNotice.objects.get(action=action)
    assert notice.status == NoticeStatus.POSTED

    alice = community.as_(community.alice)
    [(room, invite)] = [(room, data) for room, data in alice.sync(None, "{}")["rooms"].get("invite", {}).items()]
    own = [event for event in invite["invite_state"]["events"] if event.get("state_key") == community.alice.user_id]
    assert own[0]["content"].get("is_direct") is True, "her client shows it as a direct message from the bot"
    alice.join(room)
    [message] = [event for event in alice.messages(room, start=None)["chunk"] if event["type"] == "m.room.message"]
    assert message["event_id"] == notice.external_ref and message["sender"] == community.bot.user_id
    assert f"Reason: {REASON}" in message["content"]["body"] and message["content"]["org.steward.action"] == action.key
    # The sweep's look-up after a worker died mid-post finds it by the action's key instead of posting again.
    from enforcement.executor import request_for

    assert matrix.find_moderation_notice(request_for(action), action.state) == notice.external_ref


def test_a_reporters_name_in_the_reason_never_reaches_the_person(stewards, matrix, community):
    """The generic leak check stands before Matrix's direct message as before every platform's."""
    general, _ = community.rooms
    policy_with("notify_on_platform: true")
    receipt = do_submit_report(Submission(body="Someone insulted me.", reporter_name="Rosalind Quinterra", reporter_email="rq@example.net"))
    plan = Plan.objects.create(case=Case.objects.get(code_name=receipt.case_code_name), status=PlanStatus.APPROVED, notify_first=False)
    action = EnforcementAction(
        plan=plan,
        connection=matrix.connection,
        op=Op.SILENCE,
        subject=handle(community.alice),
        reason="As Quinterra told us.",
        status=ActionStatus.APPLIED,
    )
    action.state = {"user_id": community.alice.user_id, "rooms": [general], "earlier": {general: None}}
    action.save()
    assert notify_applied(action.pk) == "withheld"
    notice = PlatformNotice.objects.get(action=action)
    assert notice.status == NoticeStatus.FAILED and "may identify a reporter" in notice.error
    assert community.as_(community.alice).sync(None, "{}")["rooms"].get("invite", {}) == {}, "no direct message, no invitation"


def test_a_worker_killed_after_the_calls_bans_and_redacts_once_and_the_ban_is_still_lifted(stewards, matrix, community, tmp_path):
    """SIGKILL between the homeserver's answers and their record: the next worker asks the rooms (verify), finds the
    ban in place and records it without calling again, with no state; at the end the bans are still lifted, known
    by their sender and reason."""
    general, dev = community.rooms
    hers = [say(community, community.alice, general, "first"), say(community, community.alice, dev, "second")]
    case, sanction, plan = decided_ban(stewards, community)
    [planned] = plan.actions.all()
    do_remove_action(stewards["bob"], case, planned.pk)
    params = {"redact_recent_hours": 24}
    ban = NewAction(matrix.connection.pk, Op.BAN, identity_id=planned.identity_id, params=params)
    action = do_add_action(stewards["bob"], case, plan.pk, ban)
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.WAIVED, "Ongoing harm.")

    crash_then_recover("enforcement.called", tmp_path)

    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and action.state == {}
    for room, event_id in zip(community.rooms, hers, strict=True):
        assert membership(community, room) == "ban"
        assert len(bans_of(community, room)) == 1, "banned exactly once"
        assert len(redactions_of(community, room, event_id)) == 1, "redacted exactly once"

    past = timezone.now() - timedelta(seconds=1)
    Sanction.objects.filter(pk=sanction.pk).update(ends_at=past)
    EnforcementAction.objects.filter(pk=action.pk).update(revert_at=past)
    end_enforcement_action.enqueue(action.pk)
    assert run_worker() == 0
    action.refresh_from_db()
    assert action.status == ActionStatus.REVERTED, action.receipts.last().detail
    assert [membership(community, room) for room in community.rooms] == ["leave", "leave"]


def test_a_muted_person_is_told_in_words_for_matrix(stewards, matrix, community):
    policy_with("notify_on_platform: true")
    plan = Plan.objects.create(status=PlanStatus.APPROVED, notify_first=False)
    action = EnforcementAction.objects.create(
        plan=plan, connection=matrix.connection, op=Op.SILENCE, subject=handle(community.alice), reason=REASON, status=ActionStatus.QUEUED
    )
    assert run_action(action.pk) == "done"
    notice = PlatformNotice.objects.get(action=action)
    assert notice.status == NoticeStatus.POSTED, notice.error
    bot = community.as_(community.bot)
    path = f"/_matrix/client/v3/rooms/{notice_room(bot, community)}/event/{notice.external_ref}"
    body = bot._call("GET", path, "reading the notice")["content"]["body"]
    assert body.startswith("The community's stewards have muted you: you may read, but not post, for now.")
    assert "forum" not in body and f"Reason: {REASON}" in body
