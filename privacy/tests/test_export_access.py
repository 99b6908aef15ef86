"""A data-subject export passes the access layer like every other path out of a case.

Planted personas, all admins: bob was excluded by the reporter, carol is a reported person in the
case, erin declared a hard conflict, alice has not declared, dave declared none (the clean admin).
Each exports the data of the case's reporter and reported person, who are also in a second case that
every steward may read; only dave's exports carry the first case, and nobody else's even hints at it.
"""

import json
from typing import Any

import pytest
from django.urls import reverse

from audit.models import Event
from cases.actions import InvolvedPerson, do_declare_conflict
from cases.models import Case, PartyRole
from people.actions import do_update_steward
from people.models import Identity, Space
from privacy.actions import do_open_data_request
from privacy.models import DataSubjectRequest
from privacy.tests.conftest import BODY, REPORTED_HANDLE, REPORTER_EMAIL, REPORTER_NAME, WITNESS_HANDLE, WITNESS_NAME, submit

CONFLICTED = ("bob", "carol", "erin")
OTHER_BODY = "OTHER-CASE-BODY Morgan interrupted me again"
CASE_EXPORTED, CASE_LEFT_OUT = "privacy.case_exported", "privacy.case_left_out"  # audit event kinds


@pytest.fixture
def planted(stewards: dict[str, Any]) -> tuple[Case, dict[str, DataSubjectRequest]]:
    for name in ("bob", "carol", "dave", "erin"):
        profile = stewards[name].steward_profile
        do_update_steward(None, profile, public_name=profile.public_name, is_admin=True)
    case = submit(
        excluded_steward_ids=[stewards["bob"].pk],
        involved_people=[
            InvolvedPerson(PartyRole.REPORTED, "Morgan Reported", Space.GITHUB, REPORTED_HANDLE),
            InvolvedPerson(PartyRole.REPORTED, "Carol", Space.GITHUB, "carol"),
            InvolvedPerson(PartyRole.WITNESS, WITNESS_NAME, Space.GITHUB, WITNESS_HANDLE),
        ],
    )
    do_declare_conflict(stewards["erin"], case, "hard")
    do_declare_conflict(stewards["dave"], case, "none")
    other = submit(OTHER_BODY, involved_people=[InvolvedPerson(PartyRole.REPORTED, "Morgan Reported", Space.GITHUB, REPORTED_HANDLE)])
    for name in ("alice", "bob", "carol", "dave", "erin"):
        do_declare_conflict(stewards[name], other, "none")
    reporter = Identity.objects.get(space=Space.EMAIL, handle=REPORTER_EMAIL).person
    reported = Identity.objects.get(space=Space.GITHUB, handle=REPORTED_HANDLE).person
    requests = {
        "reporter": do_open_data_request(stewards["alice"], reporter),
        "reported": do_open_data_request(stewards["alice"], reported),
    }
    return case, requests


