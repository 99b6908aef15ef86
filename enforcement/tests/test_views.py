"""Every POST of the enforcement section through the test client: a good input changes what it says, a bad one
is flashed and changes nothing, and only stewards who may write on the case get through."""

from typing import Any

import pytest
from django.urls import reverse

from cases.actions import do_declare_conflict
from conftest import PASSWORD
from enforcement.executor import verify_action
from enforcement.models import ActionStatus, EnforcementAction, Notice, PlanStatus
from enforcement.tests.test_panel import _applied
from enforcement.tests.tiny_space import TinySpace
from people.actions import do_create_steward
from spaces.base import Capability, Op, Target

pytestmark = pytest.mark.django_db

NAMES = ["approve_plan", "record_notice", "cancel_plan", "add_action", "remove_action", "edit_reason", "retry_action", "accept_drift"]


def _post(client: Any, case: Any, name: str, data: dict[str, Any]) -> str:
    response = client.post(reverse(f"enforcement:{name}", kwargs={"code": case.code_name}), data, follow=True)
    assert response.redirect_chain[0][0].endswith("#enforcement"), response.redirect_chain
    return str(response.content.decode())


def test_approve(sanctioned: Any, stewards: Any, login: Any) -> None:
    case, _sanction, plan = sanctioned()
    _other, _other_sanction, other_plan = sanctioned(handle="ivan2")
    client = login(stewards["carol"])
    assert "no such enforcement plan" in _post(client, case, "approve_plan", {"plan": other_plan.pk})
    assert "Enter a whole number." in _post(client, case, "approve_plan", {"plan": "x"})
    other_plan.refresh_from_db()
    assert other_plan.status == PlanStatus.DRAFT
    assert "The plan is approved." in _post(client, case, "approve_plan", {"plan": plan.pk})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.approved_by == stewards["carol"]
    assert "already been approved" in _post(client, case, "approve_plan", {"plan": plan.pk})


def test_record_notice(sanctioned: Any, stewards: Any, login: Any) -> None:
    case, _sanction, plan = sanctioned()
    client = login(stewards["carol"])
    assert "Note: This field is required." in _post(client, case, "record_notice", {"plan": plan.pk, "how": Notice.RECORDED, "note": ""})
    assert "not one of the available choices" in _post(client, case, "record_notice", {"plan": plan.pk, "how": Notice.SENT, "note": "x"})
    plan.refresh_from_db()
    assert plan.notice == Notice.PENDING
    page = _post(client, case, "record_notice", {"plan": plan.pk, "how": Notice.WAIVED, "note": "He is still posting threats."})
    assert "Recorded." in page
    plan.refresh_from_db()
    assert (plan.notice, plan.notice_note) == (Notice.WAIVED, "He is still posting threats.")


def test_add_action(sanctioned: Any, stewards: Any, login: Any, forum_connection: Any) -> None:
    case, _sanction, plan = sanctioned()
    identity = plan.actions.get().identity
    client = login(stewards["carol"])
    what = f"{forum_connection.pk}:timeout"
    page = _post(client, case, "add_action", {"plan": plan.pk, "what": what, "identity": "", "link": "", "reason": ""})
    assert "Choose one of the sanctioned person" in page
    assert "not one of the available choices" in _post(
        client, case, "add_action", {"plan": plan.pk, "what": "999:ban", "identity": identity.pk}
    )
    assert plan.actions.count() == 1
    page = _post(client, case, "add_action", {"plan": plan.pk, "what": what, "identity": identity.pk, "link": "", "reason": ""})
    assert "Action added to the plan." in page
    added = plan.actions.get(op="timeout")
    assert added.status == ActionStatus.PLANNED and added.subject == "ivan" and added.reason == plan.actions.get(op="ban").reason
    assert added.added_by == stewards["carol"]


def test_remove_and_edit_reason(sanctioned: Any, stewards: Any, login: Any) -> None:
    case, _sanction, plan = sanctioned()
    action = plan.actions.get()
    client = login(stewards["carol"])
    assert "This field is required." in _post(client, case, "edit_reason", {"action": action.pk, "reason": ""})
    assert "Reason changed." in _post(client, case, "edit_reason", {"action": action.pk, "reason": "Harassment, for 30 days."})
    action.refresh_from_db()
    assert action.reason == "Harassment, for 30 days."
    assert "Action removed" in _post(client, case, "remove_action", {"action": action.pk})
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED

    applied_case, _plan, applied = _applied(sanctioned, stewards, handle="ivan2")
    page = _post(client, applied_case, "remove_action", {"action": applied.pk})
    assert "Only an action that has not been applied can be removed" in page
    assert "no such action" in _post(client, case, "remove_action", {"action": applied.pk})
    assert "can only change before" in _post(client, applied_case, "edit_reason", {"action": applied.pk, "reason": "Other."})
    applied.refresh_from_db()
    assert applied.status == ActionStatus.APPLIED and applied.reason != "Other."


