"""In Chromium: the code of conduct pages (English and Spanish), a space's note, "what happens next", and the
closing survey from the reporter's link to the stewards' results: axe-core finds nothing and each fits 390 px."""

import json
from datetime import date
from typing import Any

import pytest
from django.conf import settings as django_settings

from surveys.models import SurveyAnswer, SurveyRole
from surveys.tests.conftest import close, open_case
from tests.test_browser_accessibility import AXE, _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Any) -> Any:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does)")
    context = browser.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _check(page: Any, problems: dict[str, list[str]], label: str) -> None:
    found = _violations(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        found.append(f"wider than 390 px by {overflow} px")
    if found:
        problems[label] = found


def test_public_pages_in_both_languages(live_server: Any, phone: Any, stewards: dict[str, Any]) -> None:
    base = live_server.url
    problems: dict[str, list[str]] = {}
    for language in ("en", "es"):
        phone.context.add_cookies([{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
        for path in ("/", "/code-of-conduct/", "/how-to-report/", "/what-happens-next/", "/how-to-report/github/", "/report/"):
            phone.goto(base + path)
            _check(phone, problems, f"{language} {path}")
        phone.goto(base + "/code-of-conduct/")
        # The ladder is numbered once: the heading carries the rank, the list shows no marker of its own.
        assert phone.evaluate("getComputedStyle(document.querySelector('ol.ladder')).listStyleType") == "none"
        first = phone.locator("ol.ladder > li h3").first.inner_text()
        assert first == ("1. Correction" if language == "en" else "1. Corrección")
        assert phone.locator("#section-3 ul li").count() == 11  # the standards' two lists are real lists
    # The badge a space embeds renders as an image.
    phone.goto(base + "/how-to-report/github/")
    assert phone.evaluate("document.querySelector('.note-preview img').naturalWidth") > 0
    assert not problems, json.dumps(problems, indent=2, ensure_ascii=False)


def test_the_closing_survey_from_the_reporters_link_to_the_stewards_results(
    live_server: Any, phone: Any, stewards: dict[str, Any], client: Any
) -> None:
    closed = open_case(stewards)
    close(stewards, closed)
    base = live_server.url
    problems: dict[str, list[str]] = {}
    phone.goto(f"{base}/follow-up/{closed.report.reference}/{closed.secret}/")
    _check(phone, problems, "follow-up page with the invitation")
    phone.get_by_role("link", name="Answer the survey").click()
    _check(phone, problems, "survey")
    phone.get_by_role("group", name="The process was fair.").get_by_label("Agree", exact=True).check()
    phone.get_by_role("group", name="I felt heard.").get_by_label("Strongly agree").check()
    phone.get_by_role("button", name="Send my answers").click()
    phone.get_by_text("Thank you. Your answers are recorded").wait_for()
    answer = SurveyAnswer.objects.get()
    assert (answer.role, answer.fair, answer.heard, answer.timely) == ("reporter", 4, 5, None)

    # The stewards' results page, with a past period's answers (enough to show, one small cell hidden).
    for fair in (5, 4, 4, 2):
        SurveyAnswer.objects.create(closed_month=date(2025, 2, 1), role=SurveyRole.REPORTER, fair=fair, heard=4)
    client.force_login(stewards["dave"])
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    phone.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    phone.goto(f"{base}/surveys/")
    _check(phone, problems, "survey results")
    assert phone.get_by_role("heading", name="2025-01-01 – 2025-06-30").count() == 1
    assert not problems, json.dumps(problems, indent=2, ensure_ascii=False)