def export(client: Any, request: DataSubjectRequest) -> tuple[str, dict[str, Any]]:
    response = client.get(reverse("privacy:request_export", kwargs={"pk": request.pk}) + "?report_text=1")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    return response.content.decode(), json.loads(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("subject", ["reporter", "reported"])
def test_only_an_admin_who_may_read_the_case_exports_its_content(planted, stewards, login, subject) -> None:
    case, requests = planted
    for name in CONFLICTED:
        text, payload = export(login(stewards[name]), requests[subject])
        assert BODY not in text and OTHER_BODY in text, name
        # Nothing at all about the case: not its code name, not a count, not a hint that one was left out.
        [entry] = payload["cases"]
        assert case.code_name not in text and entry["case"] != case.code_name and "incomplete" not in payload, name
        assert WITNESS_NAME not in text, name
        if subject == "reported":  # the reporter's identity; in the reporter's own export it is theirs
            assert REPORTER_NAME not in text and REPORTER_EMAIL not in text, name
    text, payload = export(login(stewards["dave"]), requests[subject])
    [entry] = [entry for entry in payload["cases"] if entry["case"] == case.code_name]
    assert (
        len(payload["cases"]) == 2 and entry["your_role"] == subject and BODY in text and OTHER_BODY in text and "incomplete" not in payload
    )
    assert WITNESS_NAME not in text and WITNESS_HANDLE not in text
    if subject == "reported":
        assert REPORTER_NAME not in text and REPORTER_EMAIL not in text


@pytest.mark.django_db
def test_an_undeclared_admin_is_told_how_many_cases_are_missing_but_not_which(planted, stewards, login) -> None:
    case, requests = planted
    text, payload = export(login(stewards["alice"]), requests["reported"])
    assert BODY not in text and case.code_name not in text and len(payload["cases"]) == 1
    assert payload["incomplete"].startswith("Incomplete: 1 of this person's cases")
    page = login(stewards["alice"]).get(reverse("privacy:request", kwargs={"pk": requests["reported"].pk})).content.decode()
    assert "Incomplete: 1 of this person" in page and case.code_name not in page


@pytest.mark.django_db
def test_a_case_left_out_is_marked_for_the_admins_who_may_read_it(planted, stewards, login) -> None:
    case, requests = planted
    request = requests["reported"]
    export(login(stewards["bob"]), request)
    exported = Event.objects.get(kind="privacy.exported", data__request=request.pk)
    assert exported.actor == stewards["bob"]
    [left_out] = Event.objects.filter(kind=CASE_LEFT_OUT, case_id=case.pk)
    assert left_out.actor is None  # the case's readers must not learn which admin is conflicted
    for name in CONFLICTED:  # the request pages tell a conflicted admin nothing either
        client = login(stewards[name])
        for url in (reverse("privacy:request", kwargs={"pk": request.pk}), reverse("privacy:requests")):
            page = client.get(url).content.decode()
            assert case.code_name not in page and "needs your export" not in page and BODY not in page, (name, url)
    dave = login(stewards["dave"])
    assert case.code_name in dave.get(reverse("privacy:request", kwargs={"pk": request.pk})).content.decode()
    assert "needs your export" in dave.get(reverse("privacy:requests")).content.decode()
    export(dave, request)
    assert Event.objects.filter(kind=CASE_EXPORTED, case_id=case.pk, actor=stewards["dave"]).exists()
    assert case.code_name not in dave.get(reverse("privacy:request", kwargs={"pk": request.pk})).content.decode()
    assert "needs your export" not in dave.get(reverse("privacy:requests")).content.decode()


@pytest.mark.django_db
def test_an_admin_does_not_handle_a_request_about_themselves(planted, stewards, login) -> None:
    case, _ = planted
    carol = stewards["carol"]
    own = do_open_data_request(stewards["alice"], carol.steward_profile.person)
    client = login(carol)
    response = client.get(reverse("privacy:request_export", kwargs={"pk": own.pk}) + "?report_text=1")
    assert response.status_code == 302 and "attachment" not in response.get("Content-Disposition", "")
    page = client.get(response["Location"]).content.decode()
    assert "This request is about you: another admin must handle it." in page
    assert reverse("privacy:request_export", kwargs={"pk": own.pk}) not in page and case.code_name not in page
    client.post(reverse("privacy:request_complete", kwargs={"pk": own.pk}))
    own.refresh_from_db()
    assert own.completed_at is None
    client.post(reverse("privacy:open_request"), {"person": carol.steward_profile.person.code_name})
    assert DataSubjectRequest.objects.filter(person=carol.steward_profile.person).count() == 1
    assert not Event.objects.filter(kind__in=("privacy.exported", CASE_EXPORTED, CASE_LEFT_OUT)).exists()


@pytest.mark.django_db
def test_a_person_on_record_only_through_a_hidden_case_is_a_stranger_to_the_conflicted_admin(planted, stewards, login) -> None:
    case, _ = planted
    witness = Identity.objects.get(space=Space.GITHUB, handle=WITNESS_HANDLE).person  # in the first case only
    for name in CONFLICTED:
        client = login(stewards[name])
        response = client.post(reverse("privacy:open_request"), {"space": "github", "handle": WITNESS_HANDLE}, follow=True)
        page = response.content.decode()
        assert "Nobody with that code name or identity is on record." in page and witness.code_name not in page, name
        for request in DataSubjectRequest.objects.filter(person=witness):
            for url in ("privacy:request", "privacy:request_export"):
                assert client.get(reverse(url, kwargs={"pk": request.pk})).status_code == 404, (name, url)
    # Not lost: the admins who may know of the case see the requests and answer them.
    page = login(stewards["dave"]).get(reverse("privacy:requests")).content.decode()
    assert witness.code_name in page
    request = DataSubjectRequest.objects.filter(person=witness).first()
    _, payload = export(login(stewards["dave"]), request)
    assert [entry["case"] for entry in payload["cases"]] == [case.code_name]
