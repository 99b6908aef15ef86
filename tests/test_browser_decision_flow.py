"""One case from report to a Warning and an appeal, in a real Chromium, with mail through a real SMTP peer.

A named reporter files a report about a GitHub user and names a second person the order should
protect -> five stewards sign in and declare no conflict -> the inform decision and the reported
person's response are recorded -> a Warning for 30 days with a no-contact order is proposed and
voted until it passes -> decision letters are written from the templates: to the reporter, and to
the reported person, where a planted reporter name is caught, the author cannot approve their own
letter and a second steward approves it -> the outbox task delivers both over SMTP -> the reported
person opens the link from their mail and appeals -> the one steward who took no part decides it.
"""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command

from audit.log import verify_chain
from cases.models import Case, Party, PartyRole, Report
from decisions.models import Appeal, AppealStatus, Decision, Sanction, SanctionStatus
from letters.models import MailStatus, OutgoingMail
from people.actions import do_link_identity
from people.models import Space
from steward.testing import Inbox, text_of
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORTER_NAME = "Ottoline Vantongeren"
REPORTER_EMAIL = "ottoline.v@example.net"
REPORTED_HANDLE = "grumpy-gus"
REPORTED_EMAIL = "gus@example.com"
PROTECTED_NAME = "Priya Raman"
PROTECTED_HANDLE = "priya-r"
REPORT_TEXT = (
    "In review threads grumpy-gus keeps calling newcomers clueless parasites and told Priya "
    "to quit open source. He did it again yesterday under my pull request."
)
RATIONALE = "Repeated personal attacks on contributors in review threads; a clear first violation."
CONDITIONS = "Keep review comments about the code, never about the person."
PLANTED = f"{REPORTER_NAME} asked us to write to you."
APPEAL_TEXT = "I was rude once, but thirty days without talking to a maintainer of my module is too long."
COMMITTEE = ("alice", "bob", "carol", "dave", "erin")


def _declare_none(page: Any, base: str, case: Case) -> None:
    page.goto(f"{base}/cases/{case.code_name}/")
    page.wait_for_url(re.compile(r"/declare/"))
    page.locator("input[name=level][value=none]").check()
    page.get_by_role("button", name="Record my declaration").click()
    page.wait_for_url(f"{base}/cases/{case.code_name}/")


def _flash(page: Any, text: str) -> None:
    page.locator(".flash").get_by_text(text).wait_for()


def _compose(page: Any, base: str, case: Case, kind: str, audience: str) -> str:
    """Fill a letter template for `audience` on the compose page; return the filled body."""
    page.goto(f"{base}/cases/{case.code_name}/")
    page.get_by_role("link", name="Write from a letter template…").click()
    chooser = page.locator("form[method=get]")
    chooser.get_by_label("Letter").select_option(kind)
    chooser.get_by_label("Language").select_option("en")
    chooser.get_by_label(re.compile(audience)).check()
    chooser.get_by_role("button", name="Fill in the letter").click()
    page.wait_for_url(re.compile(r"kind="))
    body = page.locator("#message-body").input_value()
    assert "[to fill in" not in body, body
    return body


def _send_composed(page: Any, body: str) -> None:
    page.locator("#message-body").fill(body)
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url(re.compile(r"/cases/[^/]+/(#thread)?$"))