def test_retry(sanctioned: Any, stewards: Any, login: Any) -> None:
    case, _plan, failed = _applied(sanctioned, stewards, handle="admin")
    assert failed.status == ActionStatus.FAILED
    draft_case, _sanction, draft = sanctioned(handle="ivan2")
    client = login(stewards["carol"])
    planned = draft.actions.get()
    assert "Only a failed action" in _post(client, draft_case, "retry_action", {"action": planned.pk})
    assert "The action will be tried again." in _post(client, case, "retry_action", {"action": failed.pk})
    failed.refresh_from_db()
    assert failed.status == ActionStatus.QUEUED and failed.last_error == ""


def test_accept_drift(sanctioned: Any, stewards: Any, login: Any, forum: Any) -> None:
    case, _plan, action = _applied(sanctioned, stewards)
    client = login(stewards["carol"])
    assert "Only an action undone outside Steward" in _post(client, case, "accept_drift", {"action": action.pk, "note": "Fine."})
    forum.unban_by_hand("ivan")
    verify_action(action.pk)
    assert "Why it stays undone: This field is required." in _post(client, case, "accept_drift", {"action": action.pk, "note": " "})
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and action.drifted_at is not None
    assert "Recorded as undone." in _post(
        client, case, "accept_drift", {"action": action.pk, "note": "A moderator lifted it after talking to him."}
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.REVERTED
    assert any("A moderator lifted it" in receipt.detail for receipt in action.receipts.all())


def test_cancel_plan(sanctioned: Any, stewards: Any, login: Any) -> None:
    case, _sanction, plan = sanctioned()
    client = login(stewards["carol"])
    assert "This field is required." in _post(client, case, "cancel_plan", {"plan": plan.pk, "note": ""})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert "The plan is cancelled." in _post(client, case, "cancel_plan", {"plan": plan.pk, "note": "He left the community."})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED and plan.actions.get().status == ActionStatus.CANCELLED
    assert "Only a plan that has not been approved" in _post(client, case, "cancel_plan", {"plan": plan.pk, "note": "Again."})


def test_only_stewards_who_may_write_get_through(sanctioned: Any, stewards: Any, client: Any) -> None:
    case, _sanction, plan = sanctioned()
    action = plan.actions.get()
    gina = do_create_steward(None, username="gina", email="gina@example.org", public_name="Gina", password=PASSWORD).user
    do_declare_conflict(gina, case, "hard")
    data = {"plan": plan.pk, "action": action.pk, "note": "x", "how": Notice.WAIVED, "reason": "x"}
    for name in NAMES:
        url = reverse(f"enforcement:{name}", kwargs={"code": case.code_name})
        client.logout()
        assert client.post(url, data).status_code == 302  # to sign in
        client.force_login(gina)
        assert client.post(url, data).status_code == 404, name
        client.force_login(stewards["frank"])  # deactivated: signed out, or the same 404
        assert client.post(url, data).status_code in (302, 404), name
        client.force_login(stewards["carol"])
        assert client.get(url).status_code == 405, name
    plan.refresh_from_db()
    assert (plan.status, plan.notice) == (PlanStatus.DRAFT, Notice.PENDING)
    assert EnforcementAction.objects.get(pk=action.pk).status == ActionStatus.PLANNED


def test_content_actions_take_a_link_and_the_settings_their_operation_names(
    sanctioned: Any, stewards: Any, login: Any, forum_connection: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hide = Capability(Op.HIDE_CONTENT, Target.CONTENT, "Hide a post", reversible=False, params=("classifier",))
    monkeypatch.setattr(TinySpace, "capabilities", (*TinySpace.capabilities, hide))
    case, _sanction, plan = sanctioned()
    identity = plan.actions.get().identity
    client = login(stewards["carol"])
    base = {"plan": plan.pk, "identity": "", "reason": "", "param_classifier": "abuse"}
    page = _post(client, case, "add_action", {**base, "what": f"{forum_connection.pk}:hide-content", "link": ""})
    assert "Give the link to the content or thread." in page
    page = _post(client, case, "add_action", {**base, "what": f"{forum_connection.pk}:ban", "identity": identity.pk, "link": ""})
    assert "Unknown settings for this action: classifier" in page
    assert plan.actions.count() == 1
    for link in ("https://forum.example/p/1", "javascript:alert(1)"):
        page = _post(client, case, "add_action", {**base, "what": f"{forum_connection.pk}:hide-content", "link": link})
        assert "Action added to the plan." in page
    hidden = plan.actions.filter(op="hide-content").order_by("pk")
    assert [action.params for action in hidden] == [{"classifier": "abuse"}] * 2 and hidden[0].identity is None
    assert '<a href="https://forum.example/p/1"' in page and "Stays" in page  # a deletion-like action is not lifted
    assert 'href="javascript:' not in page and "javascript:alert(1)" in page  # shown, never linked
