"""A secret link is traded for a short session on its first visit (steward/link_sessions.py, issue 19 item 2).

After the first request nothing the reporter's or the reported person's browser sends carries the secret: not
the page, not a reply with evidence, not an appeal. The page is bound to the one report (or link), lapses, can
be left on a shared computer, and the link from the mail opens it again as often as needed.
"""

import time

import pytest
from django.test import Client
from django.urls import reverse

from cases.actions import InvolvedPerson, do_add_party
from cases.models import Evidence, Message, PartyRole
from intake.tests.conftest import page_url, png, portal_url, receipt_of, submit
from letters.actions import do_create_party_link, do_revoke_party_link
from privacy.erasure import erase_case
from steward import link_sessions

pytestmark = pytest.mark.django_db


def test_the_link_opens_the_page_and_nothing_after_it_carries_the_secret(client, report_with_link):
    report, secret = report_with_link
    browser = Client()
    opened = browser.get(portal_url(report.reference, secret))
    assert opened.status_code == 303 and opened["Location"] == page_url(report.reference)
    page = browser.get(opened["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "The original words of my report." in html
    assert secret not in html, "the page's own links and forms carry no secret"
    assert page["Cache-Control"] == "no-store"
    replied = browser.post(page_url(report.reference), {"body": "It happened again.", "evidence": [png("again.png")]})
    assert replied.status_code == 303 and replied["Location"] == page_url(report.reference) + "?sent=1"
    assert Message.objects.get(report=report).body == "It happened again."
    assert Evidence.objects.get(report=report).original_name == "again.png"
    assert "It happened again." in browser.get(replied["Location"]).content.decode()
    assert secret not in str(browser.session.items()), "the session holds the reference, never the secret"


def test_a_browser_the_link_did_not_open_gets_the_wrong_link_page(report_with_link):
    report, _ = report_with_link
    stranger = Client()
    response = stranger.get(page_url(report.reference))
    assert response.status_code == 404 and "This link does not open a report" in response.content.decode()
    assert stranger.post(page_url(report.reference), {"body": "let me in"}).status_code == 404
    assert not Message.objects.exists()


def test_two_reports_in_one_browser_each_open_only_by_its_own_link(client):
    first, first_secret = receipt_of(submit(client, body="FIRST report"))
    second, second_secret = receipt_of(submit(client, body="SECOND report"))
    browser = Client()
    browser.get(portal_url(first, first_secret))
    assert browser.get(page_url(second)).status_code == 404, "opening one report opens no other"
    browser.get(portal_url(second, second_secret))
    assert "FIRST report" in browser.get(page_url(first)).content.decode()
    assert "SECOND report" in browser.get(page_url(second)).content.decode()


def test_leaving_closes_the_page_and_the_mail_link_opens_it_again(report_with_link):
    report, secret = report_with_link
    browser = Client()
    for _ in range(3):  # the link from the mail works every time
        assert browser.get(portal_url(report.reference, secret), follow=True).status_code == 200
        left = browser.post(reverse("intake:follow_up_leave", args=[report.reference]), follow=True)
        assert "Your report is closed in this browser." in left.content.decode()
        assert browser.get(page_url(report.reference)).status_code == 404


def test_the_page_lapses_after_its_lifetime_without_a_visit(report_with_link, settings, monkeypatch):
    report, secret = report_with_link
    settings.STEWARD_LINK_SESSION_SECONDS = 1800
    now = [time.time()]
    monkeypatch.setattr(link_sessions.time, "time", lambda: now[0])
    browser = Client()
    browser.get(portal_url(report.reference, secret))
    now[0] += 1700
    assert browser.get(page_url(report.reference)).status_code == 200, "a visit keeps it open"
    now[0] += 1700
    assert browser.get(page_url(report.reference)).status_code == 200
    now[0] += 1801
    assert browser.get(page_url(report.reference)).status_code == 404


def test_opening_a_link_gives_the_browser_a_new_session_key(report_with_link):
    """A session someone else planted (fixation) never receives the grant."""
    report, secret = report_with_link
    browser = Client()
    browser.get(reverse("intake:follow_up_start"))
    session = browser.session
    session["planted"] = True
    session.save()
    planted = session.session_key
    browser.get(portal_url(report.reference, secret))
    assert browser.session.session_key != planted


def test_the_typed_reference_and_code_open_the_page_without_the_code_in_any_address(report_with_link):
    report, secret = report_with_link
    browser = Client()
    response = browser.post(reverse("intake:follow_up_start"), {"reference": report.reference, "code": secret})
    assert response.status_code == 303 and response["Location"] == page_url(report.reference)
    assert browser.get(response["Location"]).status_code == 200


def test_forms_on_the_opened_page_keep_their_csrf_check(report_with_link):
    report, secret = report_with_link
    strict = Client(enforce_csrf_checks=True)
    strict.get(portal_url(report.reference, secret))
    assert strict.post(page_url(report.reference), {"body": "x"}).status_code == 403
    assert strict.post(reverse("intake:follow_up_leave", args=[report.reference])).status_code == 403
    assert not Message.objects.exists()


def test_the_reported_persons_link_opens_a_page_without_it_and_revoking_closes_it(stewards, report_with_link):
    report, _ = report_with_link
    party = do_add_party(stewards["dave"], report.case, InvolvedPerson(PartyRole.REPORTED, "Ivan"))
    new = do_create_party_link(stewards["dave"], report.case, party)
    browser = Client()
    opened = browser.get(reverse("letters:party_portal", args=[new.token]))
    page = reverse("letters:party_page", args=[new.link.pk])
    assert opened.status_code == 303 and opened["Location"] == page
    html = browser.get(page).content.decode()
    assert new.token not in html
    answered = browser.post(page, {"body": "My side of it."})
    assert answered.status_code == 303 and Message.objects.get(from_party=True).body == "My side of it."
    assert Client().get(page).status_code == 404, "another browser"
    do_revoke_party_link(stewards["dave"], report.case, new.link.pk)
    assert browser.get(page).status_code == 404, "a revoked link closes the page it opened"


def test_opening_one_reported_persons_link_opens_no_other_persons_page(stewards, report_with_link):
    """Two reported people (two links): the browser that opened Ivan's page cannot read Jana's by its address."""
    report, _ = report_with_link
    ivan = do_create_party_link(
        stewards["dave"], report.case, do_add_party(stewards["dave"], report.case, InvolvedPerson(PartyRole.REPORTED, "Ivan"))
    )
    jana = do_create_party_link(
        stewards["dave"], report.case, do_add_party(stewards["dave"], report.case, InvolvedPerson(PartyRole.REPORTED, "Jana"))
    )
    browser = Client()
    assert browser.get(reverse("letters:party_portal", args=[ivan.token])).status_code == 303
    assert browser.get(reverse("letters:party_page", args=[ivan.link.pk])).status_code == 200
    assert browser.get(reverse("letters:party_page", args=[jana.link.pk])).status_code == 404, "opening one link opens no other"


def test_a_report_erased_while_its_page_is_open_is_the_wrong_link_page(report_with_link):
    """Erasure (retention, or a request) removes the report: a browser that had it open gets the same page as a
    wrong link, not an error."""
    report, secret = report_with_link
    browser = Client()
    browser.get(portal_url(report.reference, secret))
    assert browser.get(page_url(report.reference)).status_code == 200
    assert erase_case(report.case_id)
    response = browser.get(page_url(report.reference))
    assert response.status_code == 404 and "This link does not open a report" in response.content.decode()