def test_report_to_warning_letters_and_appeal(
    live_server: Any, new_page: Any, stewards: dict[str, Any], settings: Any, smtp: Inbox
) -> None:
    settings.SITE_URL = live_server.url
    call_command("load_policy", verbosity=0)
    base = live_server.url

    # 1. The reporter files a report with their name and e-mail, naming the reported person by
    #    GitHub handle and a second person the stewards should protect.
    reporter = new_page()
    reporter.goto(f"{base}/report/")
    reporter.get_by_label("What happened?").fill(REPORT_TEXT)
    reporter.get_by_label("Personal or political attacks").check()
    reporter.get_by_label("Your name").fill(REPORTER_NAME)
    reporter.get_by_label("Your e-mail address").fill(REPORTER_EMAIL)
    for index, (role, name, handle) in enumerate([("reported", "Gus", REPORTED_HANDLE), ("affected", PROTECTED_NAME, PROTECTED_HANDLE)], 1):
        reporter.locator(f"#id_involved_{index}_role").select_option(role)
        reporter.locator(f"#id_involved_{index}_name").fill(name)
        reporter.locator(f"#id_involved_{index}_space").select_option("github")
        reporter.locator(f"#id_involved_{index}_handle").fill(handle)
    reporter.get_by_role("button", name="Send report").click()
    reporter.get_by_role("heading", name=re.compile("report was received")).wait_for()
    reference = reporter.locator("#follow-up-reference").inner_text().strip()
    follow_up = reporter.locator("#follow-up-link").inner_text().strip()

    report = Report.objects.get(reference=reference)
    assert report.reporter_name == REPORTER_NAME and report.reporter_email == REPORTER_EMAIL
    case = Case.objects.get(pk=report.case_id)
    reported = Party.objects.get(case=case, role=PartyRole.REPORTED)
    protected = Party.objects.get(case=case, role=PartyRole.AFFECTED)
    assert reported.person.identities.get().handle == REPORTED_HANDLE
    # The reported person's e-mail address, as the stewards would look it up, points at the SMTP peer.
    do_link_identity(None, reported.person, Space.EMAIL, REPORTED_EMAIL)

    # 2. All five stewards sign in and declare no conflict.
    pages: dict[str, Any] = {}
    for name in COMMITTEE:
        pages[name] = new_page()
        sign_in(pages[name], base, name)
        _declare_none(pages[name], base, case)
    bob, carol, erin = pages["bob"], pages["carol"], pages["erin"]

    # 3. Before deciding: whether and when to inform the reported person, and their response.
    panel = bob.locator("#decisions")
    panel.locator("#inform-choice").select_option("yes")
    panel.locator("#inform-reasons").fill("No risk of retaliation; the reporter agreed.")
    panel.get_by_role("button", name="Record", exact=True).click()
    _flash(bob, "Recorded.")
    panel = bob.locator("#decisions")
    panel.locator("#response-party").select_option(str(reported.pk))
    panel.locator("#response-kind").select_option("response")
    panel.locator("#response-text").fill("He says he was having a bad week and did not mean it.")
    panel.get_by_role("button", name="Record response").click()
    _flash(bob, "Response recorded.")

    # 4. Bob proposes a Warning for 30 days with a no-contact order protecting the named person.
    panel = bob.locator("#decisions")
    panel.locator("#proposal-outcome").select_option("warning")
    panel.locator("#proposal-target").select_option(str(reported.pk))
    panel.locator("#proposal-period_days").fill("30")
    panel.get_by_label(f"{protected.person.code_name} (Affected person)").check()
    panel.locator("#proposal-conditions_for_return").fill(CONDITIONS)
    panel.locator("#proposal-rationale").fill(RATIONALE)
    panel.get_by_role("button", name="Propose").click()
    _flash(bob, "Proposal made.")

    # 5. Votes until it passes: four yes of five stewards without a conflict (two-thirds). Erin does not vote.
    proposal = case.proposals.get()
    for name in ("bob", "alice", "carol", "dave"):
        page = pages[name]
        page.goto(f"{base}/cases/{case.code_name}/")
        page.locator(f"#proposal-{proposal.pk}").get_by_role("button", name="Vote yes").click()
        _flash(page, "Your vote is recorded.")
    proposal.refresh_from_db()
    assert proposal.status == "passed"
    decision = Decision.objects.get(case=case)
    sanction = Sanction.objects.get(decision=decision)
    assert sanction.level == "warning" and sanction.person == reported.person
    assert sanction.ends_at is not None and sanction.ends_at - sanction.starts_at == timedelta(days=30)
    assert list(sanction.no_contact.all()) == [protected.person]
    erin.goto(f"{base}/cases/{case.code_name}/")
    decided = erin.locator(f"#decision-{decision.pk}")
    assert "Warning" in decided.inner_text() and protected.person.code_name in decided.inner_text()

    # 6. The decision letter to the reporter, filled from the template, goes out at once.
    body = _compose(bob, base, case, "decision-reporter", f"reporter of report {reference}")
    assert "Warning" in body and "30 days" in body
    _send_composed(bob, body)
    _flash(bob, "Message sent.")

    # 7. The decision letter to the reported person speaks of the protected person by role until a
    # steward records that they agreed to be named (issue #11).
    body = _compose(bob, base, case, "decision-reported", "The reported person Gus")
    assert PROTECTED_NAME not in body and "Do not contact the person named in the decision until" in body
    bob.goto(f"{base}/cases/{case.code_name}/")
    named = bob.locator("#parties li", has_text=protected.person.code_name)
    named.get_by_role("button", name="They agreed to be named in letters").click()
    _flash(bob, "Saved whether this person may be named in letters.")
    # Now the letter names them, and the reporter's name is planted in it.
    body = _compose(bob, base, case, "decision-reported", "The reported person Gus")
    for filled in ("Warning", "30 days", "Personal or political attacks", CONDITIONS, PROTECTED_NAME):
        assert filled in body, filled
    assert RATIONALE not in body  # the stewards' reasoning stays internal
    assert REPORTER_NAME not in body and REPORTER_EMAIL not in body
    _send_composed(bob, body + "\n" + PLANTED)
    _flash(bob, "awaits approval")
    draft = case.messages.get(audience="reported")
    assert draft.approval == "awaiting"
    assert OutgoingMail.objects.get(message=draft).status == MailStatus.HELD

    # The leak check catches the name: a second steward sees why and gets no approve button.
    carol.goto(f"{base}/cases/{case.code_name}/")
    thread = carol.locator("#thread")
    findings = thread.locator(".leak-findings")
    assert REPORTER_NAME in findings.inner_text() and "the reporter's name" in findings.inner_text()
    assert thread.get_by_role("button", name="Approve and send").count() == 0

    # 8. The author corrects the letter; the check is clean; the author still cannot approve it.
    bob.goto(f"{base}/cases/{case.code_name}/")
    bob.locator(f"#draft-body-{draft.pk}").fill(body)
    bob.get_by_role("button", name="Save the corrected message").click()
    _flash(bob, "Message corrected.")
    thread = bob.locator("#thread")
    assert thread.locator(".leak-findings").count() == 0
    assert thread.get_by_role("button", name="Approve and send").count() == 0
    # Even a hand-made request from the author is refused.
    bob.evaluate(
        """([action, target]) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = action;
            const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
            for (const [name, value] of [["csrfmiddlewaretoken", csrf], ["target", target]]) {
                const input = document.createElement("input");
                input.name = name;
                input.value = value;
                form.appendChild(input);
            }
            document.body.appendChild(form);
            form.submit();
        }""",
        [f"/letters/{case.code_name}/approve/", str(draft.pk)],
    )
    _flash(bob, "Another steward must approve your message.")
    draft.refresh_from_db()
    assert draft.approval == "awaiting"

    # 9. Carol, a second steward with no conflict, approves it.
    carol.goto(f"{base}/cases/{case.code_name}/")
    carol.locator("#thread").get_by_role("button", name="Approve and send").click()
    _flash(carol, "Message approved; it is on its way.")
    assert smtp.mails == []

    # 10. The outbox task delivers both letters through the SMTP peer.
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    assert set(OutgoingMail.objects.values_list("status", flat=True)) == {MailStatus.SENT}

    [to_reporter] = smtp.to(REPORTER_EMAIL)
    assert reference in to_reporter["Subject"]
    reporter_text = text_of(to_reporter)
    assert "Warning" in reporter_text and "30 days" in reporter_text

    [to_reported] = smtp.to(REPORTED_EMAIL)
    reported_text = text_of(to_reported)
    assert "Warning" in reported_text and CONDITIONS in reported_text and PROTECTED_NAME in reported_text
    for secret in (REPORTER_NAME, "Ottoline", "Vantongeren", REPORTER_EMAIL, "ottoline.v", reference, follow_up):
        assert secret not in reported_text, secret
        assert secret not in str(to_reported["Subject"]), secret

    # 11. The reported person opens the link from their mail, reads the letter and appeals.
    portal_link = next(word for word in reported_text.split() if "/party/" in word)
    assert portal_link.startswith(f"{base}/party/")
    party = new_page()
    party.goto(portal_link)
    assert CONDITIONS in party.content()
    assert REPORTER_NAME not in party.content()
    party.get_by_role("link", name="Ask for reconsideration").click()
    party.get_by_label("Disproportionate outcome").check()
    party.get_by_label("Why should the decision be reconsidered?").fill(APPEAL_TEXT)
    party.get_by_role("button", name="Send to the stewards").click()
    party.wait_for_url(re.compile(r"/party/open/\d+/(#appeal)?$"))  # the page the link opened: no secret in it
    assert "You asked for reconsideration" in party.locator("#appeal").inner_text()
    appeal = Appeal.objects.get(decision=decision)
    assert appeal.appellant_role == "reported" and appeal.status == AppealStatus.OPEN
    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.ACTIVE  # in force while the appeal is open

    # 12. Stewards who took part see the appeal but cannot decide it; Erin, who did not vote, can.
    bob.goto(f"{base}/cases/{case.code_name}/")
    assert APPEAL_TEXT in bob.content()
    assert bob.get_by_role("button", name="Decide").count() == 0
    assert not proposal.votes.filter(steward=stewards["erin"]).exists() and proposal.proposed_by != stewards["erin"]
    erin.goto(f"{base}/cases/{case.code_name}/")
    form = erin.locator(f"#decision-{decision.pk} .appeal form")
    form.get_by_label("Outcome of the appeal").select_option("changed")
    form.get_by_label("New level (when changed)").select_option("warning")
    form.get_by_label("New period in days (when changed)").fill("14")
    form.get_by_label("Rationale").fill("A single bad week; fourteen days of no contact is proportionate.")
    form.get_by_role("button", name="Decide").click()
    _flash(erin, "The appeal is decided.")

    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.DECIDED and appeal.outcome == "changed" and appeal.decided_by == stewards["erin"]
    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.CHANGED
    new = Sanction.objects.get(replaces=sanction)
    assert new.status == SanctionStatus.ACTIVE and new.level == "warning"
    assert new.ends_at == sanction.starts_at + timedelta(days=14)
    assert list(new.no_contact.all()) == [protected.person]
    decided = erin.locator(f"#decision-{decision.pk}")
    assert "Changed on appeal" in decided.inner_text() and "Active" in decided.inner_text()

    # The reported person sees the outcome on their page.
    party.goto(portal_link)
    assert "Changed" in party.locator("#appeal").inner_text()
    assert verify_chain().ok
