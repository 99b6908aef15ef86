"""A committee's ban shared on its Matrix policy list, from the decision to the end, against the real Synapse.

The stewards choose it for a case (it is never in a plan by itself), only while the policy says
`enforcement.share_bans: true`; the rule carries the person's Matrix id, m.ban and the policy's public reason, never
the steward's words, the case or the reporter; it goes when the sanction ends or is rescinded on appeal.
"""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from cases.models import Party, PartyRole
from decisions.appeals import do_decide_appeal, do_file_appeal
from decisions.models import AppealOutcome, AppellantRole, Ground, SanctionStatus
from enforcement.actions import NewAction, do_add_action, do_approve_plan, do_edit_reason, do_record_notice
from enforcement.executor import claim, request_for, run_action
from enforcement.forms import space_choices
from enforcement.models import ActionStatus, EnforcementAction, Notice, Plan, PlanStatus
from enforcement.schedule import sweep
from enforcement.shared_bans import for_platform
from enforcement.tests.conftest import sanction_case
from letters.leakcheck import IdentityLeak
from people.actions import do_link_identity
from people.models import Identity, Space
from policy.testing import load_test_policy
from spaces.base import Op
from spaces.matrix.policy_lists import RULE_TYPE, rule_key
from spaces.matrix.tests.conftest import Community
from spaces.registry import space_for
from spaces.testing import make_connection

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = "code of conduct violation"


def worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


class Shared:
    """A decided temporary ban on Alice's Matrix account, the bot's policy room, and what the rule there says."""

    def __init__(self, stewards: Any, monkeypatch: pytest.MonkeyPatch, community: Community) -> None:
        self.community = community
        self.room = community.as_(community.bot).create_room({"name": "code of conduct bans", "preset": "public_chat"})
        self.connection = make_connection(
            monkeypatch,
            "matrix",
            slug="matrix",
            settings={"homeserver": community.homeserver.url, "rooms": list(community.rooms), "policy_room": self.room},
            secrets={"access_token": community.bot.access_token},
        )
        self.case, self.sanction = sanction_case(stewards, "temporary-ban")
        self.plan = Plan.objects.get(sanction=self.sanction)
        # Linked after the decision, so the plan holds only what these tests add (the Matrix ban is another module's).
        ivan = Party.objects.get(case=self.case, role=PartyRole.REPORTED).person
        self.identity = do_link_identity(None, ivan, Space.MATRIX, community.alice.user_id)
        # The reporter (Rita Reporter) is Bob on Matrix: their handle and name must never reach the list.
        rita = Party.objects.get(case=self.case, role=PartyRole.REPORTER).person
        do_link_identity(None, rita, Space.MATRIX, community.bob.user_id)

    def add(self, steward: Any, reason: str = "") -> EnforcementAction:
        new = NewAction(self.connection.pk, Op.SHARE_BAN, identity_id=self.identity.pk, reason=reason)
        return do_add_action(steward, self.case, self.plan.pk, new)

    def approve(self, steward: Any) -> None:
        do_approve_plan(steward, self.case, self.plan.pk)
        do_record_notice(steward, self.case, self.plan.pk, Notice.WAIVED, "The harassment is ongoing; it cannot wait.")

    def rule(self, action: EnforcementAction) -> dict[str, Any] | None:
        action.refresh_from_db()
        return self.community.as_(self.community.bot).state(self.room, RULE_TYPE, action.state["state_key"])


@pytest.fixture
def shared(stewards: Any, monkeypatch: pytest.MonkeyPatch, community: Community) -> Shared:
    load_test_policy({"enforcement": {"share_bans": True}})
    return Shared(stewards, monkeypatch, community)


def test_the_rule_carries_the_public_reason_only_and_goes_at_the_end_of_the_sanction(shared: Shared, stewards: Any) -> None:
    bob = shared.community.bob.user_id  # the reporter's handle
    planted = f"Case {shared.case.code_name}: Rita Reporter ({bob}) reported the insults."
    action = shared.add(stewards["bob"], reason=planted)
    assert action.reason == PUBLIC, "the steward's words are not what is shared"
    with pytest.raises(ValidationError, match="public reason"):
        do_edit_reason(stewards["bob"], shared.case, action.pk, planted)
    shared.approve(stewards["bob"])
    worker()

    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED
    rule = shared.rule(action)
    assert rule == {"entity": shared.community.alice.user_id, "recommendation": "m.ban", "reason": PUBLIC}
    published = f"{rule} {action.state['state_key']}"
    for secret in (shared.case.code_name, "Rita", "Reporter", bob, bob.split(":")[0], "insults"):
        assert secret.casefold() not in published.casefold()
    assert shared.identity.handle not in action.state["state_key"]

    worker()  # nothing more to do: still one rule, written once
    assert shared.rule(action) == rule

    with time_machine.travel(shared.sanction.ends_at + timedelta(seconds=1)):
        worker()
    assert shared.rule(action) is None, "emptied, as Mjolnir and Draupnir remove a rule"
    action.refresh_from_db()
    shared.plan.refresh_from_db()
    shared.sanction.refresh_from_db()
    assert action.status == ActionStatus.REVERTED
    assert shared.plan.status == PlanStatus.ENDED and shared.sanction.status == SanctionStatus.LIFTED


