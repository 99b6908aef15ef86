"""A steward files a report for someone who told them another way (REQUIREMENTS 2.6)."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from cases.models import Report
from intake.tests.conftest import accessibility_problems, nothing_stored, receipt_of, submit

pytestmark = pytest.mark.django_db

URL = "/report/on-behalf/"


def test_url():
    assert reverse("intake:report_on_behalf") == URL


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    response = submit(client, URL, channel="phone")
    assert response.status_code == 302


def test_signed_in_non_stewards_get_404(client, login, stewards, settings):
    login(User.objects.create_user("olivia", password="x" * 20))
    assert client.get(URL).status_code == 404
    assert submit(client, URL, channel="phone").status_code == 404
    assert nothing_stored(settings)


def test_former_stewards_cannot_file(client, login, stewards, settings):
    login(User.objects.get(username="frank"))
    assert client.get(URL).status_code in (302, 404)  # the session middleware signs them out first
    assert submit(client, URL, channel="phone").status_code in (302, 404)
    assert nothing_stored(settings)


def test_steward_files_a_report_recording_who_took_it_and_how(client, login, stewards):
    login(stewards["dave"])
    page = client.get(URL)
    assert page.status_code == 200
    assert 'name="channel"' in page.content.decode()
    assert 'name="website"' not in page.content.decode()
    assert accessibility_problems(page.content.decode()) == []
    response = submit(client, URL, channel="phone", body="Told me on the phone", reporter_name="Pat Caller")
    html = response.content.decode()
    assert "Give the reporter this link now" in html
    reference, secret = receipt_of(response)
    report = Report.objects.get(reference=reference)
    assert report.taken_by == stewards["dave"]
    assert report.channel == "phone"
    assert report.reporter_name == "Pat Caller"
    assert not report.case.held_as_possible_flood
    assert f"/follow-up/{reference}/{secret}/" in html
    assert response["Cache-Control"] == "no-store"


def test_channel_is_required_and_web_is_not_offered(client, login, stewards, settings):
    login(stewards["dave"])
    assert "Please tell us" not in submit(client, URL, channel="web").content.decode()
    assert "Select a valid choice" in submit(client, URL, channel="web").content.decode()
    assert "This field is required" in submit(client, URL).content.decode()
    assert nothing_stored(settings)
