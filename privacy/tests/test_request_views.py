"""The data-subject request pages as each admin persona: what a request, its export and its completion give away.

One case (privacy.tests.conftest.submit: Rita reports Morgan, Walter witnesses). Every steward is made an
admin; their standing on the case differs: dave declared no conflict, erin a soft conflict, carol has not
declared, bob is a party (the reporter excluded him).
"""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.actions import do_declare_conflict, do_update_triage
from cases.models import Case
from people.actions import do_update_steward, person_for_identity
from people.models import Identity, Person, Space
from privacy.actions import do_open_data_request
from privacy.export import left_out_for
from privacy.models import DataSubjectRequest
from privacy.tests.conftest import BODY, REPORTED_HANDLE, REPORTER_EMAIL, REPORTER_NAME, WITNESS_HANDLE, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(stewards: dict[str, Any]) -> Case:
    for name in ("bob", "carol", "dave", "erin"):
        profile = stewards[name].steward_profile
        do_update_steward(None, profile, public_name=profile.public_name, is_admin=True)
    case = submit(excluded_steward_ids=[stewards["bob"].pk])
    do_declare_conflict(stewards["dave"], case, "none")
    do_declare_conflict(stewards["erin"], case, "soft")
    return case


def person(space: str, handle: str) -> Person:
    return Identity.objects.get(space=space, handle=handle).person


def download(client: Client, request: DataSubjectRequest, query: str = "") -> tuple[str, dict[str, Any]]:
    response = client.get(reverse("privacy:request_export", kwargs={"pk": request.pk}) + query)
    assert response.status_code == 200, response.status_code
    # A person's data must not stay in a browser's or a proxy's cache after the download.
    assert response["Cache-Control"] == "no-store" and response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.content.decode(), json.loads(response.content)


@pytest.mark.parametrize(
    ("query", "with_text"), [("", False), ("?report_text=1", True), ("?report_text=0", False), ("?report_text=yes", False)]
)
def test_the_report_text_is_in_the_export_only_when_asked_for(case, stewards, login, query, with_text) -> None:
    request = do_open_data_request(stewards["alice"], person(Space.GITHUB, REPORTED_HANDLE))
    text, payload = download(login(stewards["dave"]), request, query)
    [entry] = payload["cases"]
    assert (BODY in text) is with_text and isinstance(entry["reports"], list) is with_text
    assert REPORTER_NAME not in text and REPORTER_EMAIL not in text


def test_a_soft_conflicted_reader_exports_a_reported_persons_case_without_the_reporter(case, stewards, login) -> None:
    request = do_open_data_request(stewards["alice"], person(Space.GITHUB, REPORTED_HANDLE))
    text, payload = download(login(stewards["erin"]), request, "?report_text=1")
    assert [entry["case"] for entry in payload["cases"]] == [case.code_name]
    assert BODY in text and REPORTER_NAME not in text and REPORTER_EMAIL not in text and "Rita" not in text


def test_a_soft_conflicted_reader_never_learns_who_reported_through_an_export(case, stewards, login) -> None:
    """erin may read the case but not see who reported it (cases.access: Need.IDENTITY). The reporter's own
    export names them and would say they reported this case; it is not hers to make, and nothing on the
    request pages tells her which case it was."""
    request = do_open_data_request(stewards["alice"], person(Space.EMAIL, REPORTER_EMAIL))
    client = login(stewards["erin"])
    response = client.get(reverse("privacy:request_export", kwargs={"pk": request.pk}) + "?report_text=1")
    # Rita is on record only through the case: to erin the request is about a stranger.
    assert response.status_code == 404 and case.code_name not in response.content.decode()
    for url in (reverse("privacy:request", kwargs={"pk": request.pk}), reverse("privacy:requests")):
        page = client.get(url).content.decode()
        assert case.code_name not in page, url
    # Not lost: dave, who may see the reporter, exports the case.
    _, payload = download(login(stewards["dave"]), request, "?report_text=1")
    assert [entry["case"] for entry in payload["cases"]] == [case.code_name]


