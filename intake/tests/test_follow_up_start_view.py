"""Typing the reference and code by hand (or pasting the link) leads to the portal."""

import pytest
from django.urls import reverse

from intake.tests.conftest import page_url

pytestmark = pytest.mark.django_db


def test_start_page_is_a_form(client):
    response = client.get(reverse("intake:follow_up_start"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'for="id_reference"' in html and 'for="id_code"' in html
    assert response["Cache-Control"] == "no-store"


def test_reference_and_code_redirect_to_the_portal(client, report_with_link):
    report, secret = report_with_link
    response = client.post(reverse("intake:follow_up_start"), {"reference": report.reference, "code": secret})
    assert response.status_code == 303
    assert response["Location"] == page_url(report.reference)
    assert "?" not in response["Location"]


def test_sloppy_reference_and_pasted_link_are_understood(client, report_with_link):
    report, secret = report_with_link
    sloppy = " " + report.reference.lower().replace("-", " ") + " "
    response = client.post(reverse("intake:follow_up_start"), {"reference": sloppy, "code": f" {secret} "})
    assert response["Location"] == page_url(report.reference)
    pasted = f"https://coc.example.org/follow-up/{report.reference}/{secret}/"
    response = client.post(reverse("intake:follow_up_start"), {"reference": pasted})
    assert response["Location"] == page_url(report.reference)


def test_wrong_code_and_unknown_reference_get_the_same_answer(client, report_with_link):
    report, secret = report_with_link
    wrong = client.post(reverse("intake:follow_up_start"), {"reference": report.reference, "code": secret[::-1]})
    unknown = client.post(reverse("intake:follow_up_start"), {"reference": "R-ZZZZ-ZZZZ", "code": secret})
    message = "We could not open a report with that reference and code."
    assert wrong.status_code == unknown.status_code == 200
    assert message in wrong.content.decode() and message in unknown.content.decode()


def test_missing_code_is_asked_for(client):
    response = client.post(reverse("intake:follow_up_start"), {"reference": "R-ABCD-EFGH"})
    assert "Please enter the follow-up code from your receipt." in response.content.decode()
