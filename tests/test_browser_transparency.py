"""A transparency report from the demo's closed cases, as a committee and the public would meet it: one steward
drafts, a second signs off, and anyone reads the page (charts with a table beside each), the CSV and the JSON,
whose figures match the cases themselves, with the small counts hidden. axe-core and a 390 px phone on each page."""

import csv
import io
import json
import re
from collections import Counter
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from cases.models import Case, PartyRole, Report
from decisions.models import Decision
from steward.demo import DEMO_PASSWORD, load_demo
from steward.demo_history import history_period

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/my-work/"))


def _truth(period: Any) -> dict[str, int]:
    """The period's counts read straight from the cases, reports, parties and decisions (not from the facts)."""
    start = timezone.make_aware(datetime.combine(period.first_day, time.min))
    end = timezone.make_aware(datetime.combine(period.next().first_day, time.min))
    cases = list(Case.objects.filter(created_at__gte=start, created_at__lt=end, merged_into__isnull=True))
    reports = Report.objects.filter(case__in=cases)
    counts: Counter[str] = Counter()
    counts["received.reports"] = reports.count()
    counts["received.incidents"] = len(cases)
    counts["received.people"] = sum(case.parties.filter(role=PartyRole.REPORTED).count() for case in cases)
    for report in reports:
        counts[f"channels.{report.channel}"] += 1
    for case in cases:
        first = case.reports.order_by("pk").first()
        counts[f"spaces.{(first.space if first else '') or 'none'}"] += 1
        decision = Decision.objects.filter(case=case).order_by("-decided_at").first()
        if decision is None:
            counts["outcomes.open"] += 1
        elif decision.outcome_class == "sanction":
            counts[f"outcomes.level:{decision.outcome}"] += 1
            counts["actions.committee"] += 1
        else:
            counts[f"outcomes.outcome:{decision.outcome}"] += 1
    return counts


def _violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    assert len(result["passes"]) > 10
    return [
        f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _fits_a_phone(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def test_a_report_from_the_demo_goes_from_draft_to_sign_off_to_the_public(live_server: Any, browser: Any) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does)")
    load_demo(publish_report=False)
    period = history_period()
    base = live_server.url
    contexts = [browser.new_context(bypass_csp=True) for _ in range(3)]
    drafter, signer, visitor = (context.new_page() for context in contexts)
    problems: dict[str, list[str]] = {}

    # Bruno drafts the report of the last half-year that ended.
    _sign_in(drafter, base, "bruno")
    drafter.goto(f"{base}/transparency/drafts/")
    problems["drafts"] = _violations(drafter)
    drafter.get_by_label("Period").select_option(period.label)
    drafter.get_by_label("Summary (optional)").fill("Most incidents were resolved with a correction.")
    drafter.get_by_role("button", name="Compute the draft").click()
    drafter.wait_for_url(f"{base}/transparency/drafts/{period.label}/")
    assert drafter.get_by_text("a second steward signs it off").is_visible()
    assert drafter.get_by_role("button", name="Sign off this report").count() == 0
    assert visitor.goto(f"{base}/transparency/{period.label}/").status == 404  # not public before sign-off

    # Chen reads it and signs it off.
    _sign_in(signer, base, "chen")
    signer.goto(f"{base}/transparency/drafts/{period.label}/")
    problems["draft"] = _violations(signer)
    signer.get_by_role("button", name="Sign off this report").click()
    signer.get_by_text("Signed off by Chen Wei").wait_for()  # waits for the page the form leads to

    # Anyone: from the home page to the report.
    visitor.goto(f"{base}/")
    visitor.get_by_role("link", name="Transparency reports").click()
    visitor.wait_for_url(f"{base}/transparency/")  # axe needs the new page's document, not the one unloading
    problems["index"] = _violations(visitor)
    visitor.get_by_role("link", name=f"Report for {period.label}").click()
    visitor.wait_for_url(f"{base}/transparency/{period.label}/")
    problems["report"] = _violations(visitor)
    charts = visitor.locator("svg.chart[role=img]")
    assert charts.count() >= 5
    for index in range(charts.count()):
        chart = charts.nth(index)
        assert chart.locator("title").count() == 1 and chart.locator("desc").count() == 1
        pair = chart.locator("xpath=ancestor::div[contains(@class, 'figure-pair')]")
        assert pair.locator("table").count() == 1  # the same numbers beside it
    assert visitor.get_by_text("fewer than 3").first.is_visible()

    published = json.loads(visitor.request.get(f"{base}/transparency/{period.label}.json").text())
    rows = list(csv.reader(io.StringIO(visitor.request.get(f"{base}/transparency/{period.label}.csv").text())))
    truth = _truth(period)
    cells = {cell["key"]: cell for table in published["tables"] for cell in table["cells"]}
    by_csv = {row[1]: row[3] for row in rows[1:]}
    small_hidden = []
    for key in ["received.reports", "received.incidents", "received.people", "actions.committee"] + [
        key for key in cells if key.startswith(("channels.", "spaces.", "outcomes."))
    ]:
        cell = cells[key]
        if cell["hidden"]:
            assert cell["value"] is None and by_csv[key] == "fewer than 3"
            assert str(truth[key]) not in json.dumps(cell)
            if 0 < truth[key] < 3:
                small_hidden.append(key)
        else:
            assert cell["value"] == truth[key], key
            assert by_csv[key] == str(truth[key]), key
            assert not 0 < truth[key] < 3, f"{key}: a small count is shown"
    assert small_hidden, "the demo's report hides no small count"
    assert published["summary"] == "Most incidents were resolved with a correction."

    # A phone, 390 px wide.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    for path in ["/transparency/", f"/transparency/{period.label}/"]:
        page.goto(base + path)
        assert _fits_a_phone(page), path
    signer.set_viewport_size({"width": 390, "height": 844})
    for path in ["/transparency/drafts/", f"/transparency/drafts/{period.label}/"]:
        signer.goto(base + path)
        assert _fits_a_phone(signer), path
    for context in [*contexts, phone]:
        context.close()
    found = {name: v for name, v in problems.items() if v}
    assert not found, json.dumps(found, indent=2)
