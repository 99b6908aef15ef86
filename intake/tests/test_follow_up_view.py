"""The reporter's portal: only their own report, only reporter-audience messages; wrong links are all alike."""

import re

import pytest
from django.urls import reverse

from cases.actions import do_change_status, do_send_message
from cases.models import Audience, Evidence, Message, Report, Status
from intake.tests.conftest import PNG, accessibility_problems, page_url, png, portal_url, receipt_of, submit, upload

pytestmark = pytest.mark.django_db

XSS = '<script>alert("owned")</script><img src=x onerror=alert(1)>'


def test_the_link_opens_the_report(client, report_with_link):
    report, secret = report_with_link
    response = client.get(portal_url(report.reference, secret), follow=True)
    assert response.status_code == 200 and response.redirect_chain == [(page_url(report.reference), 303)]
    html = response.content.decode()
    assert report.reference in html
    assert "The original words of my report." in html
    assert "Received" in html
    assert accessibility_problems(html) == []


def test_reference_is_accepted_in_lower_case(client, report_with_link):
    report, secret = report_with_link
    assert client.get(portal_url(report.reference.lower(), secret), follow=True).status_code == 200


def test_portal_is_private(client, report_with_link):
    report, secret = report_with_link
    response = client.get(portal_url(report.reference, secret))
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert "noindex" in response["X-Robots-Tag"]


