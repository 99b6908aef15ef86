"""Plans are written with the sanction, from the policy's intents and each space's capabilities."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from audit.models import Event
from enforcement.actions import NewAction, do_add_action, do_approve_plan, do_cancel_plan, do_edit_reason, do_remove_action
from enforcement.models import ActionStatus, Plan, PlanStatus
from people.models import Identity, Space
from spaces.base import Op
from spaces.testing import make_connection

pytestmark = pytest.mark.django_db


def test_a_temporary_ban_plans_the_ban_intent_for_each_identity_with_the_end_time(sanctioned: Any) -> None:
    case, sanction, plan = sanctioned()
    action = plan.actions.get()
    assert (action.op, action.subject, action.status) == (Op.BAN, "ivan", ActionStatus.PLANNED)
    assert action.revert_at == sanction.ends_at
    assert "Temporary Ban until" in action.reason and "code of conduct" in action.reason
    assert case.code_name not in action.reason, "the platform's log learns nothing about the case"
    assert Event.objects.filter(case_id=case.pk, kind="enforcement.plan.drafted").exists()


def test_a_permanent_ban_is_never_lifted(sanctioned: Any) -> None:
    _case, _sanction, plan = sanctioned(level="permanent-ban")
    assert plan.actions.get().revert_at is None


def test_a_warning_has_an_empty_plan_and_approving_it_puts_it_in_force(sanctioned: Any, stewards: Any) -> None:
    case, _sanction, plan = sanctioned(level="warning")
    assert plan.actions.count() == 0
    do_approve_plan(stewards["bob"], case, plan.pk)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


def test_disabled_spaces_and_spaces_without_a_platform_are_left_out(sanctioned: Any, forum_connection: Any, monkeypatch: Any) -> None:
    forum_connection.enabled = False
    forum_connection.save()
    make_connection(monkeypatch, "no-such-platform", slug="ghost")
    _case, _sanction, plan = sanctioned()
    assert plan.actions.count() == 0


def test_every_identity_in_the_space_gets_its_action(sanctioned: Any, stewards: Any, forum_connection: Any) -> None:
    from enforcement.tests.conftest import sanction_case

    _case, sanction = sanction_case(stewards, handle="ivan")
    Identity.objects.create(person=sanction.person, space=Space.OTHER, handle="ivan-alt")
    # A second sanction on the same person (another case) plans both identities.
    _case2, sanction2 = sanction_case(stewards, handle="ivan")
    assert sorted(Plan.objects.get(sanction=sanction2).actions.values_list("subject", flat=True)) == ["ivan", "ivan-alt"]


def test_native_expiry_ops_are_left_out_beyond_their_longest_period(sanctioned: Any, forum_connection: Any, stewards: Any) -> None:
    case, sanction, plan = sanctioned(period_days=30)  # the tiny forum's time-outs last 14 days at most
    with pytest.raises(ValidationError):
        do_add_action(
            stewards["bob"], case, plan.pk, NewAction(forum_connection.pk, "no-such-op", identity_id=plan.actions.get().identity_id)
        )
    from enforcement.plans import fits_period
    from enforcement.tests.tiny_space import TinySpace

    assert not fits_period(TinySpace.capabilities[1], sanction)
    assert fits_period(TinySpace.capabilities[0], sanction)


def test_stewards_adjust_a_draft(sanctioned: Any, stewards: Any, forum_connection: Any) -> None:
    case, _sanction, plan = sanctioned()
    ban = plan.actions.get()
    do_edit_reason(stewards["bob"], case, ban.pk, "Repeated personal attacks.")
    ban.refresh_from_db()
    assert ban.reason == "Repeated personal attacks."
    with pytest.raises(ValidationError, match="identities"):
        do_add_action(stewards["bob"], case, plan.pk, NewAction(forum_connection.pk, Op.TIMEOUT, identity_id=None))
    with pytest.raises(ValidationError, match="Unknown settings"):
        do_add_action(
            stewards["bob"], case, plan.pk, NewAction(forum_connection.pk, Op.TIMEOUT, identity_id=ban.identity_id, params={"x": "1"})
        )
    timeout = do_add_action(stewards["bob"], case, plan.pk, NewAction(forum_connection.pk, Op.TIMEOUT, identity_id=ban.identity_id))
    assert timeout.reason == "Repeated personal attacks.", "a new action takes the plan's reason unless given one"
    do_remove_action(stewards["bob"], case, timeout.pk)
    timeout.refresh_from_db()
    assert timeout.status == ActionStatus.CANCELLED


def test_a_plan_is_reached_only_through_its_own_case(sanctioned: Any, stewards: Any) -> None:
    case, _sanction, _plan = sanctioned()
    _other, _, other_plan = sanctioned()
    with pytest.raises(ValidationError):
        do_approve_plan(stewards["bob"], case, other_plan.pk)
    with pytest.raises(ValidationError):
        do_remove_action(stewards["bob"], case, other_plan.actions.get().pk)


def test_a_cancelled_draft_applies_nothing(sanctioned: Any, stewards: Any) -> None:
    case, _sanction, plan = sanctioned()
    with pytest.raises(ValidationError):
        do_cancel_plan(stewards["bob"], case, plan.pk, " ")
    do_cancel_plan(stewards["bob"], case, plan.pk, "The person left the community.")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED
    assert plan.actions.get().status == ActionStatus.CANCELLED
    with pytest.raises(ValidationError):
        do_approve_plan(stewards["bob"], case, plan.pk)