def test_the_rule_goes_when_the_sanction_is_rescinded_on_appeal(shared: Shared, stewards: Any) -> None:
    action = shared.add(stewards["carol"])
    shared.approve(stewards["carol"])
    worker()
    assert shared.rule(action) is not None
    appeal = do_file_appeal(shared.sanction.decision, AppellantRole.REPORTED, [Ground.NEW_EVIDENCE], "I have new evidence.")
    do_decide_appeal(stewards["erin"], appeal, AppealOutcome.RESCINDED, "New evidence shows it was not them.")
    worker()
    assert shared.rule(action) is None
    action.refresh_from_db()
    assert action.status == ActionStatus.REVERTED


def test_off_by_default_it_is_neither_offered_nor_accepted(stewards: Any, monkeypatch: pytest.MonkeyPatch, community: Community) -> None:
    load_test_policy()  # the default: share_bans false
    off = Shared(stewards, monkeypatch, community)
    offered = {choice.value for choice in space_choices()}
    assert f"{off.connection.pk}:{Op.SHARE_BAN}" not in offered
    assert f"{off.connection.pk}:{Op.BAN}" in offered
    with pytest.raises(ValidationError, match="does not allow sharing bans"):
        off.add(stewards["bob"])
    assert not EnforcementAction.objects.filter(op=Op.SHARE_BAN).exists()


def test_switched_off_before_it_runs_nothing_is_published(shared: Shared, stewards: Any) -> None:
    assert any(choice.capability.op == Op.SHARE_BAN for choice in space_choices())
    action = shared.add(stewards["bob"])
    load_test_policy({"enforcement": {"share_bans": False}})
    shared.approve(stewards["bob"])
    worker()
    action.refresh_from_db()
    assert action.status == ActionStatus.FAILED and "does not allow sharing bans" in action.last_error
    assert [event for event in shared.community.as_(shared.community.bot).room_state(shared.room) if event["type"] == RULE_TYPE] == []


def test_a_public_reason_that_names_the_reporter_is_refused(stewards: Any, monkeypatch: pytest.MonkeyPatch, community: Community) -> None:
    load_test_policy({"enforcement": {"share_bans": True, "shared_ban_reason": "banned after Rita's report"}})
    shared = Shared(stewards, monkeypatch, community)
    with pytest.raises(IdentityLeak):
        shared.add(stewards["bob"])
    assert Identity.objects.filter(space=Space.MATRIX).count() == 2 and not EnforcementAction.objects.filter(op=Op.SHARE_BAN).exists()


def test_a_worker_that_died_after_publishing_is_not_followed_by_a_second_rule(shared: Shared, stewards: Any, settings: Any) -> None:
    settings.STEWARD_ENFORCEMENT_LEASE_SECONDS = 0  # every claim runs out at once, as a dead worker's does
    action = shared.add(stewards["bob"])
    shared.approve(stewards["bob"])
    assert claim(action.pk) is not None  # a worker takes it...
    request, _refused = for_platform(request_for(EnforcementAction.objects.select_related("plan").get(pk=action.pk)))
    space_for(shared.connection).apply(request)  # ...publishes, and dies before recording it
    assert run_action(action.pk) == "done"
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and action.receipts.get().recovered
    history = shared.community.as_(shared.community.bot).messages(shared.room, start=None)["chunk"]
    assert len([event for event in history if event["type"] == RULE_TYPE]) == 1, "published once"


def test_a_rule_published_by_a_worker_that_died_is_recorded_and_lifted_though_sharing_was_switched_off(
    shared: Shared, stewards: Any, settings: Any
) -> None:
    """A refusal cannot take back a rule already on the public list; refused after the fact, nothing would ever lift it."""
    settings.STEWARD_ENFORCEMENT_LEASE_SECONDS = 0
    action = shared.add(stewards["bob"])
    shared.approve(stewards["bob"])
    assert claim(action.pk) is not None
    request, _refused = for_platform(request_for(EnforcementAction.objects.select_related("plan").get(pk=action.pk)))
    space_for(shared.connection).apply(request)  # published; the worker dies before recording it
    load_test_policy({"enforcement": {"share_bans": False}})  # and then the committee switches sharing off
    assert run_action(action.pk) == "done"
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and action.receipts.get().recovered
    bot = shared.community.as_(shared.community.bot)
    assert bot.state(shared.room, RULE_TYPE, rule_key(request)) is not None
    with time_machine.travel(shared.sanction.ends_at + timedelta(seconds=1)):
        worker()
    assert bot.state(shared.room, RULE_TYPE, rule_key(request)) is None, "lifted at the end like any recorded rule"
    action.refresh_from_db()
    assert action.status == ActionStatus.REVERTED


def test_a_rule_removed_by_hand_is_drift_for_the_stewards(shared: Shared, stewards: Any) -> None:
    action = shared.add(stewards["bob"])
    shared.approve(stewards["bob"])
    worker()
    action.refresh_from_db()
    shared.community.as_(shared.community.bot).put_state(shared.room, RULE_TYPE, action.state["state_key"], {})  # in a client
    with time_machine.travel(timedelta(hours=25)):
        assert sweep()["verified"] == 1
    action.refresh_from_db()
    assert action.drifted_at is not None and "is not on the policy list" in action.receipts.last().detail
