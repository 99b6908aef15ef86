"""In a real Chromium: a refused proposal keeps its text where the steward is (with htmx, and without
JavaScript), and closing a case asks for its outcome and leads to the closing letter, filled in."""

import re
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from cases.actions import do_change_status, do_declare_conflict
from cases.models import Case, Status
from decisions.tests.conftest import make_ready, new_case
from tests.conftest import sign_in
from tests.test_browser_accessibility import _violations, axe_page  # noqa: F401  (the axe fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RATIONALE = "Two rude review comments in one week, both aimed at the same newcomer."


def _case(stewards: dict[str, Any]) -> Case:
    call_command("load_policy", verbosity=0)
    case, _receipt = new_case(language="en")
    for name in ("alice", "bob", "carol", "dave", "erin"):
        do_declare_conflict(stewards[name], case, "none")
    make_ready(case, stewards["alice"])
    return case


def _refuse_a_proposal(page: Any) -> Any:
    panel = page.locator("#decisions")
    panel.locator("#proposal-outcome").select_option("correction")  # a sanction, and no reported person chosen
    panel.locator("#proposal-rationale").fill(RATIONALE)
    panel.get_by_role("button", name="Propose").click()
    field = page.locator("#decisions .field-error", has=page.locator("#proposal-target"))
    field.get_by_text("Choose the reported person the sanction is for.").wait_for()
    return panel


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-javascript"])
def test_a_refused_proposal_keeps_what_was_typed_where_the_steward_is(
    live_server: Any, browser: Any, stewards: dict[str, Any], javascript: bool
) -> None:
    case = _case(stewards)
    context = browser.new_context(java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server.url, "dave")
        case_page = f"{live_server.url}/cases/{case.code_name}/"
        page.goto(case_page)
        panel = _refuse_a_proposal(page)
        assert panel.locator("#proposal-rationale").input_value() == RATIONALE
        assert panel.locator("#proposal-outcome").input_value() == "correction"
        if javascript:
            assert page.url == case_page  # swapped in place: no page load
        else:
            assert page.url.endswith("/decision/propose/#propose")  # the browser scrolled to the form
        assert page.locator("#propose").is_visible()
        assert not case.proposals.exists()
    finally:
        context.close()


def test_closing_asks_the_outcome_and_offers_the_closing_letter(live_server: Any, new_page: Any, stewards: dict[str, Any]) -> None:
    case = _case(stewards)
    report = case.reports.get()
    page = new_page()
    sign_in(page, live_server.url, "dave")
    page.goto(f"{live_server.url}/cases/{case.code_name}/")
    closing = page.locator("#close-case")
    closing.get_by_role("button", name="Close the case").click()  # no outcome chosen: refused
    page.locator(".flash").get_by_text("Choose the outcome the case closes with.").wait_for()
    page.locator("#close-case").get_by_label("Outcome").select_option("not-a-violation")
    page.locator("#close-case").get_by_role("button", name="Close the case").click()
    page.wait_for_url(re.compile(r"#closing-letters$"))
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.outcome == "not-a-violation"
    page.locator("#closing-letters").get_by_role("link", name=f"Write to the reporter of {report.reference}").click()
    page.wait_for_url(re.compile(r"kind=no-violation"))
    body = page.locator("#message-body").input_value()
    assert "concluded that the code of" in body and report.reference in body
    recipient = page.get_by_role("group", name="Who is this message for?").locator(f"input[value='reporter:{report.reference}']")
    assert recipient.is_checked()


def test_the_new_pages_pass_axe(
    live_server: Any,
    axe_page: Any,  # noqa: F811
    stewards: dict[str, Any],
    client: Any,
) -> None:
    """The declare page with its parties, the admins' correction page, a closed case with its closing letters."""
    case = _case(stewards)
    closed = _case(stewards)
    do_change_status(stewards["dave"], closed, Status.CLOSED, "out-of-scope")
    base = live_server.url
    problems = {}
    for user, paths in (
        ("erin", [f"/cases/{_undeclared(stewards).code_name}/declare/"]),
        ("alice", [f"/cases/{case.code_name}/declarations/", f"/cases/{closed.code_name}/"]),
    ):
        client.force_login(stewards[user])
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        axe_page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
        for path in paths:
            axe_page.goto(base + path)
            problems[path] = _violations(axe_page)
    assert "closing-letters" in axe_page.content()
    found = {path: v for path, v in problems.items() if v}
    assert not found, found


def _undeclared(stewards: dict[str, Any]) -> Case:
    case, _receipt = new_case(anonymous=True)
    do_declare_conflict(stewards["dave"], case, "none")
    return case
