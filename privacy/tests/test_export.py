"""Data-subject requests: one calendar month to answer; the export keeps reporters and witnesses out."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from audit.models import Event
from people.models import Identity, Space
from privacy.actions import do_complete_data_request, do_open_data_request
from privacy.export import REDACTED, build_export
from privacy.models import DataSubjectRequest, one_month_after
from privacy.tests.conftest import BODY, REPORTED_HANDLE, REPORTER_EMAIL, REPORTER_NAME, WITNESS_HANDLE, WITNESS_NAME


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_one_calendar_month() -> None:
    assert one_month_after(utc(2026, 1, 15, 9)) == utc(2026, 2, 15, 9)
    assert one_month_after(utc(2026, 1, 31)) == utc(2026, 2, 28)
    assert one_month_after(utc(2028, 1, 31)) == utc(2028, 2, 29)
    assert one_month_after(utc(2026, 12, 10)) == utc(2027, 1, 10)


@pytest.fixture
def reported(make_case):
    case = make_case()
    return case, Identity.objects.get(space=Space.GITHUB, handle=REPORTED_HANDLE).person


@pytest.mark.django_db
def test_export_redacts_reporters_and_witnesses_by_default(reported, stewards) -> None:
    case, person = reported
    export = build_export(stewards["dave"], person).payload
    text = json.dumps(export)
    for secret in (BODY, REPORTER_NAME, REPORTER_EMAIL, WITNESS_NAME, WITNESS_HANDLE):
        assert secret not in text, secret
    assert export["identities"] == [{"space": "github", "handle": REPORTED_HANDLE}]
    [entry] = export["cases"]
    assert entry["case"] == case.code_name and entry["your_role"] == "reported"
    assert {"role": "reporter", "identity": REDACTED} in entry["other_people"]
    assert {"role": "witness", "identity": REDACTED} in entry["other_people"]


@pytest.mark.django_db
def test_export_can_include_report_text_with_identities_removed(make_case, stewards) -> None:
    make_case(body=f"{WITNESS_NAME} and {REPORTER_NAME.upper()} ({REPORTER_EMAIL}) saw @{WITNESS_HANDLE} do it; Morgan shouted")
    person = Identity.objects.get(space=Space.GITHUB, handle=REPORTED_HANDLE).person
    [report] = build_export(stewards["dave"], person, include_report_text=True).payload["cases"][0]["reports"]
    assert "Morgan shouted" in report["text"]
    for secret in (REPORTER_NAME, REPORTER_EMAIL, WITNESS_NAME, WITNESS_HANDLE):
        assert secret.casefold() not in report["text"].casefold(), secret
    assert report["text"].count(REDACTED) == 4


@pytest.mark.django_db
def test_requests_are_due_in_a_month_and_show_overdue(reported, stewards, login) -> None:
    _, person = reported
    with time_machine.travel(utc(2026, 1, 31, 12), tick=False):
        request = do_open_data_request(stewards["alice"], person)
    assert request.due_at == utc(2026, 2, 28, 12)
    client = login(stewards["alice"])
    with time_machine.travel(utc(2026, 2, 27), tick=False):
        assert "overdue" not in client.get(reverse("privacy:requests")).content.decode()
    with time_machine.travel(utc(2026, 3, 1), tick=False):
        page = client.get(reverse("privacy:requests")).content.decode()
        assert person.code_name in page and "overdue" in page
    do_complete_data_request(stewards["alice"], request)
    assert not DataSubjectRequest.objects.filter(completed_at__isnull=True).exists()


@pytest.mark.django_db
def test_admin_opens_a_request_by_handle_and_downloads_the_export(reported, stewards, login) -> None:
    _, person = reported
    client = login(stewards["alice"])
    response = client.post(reverse("privacy:open_request"), {"space": "github", "handle": "@" + REPORTED_HANDLE.upper()})
    request = DataSubjectRequest.objects.get()
    assert response.status_code == 302 and request.person == person
    assert client.get(reverse("privacy:request", kwargs={"pk": request.pk})).status_code == 200
    response = client.get(reverse("privacy:request_export", kwargs={"pk": request.pk}))
    assert response["Content-Type"].startswith("application/json") and "attachment" in response["Content-Disposition"]
    payload = json.loads(response.content)
    assert payload["person"]["code_name"] == person.code_name and BODY not in response.content.decode()
    assert Event.objects.filter(kind="privacy.exported").count() == 1
    client.post(reverse("privacy:request_complete", kwargs={"pk": request.pk}))
    request.refresh_from_db()
    assert request.completed_at is not None and request.handled_by == stewards["alice"]


@pytest.mark.django_db
def test_privacy_pages_are_for_admin_stewards_only(reported, stewards, client, login) -> None:
    _, person = reported
    request = do_open_data_request(stewards["alice"], person)
    urls = [
        ("get", reverse("privacy:requests")),
        ("post", reverse("privacy:open_request")),
        ("get", reverse("privacy:request", kwargs={"pk": request.pk})),
        ("get", reverse("privacy:request_export", kwargs={"pk": request.pk})),
        ("post", reverse("privacy:request_complete", kwargs={"pk": request.pk})),
    ]
    for method, url in urls:
        anonymous = getattr(client, method)(url)
        assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]
    for name in ("bob", "dave", "frank"):  # stewards who are not admins; frank is deactivated
        steward = login(stewards[name])
        for method, url in urls:
            response = getattr(steward, method)(url)
            assert response.status_code == 404 or (name == "frank" and reverse("accounts:login") in response["Location"]), (name, url)
    request.refresh_from_db()
    assert request.completed_at is None
    assert timedelta(days=28) <= request.due_at - request.requested_at <= timedelta(days=31)


@pytest.mark.django_db
def test_export_cuts_identities_out_whatever_form_they_are_written_in(make_case, stewards) -> None:
    """Redaction goes through the shared matcher: spelled out, look-alike letters, invisible characters, full-width,
    a name part alone, an address split: none of it is left in the reported person's export."""
    disguised = [
        "R i t a",
        "QUІETREPORTER",  # a Cyrillic I
        "Wal\u200bter",  # a zero-width space
        "ｗａｌｔｅｒ－ｗｉｔｎｅｓｓ－ｇｈ",  # full width
        "rita quiet at example dot net",
        "Witnessman",
    ]
    make_case(body=" or ".join(disguised) + "; Morgan shouted")
    person = Identity.objects.get(space=Space.GITHUB, handle=REPORTED_HANDLE).person
    [report] = build_export(stewards["dave"], person, include_report_text=True).payload["cases"][0]["reports"]
    assert report["text"].endswith("; Morgan shouted")
    assert report["text"].count(REDACTED) == len(disguised), report["text"]
