"""A long thread on the reporter's page: the latest messages first shown, earlier ones a link away, and paging
back through it never shows a message that is not this reporter's (another report's, stewards-only)."""

import re

import pytest
from django.test import Client

from cases.actions import do_send_message
from cases.models import Audience, Report
from intake.tests.conftest import page_url, portal_url, receipt_of, submit

pytestmark = pytest.mark.django_db


def _messages_and_more(html: str) -> tuple[list[str], str]:
    shown = re.findall(r"NUMBERED-(\d+)", html)
    more = re.search(r'<p class="more"><a href="([^"]+)"', html)
    return shown, (more.group(1).replace("&amp;", "&") if more else "")


def test_a_long_thread_pages_back_through_only_this_reporters_messages(client, stewards, monkeypatch):
    monkeypatch.setattr("intake.views.PORTAL_PAGE", 5)
    reference, secret = receipt_of(submit(client, body="My report."))
    report = Report.objects.get(reference=reference)
    other_reference, _ = receipt_of(submit(client, body="Another report."))
    other = Report.objects.get(reference=other_reference)
    alice = stewards["alice"]
    for number in range(12):
        do_send_message(alice, report.case, Audience.REPORTER, f"NUMBERED-{number:02d} for you", report=report)
        # Interleaved, so a page's edge can fall on them: never shown, whichever page.
        do_send_message(alice, report.case, Audience.STEWARDS, f"STEWARDS-ONLY {number}")
        do_send_message(alice, other.case, Audience.REPORTER, f"OTHER-REPORTER {number}", report=other)

    browser = Client()
    url, pages = portal_url(reference, secret), []
    while url:
        html = browser.get(url, follow=True).content.decode()
        assert "STEWARDS-ONLY" not in html and "OTHER-REPORTER" not in html
        shown, url = _messages_and_more(html)
        assert url == "" or url.startswith(page_url(reference) + "?messages_before=")
        pages.append(shown)

    assert pages[0] == ["07", "08", "09", "10", "11"], "the latest first, in the order they were written"
    assert [number for page in reversed(pages) for number in page] == [f"{n:02d}" for n in range(12)]
    assert len(pages) == 3


def _portal_with_messages(client, steward, count: int, browser: Client) -> str:
    """A report's page, opened in `browser` by its link, with `count` numbered messages from the stewards."""
    reference, secret = receipt_of(submit(client, body="My report."))
    report = Report.objects.get(reference=reference)
    for number in range(count):
        do_send_message(steward, report.case, Audience.REPORTER, f"NUMBERED-{number:02d}", report=report)
    assert browser.get(portal_url(reference, secret))["Location"] == page_url(reference)
    return page_url(reference)


def test_a_forged_cursor_starts_at_the_latest_messages(client, stewards, monkeypatch):
    monkeypatch.setattr("intake.views.PORTAL_PAGE", 2)
    browser = Client()
    url = _portal_with_messages(client, stewards["alice"], 3, browser)
    html = browser.get(url + "?messages_before=bm90LWEtY3Vyc29y").content.decode()
    assert _messages_and_more(html)[0] == ["01", "02"]


def test_earlier_messages_do_not_thank_the_reporter_again(client, stewards, monkeypatch):
    """ "Thank you" follows a reply once; the link to earlier messages from that page does not carry it."""
    monkeypatch.setattr("intake.views.PORTAL_PAGE", 1)
    browser = Client()
    html = browser.get(_portal_with_messages(client, stewards["alice"], 2, browser) + "?sent=1").content.decode()
    assert "Thank you" in html
    earlier = _messages_and_more(html)[1]
    assert "sent=" not in earlier
    assert "Thank you" not in browser.get(earlier).content.decode()