def test_a_soft_conflicted_reader_exports_the_reporters_other_cases_and_is_not_pointed_at_this_one(case, stewards, login) -> None:
    """Rita reported a second case, on which erin has no conflict: erin exports that one; the first is left out
    without a word, and the request pages never list it as hers to export, even after her export left it out."""
    second = submit("SECOND-CASE-BODY Morgan did it again")
    for name in ("dave", "erin"):
        do_declare_conflict(stewards[name], second, "none")
    request = do_open_data_request(stewards["alice"], person(Space.EMAIL, REPORTER_EMAIL))
    client = login(stewards["erin"])
    text, payload = download(client, request, "?report_text=1")
    assert [entry["case"] for entry in payload["cases"]] == [second.code_name] and "incomplete" not in payload
    assert case.code_name not in text and BODY not in text
    for url in (reverse("privacy:request", kwargs={"pk": request.pk}), reverse("privacy:requests")):
        page = client.get(url).content.decode()
        assert case.code_name not in page and "needs your export" not in page, url
    dave = login(stewards["dave"])
    assert case.code_name in dave.get(reverse("privacy:request", kwargs={"pk": request.pk})).content.decode()
    download(dave, request)
    # The case's timeline, which erin reads, says an export happened but not whose request it was.
    page = client.get(reverse("cases:detail", kwargs={"code": case.code_name})).content.decode()
    assert "data-subject export" in page and f"request #{request.pk}" not in page


def test_a_soft_conflicted_steward_kept_out_of_the_case_is_told_a_case_is_missing_not_which(case, stewards, login) -> None:
    do_update_triage(stewards["dave"], case, {"soft_conflicted_may_read": False})
    request = do_open_data_request(stewards["alice"], person(Space.GITHUB, REPORTED_HANDLE))
    text, payload = download(login(stewards["erin"]), request, "?report_text=1")
    assert payload["cases"] == [] and payload["incomplete"].startswith("Incomplete: 1 of this person's cases")
    assert case.code_name not in text and BODY not in text


@pytest.mark.parametrize("name", ["bob", "carol", "dave", "erin"])
def test_only_an_admin_who_may_know_of_the_person_completes_their_request(case, stewards, login, name) -> None:
    """Walter is on record only through the case: bob (a party to it) may not know a request about him exists."""
    walter = person(Space.GITHUB, WITNESS_HANDLE)
    request = do_open_data_request(stewards["alice"], walter)
    client = login(stewards[name])
    listed = walter.code_name in client.get(reverse("privacy:requests")).content.decode()
    response = client.post(reverse("privacy:request_complete", kwargs={"pk": request.pk}))
    request.refresh_from_db()
    assert listed is (name != "bob")
    if name == "bob":
        assert response.status_code == 404 and request.completed_at is None
    else:
        assert response.status_code == 302 and request.completed_at is not None and request.handled_by == stewards[name]


def test_a_request_for_someone_not_on_record_records_nothing(case, stewards, login) -> None:
    client = login(stewards["alice"])
    for data in ({"person": "no-such-code-name"}, {"space": "github", "handle": "nobody-at-all"}, {}):
        page = client.post(reverse("privacy:open_request"), data, follow=True).content.decode()
        assert "Nobody with that code name or identity is on record." in page, data
    assert not DataSubjectRequest.objects.exists()


def test_an_erased_persons_request_has_no_export(case, stewards, login) -> None:
    request = do_open_data_request(stewards["alice"], person(Space.GITHUB, REPORTED_HANDLE))
    DataSubjectRequest.objects.filter(pk=request.pk).update(person=None)  # what erasure leaves of a request
    response = login(stewards["dave"]).get(reverse("privacy:request_export", kwargs={"pk": request.pk}))
    assert response.status_code == 404


def test_a_request_about_someone_in_no_case_is_open_to_every_admin(case, stewards, login) -> None:
    """Nothing hides such a person, so nothing may hide their request: otherwise no admin would answer it."""
    stranger = person_for_identity(Space.GITHUB, "in-no-case-gh", display_name="Nora Nocase")
    request = do_open_data_request(stewards["alice"], stranger)
    for name in ("alice", "bob", "carol", "dave", "erin"):
        client = login(stewards[name])
        assert stranger.code_name in client.get(reverse("privacy:requests")).content.decode(), name
        _, payload = download(client, request)
        assert payload["cases"] == [] and payload["person"]["code_name"] == stranger.code_name, name


