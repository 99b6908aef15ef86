"""An admin changes where screening flags, in a real browser: from the flag queue to one category's curve, a new
cut, and the page says it; axe-core (WCAG 2.2 AA) finds nothing on either page, and both fit a 390 px phone."""

import json
from typing import Any

import pytest

from screening.models import CategoryCut
from tests.conftest import sign_in
from tests.test_browser_accessibility import AXE, _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_an_admin_changes_a_cut(live_server: Any, browser: Any, stewards: dict[str, Any]) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does)")
    base = live_server.url
    context = browser.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, "alice")
    page.goto(f"{base}/screening/flags/")
    page.locator("#thresholds-link").click()
    page.wait_for_url(f"{base}/screening/thresholds/")
    problems = {"overview": _violations(page)}
    overflow = {"overview": page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")}

    page.locator("#cuts a[href='/screening/thresholds/trolling-insults/issue_comment/']").click()
    page.wait_for_url(f"{base}/screening/thresholds/trolling-insults/issue_comment/")
    assert page.locator("svg.chart[role=img]").count() == 1
    page.get_by_label("Cut", exact=True).fill("0.65")
    page.get_by_role("button", name="Set the cut").click()
    page.wait_for_load_state()
    assert "The cut is changed." in page.content()
    assert "0.65" in page.locator("#cut-in-force").inner_text()
    assert "flags less, misses more" in page.locator("#cut-in-force").inner_text()
    problems["pair"] = _violations(page)
    overflow["pair"] = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()

    assert CategoryCut.objects.get(category="trolling-insults", kind="issue_comment").cut == 0.65
    assert not {name: found for name, found in problems.items() if found}, json.dumps(problems, indent=2)
    assert all(pixels <= 0 for pixels in overflow.values()), overflow
