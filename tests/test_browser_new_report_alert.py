"""A steward's morning, the alert part: a report sent in Chromium reaches every eligible steward by mail at once
(a real SMTP peer, aiosmtpd), with the code name and a link only; the hard-conflicted stewards get nothing; a
steward who chose the daily digest on their account page gets no mail now; the link leads to the case."""

import re
from typing import Any

import pytest
from django.core.management import call_command

from cases.models import Case, Report
from steward.testing import Inbox, text_of
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_TEXT = "Zanzibar-ferret mocked my accent in the release call, twice."
REPORTER_NAME = "Quintessa Reporterly"
REPORTER_EMAIL = "quintessa@reporters.example"
PARTY_NAME = "Mallory Partyname"
PARTY_HANDLE = "mallory-planted"
PLANTED = (REPORT_TEXT, "Zanzibar", REPORTER_NAME, "Quintessa", REPORTER_EMAIL, PARTY_NAME, "Mallory", PARTY_HANDLE, "Bob")


def test_a_new_report_alerts_the_eligible_stewards_with_no_case_content(
    live_server: Any, new_page: Any, stewards: dict[str, Any], settings: Any, smtp: Inbox
) -> None:
    settings.SITE_URL = live_server.url
    call_command("load_policy", verbosity=0)
    base = live_server.url

    # erin prefers the daily digest: she says so on her account page.
    erin = new_page()
    sign_in(erin, base, "erin")
    erin.goto(f"{base}/accounts/security/")
    erin.get_by_label(re.compile("Once a day")).check()
    erin.locator("#new-reports-title").locator("..").get_by_role("button", name="Save").click()
    erin.get_by_text("Saved: how new reports reach you by mail.").wait_for()

    # A reporter names bob (GitHub "bob") among the people involved and keeps carol away from the report.
    reporter = new_page()
    reporter.goto(f"{base}/report/")
    reporter.get_by_label("What happened?").fill(REPORT_TEXT)
    reporter.locator("[name=involved_1_name]").fill(PARTY_NAME)
    reporter.locator("[name=involved_1_space]").select_option("github")
    reporter.locator("[name=involved_1_handle]").fill(PARTY_HANDLE)
    reporter.locator("[name=involved_2_role]").select_option("witness")
    reporter.locator("[name=involved_2_name]").fill("Bob")
    reporter.locator("[name=involved_2_space]").select_option("github")
    reporter.locator("[name=involved_2_handle]").fill("bob")
    reporter.locator("[name=reporter_name]").fill(REPORTER_NAME)
    reporter.locator("[name=reporter_email]").fill(REPORTER_EMAIL)
    reporter.get_by_label("Carol").check()
    reporter.get_by_role("button", name="Send report").click()
    reporter.get_by_role("heading", name=re.compile("report was received")).wait_for()
    reference = reporter.locator("#follow-up-reference").inner_text().strip()
    case = Case.objects.get(pk=Report.objects.get(reference=reference).case_id)

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)  # the worker takes the queued alerts

    # alice and dave now; not bob (named), carol (excluded), frank (deactivated), erin (digest).
    received = {rcpt: mail for rcpts, mail in smtp.mails for rcpt in rcpts}
    assert sorted(received) == ["alice@example.org", "dave@example.org"]
    link = f"{base}/cases/{case.code_name}/"
    for mail in received.values():
        text, subject = text_of(mail), str(mail["Subject"])
        assert case.code_name in subject and link in text
        for planted in PLANTED:
            assert planted not in text and planted not in subject, planted

    # dave follows the link from his mail: signed in, it takes him to the case, which asks for his declaration.
    dave = new_page()
    sign_in(dave, base, "dave")
    dave.goto(re.search(r"https?://\S+", text_of(received["dave@example.org"])).group(0))  # type: ignore[union-attr]
    dave.wait_for_url(re.compile(rf"/cases/{case.code_name}/declare/"))
    assert REPORT_TEXT not in dave.content()

    # bob, named in the report, finds it nowhere.
    bob = new_page()
    sign_in(bob, base, "bob")
    bob.goto(f"{base}/cases/")
    assert case.code_name not in bob.content()
