"""The enforcement section of the real case page, and the queue's flags, for stewards who may read the case."""

from typing import Any

import pytest
from django.urls import reverse

from cases.actions import do_declare_conflict
from decisions.tests.conftest import new_case
from enforcement.actions import NewAction, do_add_action, do_approve_plan, do_record_notice
from enforcement.executor import run_action, verify_action
from enforcement.models import ActionStatus, Notice, Receipt
from enforcement.panel import queue_flags
from spaces.base import Op

pytestmark = pytest.mark.django_db


def _page(client: Any, case: Any) -> str:
    response = client.get(reverse("cases:detail", kwargs={"code": case.code_name}))
    assert response.status_code == 200
    return str(response.content.decode())


def _section(page: str) -> str:
    start = page.index('id="enforcement"')
    return page[start : page.index("</section>", start)]


def _applied(sanctioned: Any, stewards: Any, **kwargs: Any) -> tuple[Any, Any, Any]:
    case, _sanction, plan = sanctioned(**kwargs)
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.RECORDED, "Told them on a video call.")
    action = plan.actions.get()
    run_action(action.pk)
    action.refresh_from_db()
    return case, plan, action


def test_a_draft_plan_shows_its_actions_and_the_forms_that_apply(sanctioned: Any, stewards: Any, login: Any) -> None:
    case, sanction, plan = sanctioned()
    section = _section(_page(login(stewards["dave"]), case))
    assert "Temporary Ban" in section and sanction.person.code_name in section
    assert "Draft: waiting for review" in section and "Not approved yet" in section
    assert "Not yet notified" in section and "the person hears of the decision first" in section
    # The action: space, what, the person's handle (shown to stewards who may read the case), reason, when lifted.
    assert "Tiny forum" in section and "Ban from the forum" in section and ">ivan<" in section
    assert plan.actions.get().reason in section
    assert "Lifted by Steward on" in section and "Waits until a steward approves the plan." in section
    assert "Approve the plan" in section and "Cancel the plan" in section and "Record the notice" in section
    assert "Add an action" in section and "Change the reason" in section and "Try again" not in section


def test_receipts_and_lifting_after_the_actions_ran(sanctioned: Any, stewards: Any, login: Any) -> None:
    case, _plan, action = _applied(sanctioned, stewards)
    assert action.status == ActionStatus.APPLIED
    section = _section(_page(login(stewards["dave"]), case))
    assert "In force" in section and "Bob," in section  # approved by
    assert "Notified another way" in section and "Told them on a video call." in section
    assert "1 receipt" in section and "Banned ivan from the tiny forum." in section and "<details>" in section
    assert "Approve the plan" not in section and "Record the notice" not in section and "Change the reason" not in section
    assert "Lifted by Steward on" in section


def test_a_refusal_and_a_drift_are_shown_with_what_to_do(sanctioned: Any, stewards: Any, login: Any, forum: Any) -> None:
    case, _plan, action = _applied(sanctioned, stewards, handle="admin")
    assert action.status == ActionStatus.FAILED
    section = _section(_page(login(stewards["dave"]), case))
    assert "Failed" in section and "Stopped:" in section and "moderators cannot be banned" in section
    assert "Try again" in section and "Remove" in section

    other, _plan, applied = _applied(sanctioned, stewards)
    forum.unban_by_hand("ivan")
    verify_action(applied.pk)
    section = _section(_page(login(stewards["dave"]), other))
    assert "Undone on the platform on" in section and "No longer in place" in section
    assert "Apply again" in section and "Accept as undone" in section


def test_native_expiry_recovered_receipts_and_permanent_actions(sanctioned: Any, stewards: Any, login: Any) -> None:
    case, plan, action = _applied(sanctioned, stewards)
    identity = action.identity
    do_add_action(stewards["bob"], case, plan.pk, NewAction(connection_id=action.connection_id, op=Op.TIMEOUT, identity_id=identity.pk))
    Receipt.objects.filter(action=action).update(recovered=True)
    section = _section(_page(login(stewards["dave"]), case))
    assert "Time out" in section and "Lifted by the platform at the end" in section
    assert "found done after an interruption" in section
    permanent, _sanction, _plan = sanctioned(level="permanent-ban")
    assert "Stays" in _section(_page(login(stewards["dave"]), permanent))


def test_reasons_and_links_are_escaped(sanctioned: Any, stewards: Any, login: Any) -> None:
    case, _sanction, plan = sanctioned()
    plan.actions.update(reason='<script>alert("x")</script>')
    section = _section(_page(login(stewards["dave"]), case))
    assert "<script>alert" not in section and "&lt;script&gt;" in section


def test_no_section_without_a_plan(stewards: Any, login: Any) -> None:
    case, _receipt = new_case()
    do_declare_conflict(stewards["dave"], case, "none")
    assert 'id="enforcement"' not in _page(login(stewards["dave"]), case)


def test_queue_flags_and_tab(sanctioned: Any, stewards: Any, login: Any) -> None:
    draft, _sanction, _plan = sanctioned()
    failed, _plan2, _action = _applied(sanctioned, stewards, handle="admin")
    fine, _plan3, _action3 = _applied(sanctioned, stewards, handle="ivan2")
    flags = queue_flags([draft, failed, fine])
    assert flags[draft.pk] == ["Enforcement plan awaiting approval"]
    assert flags[failed.pk] == ["Enforcement needs attention"]
    assert flags[fine.pk] == []
    page = login(stewards["dave"]).get(reverse("cases:queue") + "?view=enforcement").content.decode()
    assert draft.code_name in page and failed.code_name in page and fine.code_name not in page
    assert "Enforcement needs attention" in page and "Enforcement plan awaiting approval" in page


def test_the_notice_on_the_platform_is_shown_with_its_action(sanctioned: Any, stewards: Any, login: Any) -> None:
    """A notice the sweep could not settle (its worker died mid-post, and the platform cannot be asked) is shown on
    the case, so the stewards can look on the platform and tell the person by hand."""
    from enforcement.models import NoticeStatus, PlatformNotice

    case, _plan, action = _applied(sanctioned, stewards)
    notice = PlatformNotice.objects.create(action=action, status=NoticeStatus.UNKNOWN, error="The worker stopped mid-way.")
    section = _section(_page(login(stewards["dave"]), case))
    assert "Notice on the platform: perhaps posted." in section and "The worker stopped mid-way." in section
    notice.status = NoticeStatus.POSTED
    notice.save()
    assert "Notice on the platform: posted." in _section(_page(login(stewards["dave"]), case))