def test_the_request_pages_are_for_admin_stewards_only(case, stewards, login, client) -> None:
    """A data-subject request names a person and leads to their data: a steward who is not an admin gets the
    same 404 as for a page that does not exist, and a visitor is sent to sign in."""
    from people.actions import do_create_steward

    request = do_open_data_request(stewards["alice"], person(Space.GITHUB, REPORTED_HANDLE))
    plain = do_create_steward(None, username="pat", email="pat@example.org", public_name="Pat", password="x" * 12).user
    do_declare_conflict(plain, case, "none")  # may read the case itself, but handles no requests
    urls = [
        ("get", reverse("privacy:requests")),
        ("get", reverse("privacy:request", kwargs={"pk": request.pk})),
        ("get", reverse("privacy:request_export", kwargs={"pk": request.pk}) + "?report_text=1"),
        ("post", reverse("privacy:open_request")),
        ("post", reverse("privacy:request_complete", kwargs={"pk": request.pk})),
    ]
    for method, url in urls:
        response = getattr(login(plain), method)(
            url, {"person": person(Space.GITHUB, REPORTED_HANDLE).code_name} if method == "post" else {}
        )
        assert response.status_code == 404 and BODY not in response.content.decode(), url
    client.logout()
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"], url
    request.refresh_from_db()
    assert request.completed_at is None and DataSubjectRequest.objects.count() == 1


def test_an_erased_persons_request_stays_listed_and_readable_and_answered_ones_move_on(case, stewards, login) -> None:
    """Erasure leaves the request (its code name and dates): admins still see it to answer it; once answered
    it leaves the open list for the answered one, so nothing is lost and nothing is answered twice."""
    from privacy.actions import do_complete_data_request

    erased = do_open_data_request(stewards["alice"], person(Space.GITHUB, REPORTED_HANDLE))
    DataSubjectRequest.objects.filter(pk=erased.pk).update(person=None)  # what erasure leaves of a request
    answered = do_open_data_request(stewards["alice"], person(Space.GITHUB, WITNESS_HANDLE))
    do_complete_data_request(stewards["alice"], answered)
    client = login(stewards["dave"])
    assert client.get(reverse("privacy:request", kwargs={"pk": erased.pk})).status_code == 200
    page = client.get(reverse("privacy:requests")).content.decode()
    open_part, _, done_part = page.partition('id="done-title"')
    assert erased.person_code_name in open_part and erased.person_code_name not in done_part
    assert answered.person_code_name in done_part and answered.person_code_name not in open_part


def test_an_admin_who_may_count_one_of_the_persons_cases_sees_the_request_though_another_is_hidden(case, stewards, login) -> None:
    """Carol has not declared on the first case (she may know its code name, and is told one case is left out);
    on a second case about Morgan she declared a hard conflict. The request about Morgan is hers to see."""
    second = submit("Morgan again, in the release channel.")
    do_declare_conflict(stewards["carol"], second, "hard")
    morgan = person(Space.GITHUB, REPORTED_HANDLE)
    do_open_data_request(stewards["alice"], morgan)
    assert morgan.code_name in login(stewards["carol"]).get(reverse("privacy:requests")).content.decode()


def test_a_case_left_out_of_one_persons_export_is_not_said_to_be_left_out_of_anothers(case, stewards, login) -> None:
    """Carol, who has not declared, exports for Morgan: the case is left out. Walter's request, on the same case,
    had nothing left out: dave, who may read the case, is pointed at it only for Morgan's."""
    morgan_request = do_open_data_request(stewards["alice"], person(Space.GITHUB, REPORTED_HANDLE))
    walter_request = do_open_data_request(stewards["alice"], person(Space.GITHUB, WITNESS_HANDLE))
    download(login(stewards["carol"]), morgan_request)
    assert left_out_for(stewards["dave"], morgan_request.pk) == [case]
    assert left_out_for(stewards["dave"], walter_request.pk) == []


def test_a_soft_reader_is_not_told_a_case_was_left_out_of_the_reporters_export_whatever_other_requests_exist(case, stewards, login) -> None:
    """Carol, who has not declared, exports for Rita, the reporter: the case is left out. erin may read the case
    but not know who reported it, so she must not be pointed at it for Rita's request, however the person
    checked is found: Morgan's request, opened first, would let the case through (she may export it for him)."""
    morgan_request = do_open_data_request(stewards["alice"], person(Space.GITHUB, REPORTED_HANDLE))
    rita_request = do_open_data_request(stewards["alice"], person(Space.EMAIL, REPORTER_EMAIL))
    download(login(stewards["carol"]), rita_request)
    assert left_out_for(stewards["dave"], rita_request.pk) == [case], "dave may export Rita's data: he is pointed at it"
    assert left_out_for(stewards["erin"], rita_request.pk) == []
    assert left_out_for(stewards["erin"], morgan_request.pk) == []
    page = login(stewards["erin"]).get(reverse("privacy:request", kwargs={"pk": rita_request.pk})).content.decode()
    assert case.code_name not in page
