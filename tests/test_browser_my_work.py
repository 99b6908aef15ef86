"""A steward's morning in a real Chromium: bob signs in, lands on My work, sees each kind of waiting item and
follows each link to the form where that work is done; carol, hard-conflicted on the busy case, sees nothing of it.
axe-core (WCAG 2.2 AA) on the page, and it fits a 390 px phone."""

import json
import re
from typing import Any

import pytest

from mywork.tests.morning import Morning, make_morning
from screening.tests.flagging import scripted  # noqa: F401 (fixture)
from tests.conftest import sign_in
from tests.test_browser_accessibility import AXE, _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("scripted")]


def _count(page: Any, key: str) -> str:
    """The count a kind's section shows; a kind with nothing waiting has no section (the summary says 0)."""
    badge = page.locator(f"#work-{key}-title .badge")
    return badge.inner_text().strip() if badge.count() else "0"


def _follow(page: Any, base: str, key: str, form: str) -> None:
    """From My work, the first link of one kind, to the page where `form` (a CSS selector) does the work."""
    page.goto(f"{base}/my-work/")
    link = page.locator(f"#work-{key} .work-items a").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(re.compile(re.escape(href.split("#")[0])))
    assert page.locator(form).count() >= 1, (key, href, page.url)
    assert page.locator(form).first.is_visible(), (key, form)


def test_a_stewards_morning(live_server: Any, new_page: Any, stewards: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    morning: Morning = make_morning(stewards, monkeypatch)
    base = live_server.url
    page = new_page()
    sign_in(page, base, "bob")
    assert page.url == f"{base}/my-work/"
    counts = {
        key: _count(page, key)
        for key in ("declare", "acknowledge", "vote", "approve", "appeal", "messages", "clocks", "flags", "moderation", "transparency")
    }
    assert counts == {
        "declare": "1",
        "acknowledge": "1",
        "vote": "1",
        "approve": "1",
        "appeal": "1",
        "messages": "1",
        "clocks": "3",
        "flags": "1",
        "moderation": "1",
        "transparency": "1",
    }

    # The new messages first: opening the case (by any link) marks them seen.
    _follow(page, base, "messages", "#thread .from-reporter")
    page.goto(f"{base}/my-work/")
    assert _count(page, "messages") == "0"
    _follow(page, base, "declare", "form input[name=level][value=hard]")
    _follow(page, base, "acknowledge", "#case-state form[action$='/acknowledge/'] button")
    _follow(page, base, "vote", f"#proposal-{morning.proposal.pk} form[action$='/decision/vote/'] button[value=yes]")
    _follow(page, base, "approve", f"#message-{morning.letter.pk} form[action$='/letters/{morning.busy.code_name}/approve/'] button")
    _follow(page, base, "appeal", f"#appeal-{morning.appeal.pk} form[action$='/decision/appeal/'] button")
    _follow(page, base, "clocks", "#clocks form[action$='/clocks/target/'] button")
    _follow(page, base, "flags", f"form[action='/screening/flags/{morning.flag.pk}/dismiss/'] button")
    _follow(page, base, "moderation", f"#moderator-action-{morning.moderation.pk} form[action$='/moderator-actions/review/'] button")
    _follow(page, base, "transparency", "form#sign-off button")

    # The brand leads a steward home.
    page.locator("a.brand").click()
    page.wait_for_url(f"{base}/my-work/")

    other = new_page()
    sign_in(other, base, "carol")
    content = other.content()
    assert morning.busy.code_name not in content
    assert morning.decided.code_name in content and morning.fresh.code_name in content
    for key in ("acknowledge", "vote", "approve", "messages", "clocks"):
        assert _count(other, key) == "0", key


def test_my_work_passes_axe_and_fits_a_phone(
    live_server: Any, browser: Any, stewards: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does)")
    make_morning(stewards, monkeypatch)
    base = live_server.url
    context = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, base, "alice")  # an admin: the navigation's longest
    problems, overflow = {}, {}
    for path in ("/my-work/", "/cases/?status=new&opened_after=2020-01-01", "/cases/?view=awaiting-my-vote"):
        page.goto(base + path)
        problems[path] = _violations(page)
        overflow[path] = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert not {path: found for path, found in problems.items() if found}, json.dumps(problems, indent=2)
    assert all(pixels <= 0 for pixels in overflow.values()), overflow
