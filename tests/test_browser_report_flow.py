"""A person's path through Steward in a real Chromium: report, follow up, handle, answer, recuse.

Anonymous reporter files a report -> opens the follow-up link -> a steward signs in, declares no
conflict, reads the case, writes a note and a message to the reporter -> the reporter sees the
message through the link -> a hard-conflicted steward gets 404s and finds the case nowhere.
"""

import re
from typing import Any

import pytest
from django.core.management import call_command

from audit.log import verify_chain
from cases.actions import do_declare_conflict
from cases.models import Case, ConflictLevel, Report
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_TEXT = "In the #help channel, xq_troll called me a slur and posted my e-mail address twice."
NOTE_TEXT = "Checked the channel history: both messages are still up."
MESSAGE_TEXT = "Thank you for telling us. We are looking at the channel history now."
STEWARDS_ONLY_TEXT = "Internal: xq_troll has an earlier warning on the forum."


def test_anonymous_report_to_reply_and_recusal(live_server: Any, new_page: Any, stewards: dict[str, Any], settings: Any) -> None:
    settings.SITE_URL = live_server.url
    call_command("load_policy", verbosity=0)
    base = live_server.url

    # 1. An anonymous reporter files a report with no account.
    reporter = new_page()
    reporter.goto(f"{base}/report/")
    assert reporter.get_by_text(re.compile("immediate danger", re.I)).first.is_visible()
    reporter.get_by_label("What happened?").fill(REPORT_TEXT)
    reporter.get_by_label("Report anonymously").check()
    reporter.get_by_role("button", name="Send report").click()
    reporter.get_by_role("heading", name=re.compile("report was received")).wait_for()
    reference = reporter.locator("#follow-up-reference").inner_text().strip()
    link = reporter.locator("#follow-up-link").inner_text().strip()
    assert link.startswith(f"{base}/follow-up/{reference}/")

    report = Report.objects.get(reference=reference)
    assert report.anonymous and not report.reporter_name and not report.reporter_email
    case = Case.objects.get(pk=report.case_id)

    # 2. The reporter opens the private link: their report, no messages yet.
    reporter.goto(link)
    assert REPORT_TEXT in reporter.content()

    # 3. A steward signs in; the case shows by code name only until they declare.
    steward = new_page()
    sign_in(steward, base, "dave")
    steward.goto(f"{base}/cases/")
    assert case.code_name in steward.content()
    assert REPORT_TEXT not in steward.content()
    steward.goto(f"{base}/cases/{case.code_name}/")
    steward.wait_for_url(re.compile(r"/declare/"))
    steward.locator("input[name=level][value=none]").check()
    steward.get_by_role("button", name="Record my declaration").click()
    steward.wait_for_url(f"{base}/cases/{case.code_name}/")
    assert REPORT_TEXT in steward.content()

    # 4. A note for the file and a message to the reporter, plus one for stewards only.
    notes = steward.locator("#notes")
    notes.get_by_label("Text").fill(NOTE_TEXT)
    notes.get_by_role("button", name="Add note").click()
    steward.locator("#notes").get_by_text(NOTE_TEXT).wait_for()

    thread = steward.locator("#thread")
    thread.get_by_label(re.compile(f"reporter of report {reference}")).check()
    thread.get_by_label("Message").fill(MESSAGE_TEXT)
    thread.get_by_role("button", name="Send").click()
    steward.locator("#thread").get_by_text(MESSAGE_TEXT).wait_for()

    thread = steward.locator("#thread")
    thread.get_by_label("Stewards only").check()
    thread.get_by_label("Message").fill(STEWARDS_ONLY_TEXT)
    thread.get_by_role("button", name="Send").click()
    steward.locator("#thread").get_by_text(STEWARDS_ONLY_TEXT).wait_for()

    # 5. The reporter sees the message meant for them, and nothing meant for stewards only.
    reporter.goto(link)
    assert MESSAGE_TEXT in reporter.content()
    assert STEWARDS_ONLY_TEXT not in reporter.content()
    assert NOTE_TEXT not in reporter.content()

    # ...and can answer through the same link.
    reporter.get_by_label("Your message").fill("The second post was at 14:05 UTC.")
    reporter.get_by_role("button", name="Send to the stewards").click()
    reporter.get_by_text("The second post was at 14:05 UTC.").wait_for()

    # 6. A hard-conflicted steward: 404 on the case and its files, absent from every queue and search.
    do_declare_conflict(stewards["bob"], case, ConflictLevel.HARD)
    recused = new_page()
    sign_in(recused, base, "bob")
    for path in (f"/cases/{case.code_name}/", f"/cases/{case.code_name}/declare/", f"/cases/{case.code_name}/evidence/1/download/"):
        response = recused.goto(base + path)
        assert response.status == 404, path
        assert REPORT_TEXT not in recused.content()
    for query in ("", "?view=all", "?view=new", "?view=unacknowledged", f"?q={case.code_name}"):
        recused.goto(f"{base}/cases/{query}")
        assert case.code_name not in recused.content(), query

    # A forged link shows the same kind refusal as an unknown one.
    assert reporter.goto(link[:-3] + "abc/").status == 404
    assert verify_chain().ok
