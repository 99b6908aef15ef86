"""The receipt: shown once, as the response to the report, with everything the reporter needs (REQUIREMENTS 2.2)."""

import pytest

from intake.tests.conftest import portal_url, receipt_of, submit

pytestmark = pytest.mark.django_db


def test_receipt_shows_reference_link_code_and_copy_button(client, settings):
    settings.SITE_URL = "https://coc.example.org"
    response = submit(client)
    reference, secret = receipt_of(response)
    html = response.content.decode()
    link = "https://coc.example.org" + portal_url(reference, secret)
    assert link == f"https://coc.example.org/follow-up/{reference}/{secret}/"
    assert f'id="follow-up-link"><a href="{link}"' in html
    assert 'data-copy="follow-up-link"' in html
    assert "We cannot recover it." in html
    assert "https://coc.example.org/follow-up/" in html


def test_receipt_says_what_happens_next_with_the_policy_timelines(client):
    from policy.testing import load_test_policy

    load_test_policy({"timelines": {"acknowledge_hours": 36, "first_followup_days": 9, "decision_target_days": 45}})
    html = submit(client).content.decode()
    assert "within 36 hours" in html
    assert "within 9 days" in html
    assert "within 45 days" in html
    assert "coc-outside@example.org" in html
    assert "If someone is in immediate danger, contact local emergency services." in html
    assert "withdraw" not in html.lower()


def test_receipt_reflects_the_reporters_choices(client):
    assert "take no action on it unless the same person is reported again" in submit(client, on_file_only="on").content.decode()
    assert "will not contact you" in submit(client, do_not_contact="on", reporter_email="a@example.net").content.decode()
    assert "without a name, contact details, IP address or browser details" in submit(client, anonymous="on").content.decode()


def test_receipt_is_never_cached_and_sends_no_referrer(client):
    response = submit(client)
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert '<meta name="referrer" content="same-origin">' in response.content.decode()
