"""A decided Temporary Ban carried out from the case page, in a real Chromium, against the tiny test forum.

A steward opens the case -> sees the draft plan (ban Ivan from the forum) -> adds a time-out through the
form -> approves -> records that Ivan was told another way -> the worker runs -> the page shows both actions
applied, their receipts and when each is lifted. axe (WCAG 2.2 AA) checks the page with the section open,
before and after.
"""

import re
from typing import Any

import pytest
from django.core.management import call_command

from enforcement.models import ActionStatus, PlanStatus
from enforcement.tests import conftest as tiny
from tests.conftest import sign_in
from tests.test_browser_accessibility import AXE, _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The lead's fixtures for the tiny test forum; pytest finds fixtures by their name in this module.
tiny_registered, forum, forum_connection, sanctioned = tiny.tiny_registered, tiny.forum, tiny.forum_connection, tiny.sanctioned

OPEN_DETAILS = "document.querySelectorAll('#enforcement details').forEach(d => { d.open = true; })"


def _flash(page: Any, text: str) -> None:
    page.locator(".flash").get_by_text(text).wait_for()


def _axe(page: Any) -> None:
    page.evaluate(OPEN_DETAILS)
    problems = _violations(page)
    assert not problems, "\n".join(problems)


def test_a_temporary_ban_is_applied_from_the_case_page(
    live_server: Any, browser: Any, stewards: dict[str, Any], sanctioned: Any, forum: Any
) -> None:
    assert AXE.exists(), "axe-core is missing: run `npm ci`"
    case, _sanction, plan = sanctioned()
    base = live_server.url
    # The site's CSP forbids injected scripts, rightly; only this test context may add axe.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, base, "bob")
        page.goto(f"{base}/cases/{case.code_name}/")
        section = page.locator("#enforcement")
        section.get_by_role("heading", name="Enforcement").wait_for()
        row = section.locator(f"#action-{plan.actions.get().pk}")
        assert "Draft: waiting for review" in section.inner_text()
        assert "Ban from the forum" in row.inner_text() and "ivan" in row.inner_text()
        _axe(page)

        # Add a time-out to the plan through the form.
        page.reload()
        section = page.locator("#enforcement")
        section.get_by_text("Add an action", exact=True).click()
        section.get_by_label("Space and action").select_option(label="Time out")
        section.get_by_label("The person's account there").select_option(str(plan.actions.get().identity_id))
        section.get_by_role("button", name="Add the action").click()
        _flash(page, "Action added to the plan.")

        page.locator("#enforcement").get_by_role("button", name="Approve the plan").click()
        _flash(page, "The plan is approved.")
        section = page.locator("#enforcement")
        section.get_by_label(re.compile("told another way")).check()
        section.locator(f"#plan-{plan.pk}-notice-note").fill("Told him on a video call on Monday.")
        section.get_by_role("button", name="Record the notice").click()
        _flash(page, "Recorded.")
        assert forum.bans == {}, "nothing is applied by the page itself: the worker does it"

        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        assert {action.status for action in plan.actions.all()} == {ActionStatus.APPLIED}
        plan.refresh_from_db()
        assert plan.status == PlanStatus.ACTIVE

        page.reload()
        section = page.locator("#enforcement")
        assert "In force" in section.inner_text() and "Notified another way" in section.inner_text()
        ban, timeout = plan.actions.get(op="ban"), plan.actions.get(op="timeout")
        ban_row, timeout_row = section.locator(f"#action-{ban.pk}"), section.locator(f"#action-{timeout.pk}")
        ban_row.get_by_text("1 receipt").click()
        ban_row.get_by_text(re.compile(r"Banned ivan from the tiny forum\.")).wait_for()
        assert re.search(r"Lifted by Steward on \d+ \w+ \d{4}, \d\d:\d\d", ban_row.inner_text())
        timeout_row.get_by_text("1 receipt").click()
        timeout_row.get_by_text(re.compile(r"Timed out ivan until")).wait_for()
        assert "Lifted by the platform at the end" in timeout_row.inner_text()
        _axe(page)
    finally:
        context.close()
