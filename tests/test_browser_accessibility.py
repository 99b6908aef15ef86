"""axe-core (WCAG 2.2 AA rules) on every kind of page people use, and the report form on a phone."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from cases.actions import do_declare_conflict
from cases.models import Case, ConflictLevel
from intake.actions import Submission, do_submit_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    assert len(result["passes"]) > 10, "axe checked almost nothing: is the page empty?"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {json.dumps([n['target'] for n in v['nodes']][:3])}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def axe_page(browser: Any) -> Any:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does)")
    # The site's CSP forbids injected scripts, rightly; only this test context may add axe.
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


def test_public_and_steward_pages_pass_axe(live_server: Any, axe_page: Any, stewards: dict[str, Any], client: Any) -> None:
    receipt = do_submit_report(Submission(body="Someone was rude in the forum."))
    case = Case.objects.get(code_name=receipt.case_code_name)
    do_declare_conflict(stewards["dave"], case, ConflictLevel.NONE)
    base = live_server.url
    pages = ["/", "/code-of-conduct/", "/how-to-report/", "/what-happens-next/", "/stewards/", "/report/", "/follow-up/",
             f"/follow-up/{receipt.reference}/{receipt.secret}/", "/accounts/login/"]  # fmt: skip
    problems = {}
    for path in pages:
        axe_page.goto(base + path)
        problems[path] = _violations(axe_page)

    client.force_login(stewards["dave"])
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    axe_page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    for path in ["/cases/", f"/cases/{case.code_name}/", "/report/on-behalf/", "/accounts/security/"]:
        axe_page.goto(base + path)
        problems[path] = _violations(axe_page)

    found = {path: v for path, v in problems.items() if v}
    assert not found, json.dumps(found, indent=2, ensure_ascii=False)


def test_report_form_fits_a_phone(live_server: Any, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/report/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert overflow <= 0