def _without_csrf_token(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def test_wrong_unknown_and_malformed_links_get_the_same_kind_404(client, report_with_link):
    report, secret = report_with_link
    other = "R-ZZZZ-ZZZZ" if report.reference != "R-ZZZZ-ZZZZ" else "R-YYYY-YYYY"
    urls = [
        portal_url(report.reference, secret[:-1] + ("A" if secret[-1] != "A" else "B")),  # wrong secret
        portal_url(other, secret),  # unknown reference
        portal_url("nonsense", "x"),  # malformed
        portal_url(report.reference, "a" * 300),  # too long
        "/follow-up/R-%00AB-CDEF/" + secret + "/",  # a NUL byte never reaches the database
    ]
    responses = [client.get(url) for url in urls]
    assert {r.status_code for r in responses} == {404}
    # Every page carries a fresh CSRF token (the language form); apart from it the pages are identical.
    assert len({_without_csrf_token(r.content) for r in responses}) == 1
    html = responses[0].content.decode()
    assert "This link does not open a report" in html
    assert "check that you copied all of it" in html
    assert all(r["Cache-Control"] == "no-store" for r in responses)
    # Posting to a wrong link stores nothing either.
    response = client.post(urls[0], {"body": "hello"})
    assert response.status_code == 404 and _without_csrf_token(response.content) == _without_csrf_token(responses[0].content)
    assert not Message.objects.exists()


def test_reporter_sees_only_reporter_messages_of_their_own_report(client, stewards, report_with_link):
    report, secret = report_with_link
    other_reference, _ = receipt_of(submit(client, body="Somebody else's report"))
    other = Report.objects.get(reference=other_reference)
    alice = stewards["alice"]
    do_send_message(alice, report.case, Audience.REPORTER, "Could you tell us when this happened?", report=report)
    do_send_message(alice, report.case, Audience.STEWARDS, "Internal: stewards-only remark")
    do_send_message(alice, other.case, Audience.REPORTER, "Message for the other reporter", report=other)
    do_send_message(alice, other.case, Audience.STEWARDS, "Internal about the other case")
    html = client.get(portal_url(report.reference, secret), follow=True).content.decode()
    assert "Could you tell us when this happened?" in html
    assert "The stewards wrote" in html
    assert "stewards-only remark" not in html
    assert "Message for the other reporter" not in html
    assert "Internal about the other case" not in html
    assert "Somebody else" not in html
    assert "alice" not in html.lower()  # the steward who wrote is not named


def test_a_second_report_in_the_same_case_does_not_see_the_first_reporters_thread(client, stewards):
    from cases.actions import do_declare_conflict, do_merge_cases

    first_ref, _ = receipt_of(submit(client, body="first reporter"))
    second_ref, second_secret = receipt_of(submit(client, body="second reporter"))
    first, second = Report.objects.get(reference=first_ref), Report.objects.get(reference=second_ref)
    for case in (first.case, second.case):  # only a steward with no conflict on both may join them
        do_declare_conflict(stewards["alice"], case, "none")
    do_merge_cases(stewards["alice"], first.case, second.case)
    do_send_message(stewards["alice"], first.case, Audience.REPORTER, "Only for the first reporter", report=first)
    html = client.get(portal_url(second_ref, second_secret), follow=True).content.decode()
    assert "second reporter" in html
    assert "Only for the first reporter" not in html and "first reporter" not in html


def test_status_is_shown_in_reporter_words(client, stewards, report_with_link):
    report, secret = report_with_link
    do_change_status(stewards["alice"], report.case, Status.INVESTIGATING)
    html = client.get(portal_url(report.reference, secret), follow=True).content.decode()
    assert "Being looked into" in html


def test_reply_with_evidence_then_redirect_to_the_same_page(client, report_with_link, settings):
    report, secret = report_with_link
    url = portal_url(report.reference, secret)
    response = client.post(url, {"body": "I remembered: it was on Tuesday.", "evidence": [png("later.png")]})
    assert response.status_code == 303
    assert response["Location"] == page_url(report.reference) + "?sent=1"
    message = Message.objects.get(report=report)
    assert message.from_reporter and message.audience == Audience.REPORTER
    assert message.body == "I remembered: it was on Tuesday."
    evidence = Evidence.objects.get(report=report)
    assert evidence.added_by_reporter and evidence.original_name == "later.png"
    page = client.get(response["Location"]).content.decode()
    assert "I remembered: it was on Tuesday." in page
    assert "You wrote" in page
    assert "later.png" in page
    assert "What you added is now with the stewards." in page


def test_reply_with_only_a_file(client, report_with_link):
    report, secret = report_with_link
    response = client.post(portal_url(report.reference, secret), {"evidence": [upload("log.txt", b"chat log", "text/plain")]})
    assert response.status_code == 303
    assert Evidence.objects.filter(report=report).count() == 1
    assert not Message.objects.exists()


def test_empty_reply_is_refused(client, report_with_link):
    report, secret = report_with_link
    response = client.post(portal_url(report.reference, secret), {"body": "  "})
    assert response.status_code == 200
    assert "Write a message or attach a file." in response.content.decode()
    assert not Message.objects.exists()


def test_reply_with_a_bad_file_stores_nothing(client, report_with_link, settings):
    report, secret = report_with_link
    response = client.post(
        portal_url(report.reference, secret), {"body": "see attached", "evidence": [png(), upload("evil.png", b"<html><script>")]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "evil.png" in html and "does not contain what its name says" in html
    assert not Message.objects.exists()
    assert not Evidence.objects.exists()
    evidence_dir = settings.STEWARD_EVIDENCE_DIR
    assert not evidence_dir.exists() or not [p for p in evidence_dir.rglob("*") if p.is_file()]


def test_reply_with_too_many_files_is_refused(client, report_with_link, settings):
    settings.STEWARD_EVIDENCE_MAX_FILES = 1
    report, secret = report_with_link
    response = client.post(portal_url(report.reference, secret), {"evidence": [png("a.png"), png("b.png", PNG + b"b")]})
    assert "you can add at most 1 at a time" in response.content.decode()
    assert not Evidence.objects.exists()


def test_every_text_field_is_stored_verbatim_and_shown_escaped(client, stewards):
    from policy.services import current_policy

    fields = {
        "body": XSS,
        "involved": XSS,
        "witnesses": XSS,
        "occurred_when": XSS,
        "relation": XSS,
        "safety_concern": XSS,
        "reporter_name": XSS,
        "reporter_other_contact": XSS,
        "involved_1_name": XSS,
    }
    code = current_policy().category_choices()[0][0]
    reference, secret = receipt_of(submit(client, categories=[code], link="https://example.org/?q=<b>", **fields))
    report = Report.objects.get(reference=reference)
    for name in ("body", "involved", "witnesses", "occurred_when", "relation", "safety_concern", "reporter_name", "reporter_other_contact"):
        assert getattr(report, name) == XSS
    url = portal_url(reference, secret)
    client.post(url, {"body": XSS})
    do_send_message(stewards["alice"], report.case, Audience.REPORTER, XSS, report=report)
    html = client.get(url, follow=True).content.decode()
    assert XSS not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;" in html
    # Body, involved, witnesses, when, relation, safety concern, the reply and the stewards' message.
    assert html.count("&lt;script&gt;alert(&quot;owned&quot;)") >= 8
    # The portal never shows the reporter's identity, even escaped.
    assert "reporter_name" not in html


def test_portal_never_shows_name_or_contact(client):
    reference, secret = receipt_of(submit(client, reporter_name="Visible Vera", reporter_email="vera@example.net"))
    html = client.get(portal_url(reference, secret), follow=True).content.decode()
    assert "Visible Vera" not in html and "vera@example.net" not in html


def test_follow_up_pages_have_csrf_protection(report_with_link):
    from django.test import Client

    report, secret = report_with_link
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(portal_url(report.reference, secret), {"body": "x"}).status_code == 403
    assert not Message.objects.exists()


def test_start_page_url_name():
    assert reverse("intake:follow_up_start") == "/follow-up/"
