"""Every POST endpoint: it changes the case, writes an audit event, and refuses whoever may not."""

import pytest
from django.urls import reverse

from audit.models import Event
from cases.actions import InvolvedPerson
from cases.models import Case, Message, Note, PartyRole
from cases.tests.conftest import declare, kinds, text_file
from people.models import Space

POST_ENDPOINTS = [
    "add_note",
    "send_message",
    "update_triage",
    "assign_shepherd",
    "acknowledge",
    "change_status",
    "add_party",
    "add_evidence",
    "merge",
    "set_soft_read",
]
TRIAGE = {"safety_risk": "high", "ongoing_harassment": "yes", "in_scope": "maybe", "handled_locally": "on"}


def url(name: str, case: Case) -> str:
    return reverse(f"cases:{name}", kwargs={"code": case.code_name})


@pytest.fixture
def case(make_case):
    return make_case(reporter_name="Rita", reporter_email="rita@example.net")


@pytest.fixture
def dave(stewards, login):
    return login(stewards["dave"])


def new_events(case: Case, before: int) -> list[str]:
    return list(Event.objects.filter(case_id=case.pk, pk__gt=before).values_list("kind", flat=True))


def last_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_add_note(dave, case, stewards):
    before = last_event_id()
    response = dave.post(url("add_note", case), {"kind": "interview", "body": "Spoke with the witness."})
    assert response.status_code == 302 and response["Location"].endswith("#notes")
    note = case.notes.get()
    assert (note.kind, note.body, note.author) == ("interview", "Spoke with the witness.", stewards["dave"])
    assert new_events(case, before) == ["note.added"]


def test_empty_note_saves_nothing(dave, case):
    before = last_event_id()
    response = dave.post(url("add_note", case), {"kind": "note", "body": "   "}, follow=True)
    assert not Note.objects.filter(case=case).exists()
    assert new_events(case, before) == []
    assert 'class="error"' in response.content.decode()


def test_send_message_to_stewards_and_to_the_reporter(dave, case):
    report = case.reports.get()
    dave.post(url("send_message", case), {"audience": "stewards", "body": "Internal."})
    dave.post(url("send_message", case), {"audience": f"reporter:{report.reference}", "body": "Thank you."})
    internal, outward = case.messages.order_by("id")
    assert (internal.audience, internal.report) == ("stewards", None)
    assert (outward.audience, outward.report) == ("reporter", report)
    assert kinds(case).count("message.sent") == 2


def test_a_message_to_the_reported_person_says_it_awaits_approval(dave, make_case):
    case = make_case(involved_people=[InvolvedPerson(PartyRole.REPORTED, "Ivan", Space.GITHUB, "ivan-gh")])
    party = case.parties.get(role=PartyRole.REPORTED)

    def flash(data: dict[str, str]) -> str:
        html = dave.post(url("send_message", case), data, headers={"HX-Request": "true"}).content.decode()
        return html.split('class="flash"', 1)[1].split("</div>", 1)[0]

    drafted = flash({"audience": f"reported:{party.pk}", "body": "We would like to hear your side."})
    assert "awaits approval by a second steward" in drafted and "Message sent." not in drafted
    assert case.messages.get(audience="reported").approval == "awaiting"
    assert "Message sent." in flash({"audience": "stewards", "body": "Noted."})


def test_message_audience_is_required(dave, case):
    before = last_event_id()
    for data in ({"body": "Who gets this?"}, {"audience": "", "body": "x"}, {"audience": "reporter:R-NOPE-NOPE", "body": "x"}):
        response = dave.post(url("send_message", case), data, follow=True)
        assert response.status_code == 200
    assert not Message.objects.filter(case=case).exists()
    assert new_events(case, before) == []


def test_message_form_keeps_the_text_under_htmx(dave, case):
    response = dave.post(url("send_message", case), {"body": "Kept text"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'id="thread"' in html and "Kept text" in html
    assert "Who is this message for?" in html and "error" in html


def test_update_triage(dave, case):
    response = dave.post(url("update_triage", case), TRIAGE)
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.safety_risk, case.ongoing_harassment, case.in_scope, case.handled_locally) == ("high", "yes", "maybe", True)
    assert "case.triaged" in kinds(case)


def test_invalid_triage_saves_nothing(dave, case):
    before = last_event_id()
    dave.post(url("update_triage", case), {**TRIAGE, "safety_risk": "apocalyptic"})
    case.refresh_from_db()
    assert case.safety_risk == "unknown" and new_events(case, before) == []


def test_update_triage_htmx_returns_the_section(dave, case):
    response = dave.post(url("update_triage", case), TRIAGE, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="case-state"' in html
    assert "Triage saved." in html


def test_assign_shepherd_only_to_unconflicted_stewards(dave, case, stewards):
    response = dave.post(url("assign_shepherd", case), {"shepherd": stewards["dave"].pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.shepherd == stewards["dave"] and "case.shepherd" in kinds(case)
    before = last_event_id()
    dave.post(url("assign_shepherd", case), {"shepherd": stewards["erin"].pk})  # erin has not declared
    case.refresh_from_db()
    assert case.shepherd == stewards["dave"] and new_events(case, before) == []
    dave.post(url("assign_shepherd", case), {"shepherd": "none"})
    case.refresh_from_db()
    assert case.shepherd is None


def test_acknowledge(dave, case):
    dave.post(url("acknowledge", case))
    case.refresh_from_db()
    assert case.acknowledged_at is not None and case.status == "acknowledged"
    dave.post(url("acknowledge", case))
    assert kinds(case).count("case.acknowledged") == 1


def test_change_status(dave, case):
    dave.post(url("change_status", case), {"status": "investigating"})
    case.refresh_from_db()
    assert case.status == "investigating" and "case.status" in kinds(case)
    before = last_event_id()
    dave.post(url("change_status", case), {"status": "new"})  # not an allowed step
    case.refresh_from_db()
    assert case.status == "investigating" and new_events(case, before) == []


def test_add_party(dave, case):
    response = dave.post(url("add_party", case), {"role": "reported", "name": "Mallory", "space": "github", "handle": "@Mallory-GH"})
    assert response.status_code == 302
    party = case.parties.get(role=PartyRole.REPORTED)
    assert party.person.identities.get().handle == "mallory-gh"
    assert "party.added" in kinds(case)
    before = last_event_id()
    dave.post(url("add_party", case), {"role": "witness", "handle": "someone"})  # a handle needs its space
    dave.post(url("add_party", case), {"role": "witness"})  # nobody named
    assert not case.parties.filter(role=PartyRole.WITNESS).exists() and new_events(case, before) == []


def test_adding_a_steward_as_party_takes_the_case_from_them(dave, case, stewards, login):
    declare(case, "none", stewards["erin"])
    dave.post(url("add_party", case), {"role": "witness", "space": "github", "handle": "erin"})
    assert login(stewards["erin"]).get(reverse("cases:detail", kwargs={"code": case.code_name})).status_code == 404


def test_add_evidence(dave, case):
    before = last_event_id()
    response = dave.post(url("add_evidence", case), {"evidence_files": [text_file("log.txt", b"hello evidence")]})
    assert response.status_code == 302
    item = case.evidence.get()
    assert item.original_name == "log.txt" and item.added_by is not None
    assert new_events(case, before) == ["evidence.added"]


def test_rejected_evidence_saves_nothing(dave, case):
    before = last_event_id()
    fake_png = text_file("photo.png", b"not really a png")
    dave.post(url("add_evidence", case), {"evidence_files": [fake_png]})
    dave.post(url("add_evidence", case), {})
    assert not case.evidence.exists() and new_events(case, before) == []


def test_merge(dave, case, make_case):
    other = make_case("second report about the same incident")
    # First the confirmation page, with both code names; nothing is joined yet.
    asked = dave.post(url("merge", case), {"other": other.code_name})
    assert asked.status_code == 200 and case.code_name in asked.content.decode() and other.code_name in asked.content.decode()
    other.refresh_from_db()
    assert other.merged_into is None
    response = dave.post(url("merge", case), {"other": other.code_name, "confirm": other.code_name})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.merged_into == case and case.reports.count() == 2
    assert "case.merged" in kinds(case)
    # The joined case's old name leads its readers to the case it joined.
    moved = dave.get(reverse("cases:detail", kwargs={"code": other.code_name}))
    assert moved.status_code == 302 and moved["Location"] == reverse("cases:detail", kwargs={"code": case.code_name})


def test_merge_refuses_cases_the_steward_cannot_work_on(dave, case, make_case, stewards):
    hidden = make_case("hidden", readers=())
    declare(hidden, "hard", stewards["dave"])
    before = last_event_id()
    response = dave.post(url("merge", case), {"other": hidden.code_name}, follow=True)
    missing = dave.post(url("merge", case), {"other": "no-such-case-1"}, follow=True)
    hidden.refresh_from_db()
    assert hidden.merged_into is None and new_events(case, before) == []
    # The same answer for a hidden case and a missing one.
    assert f"You have no case called “{hidden.code_name}”" in response.content.decode()
    assert "You have no case called “no-such-case-1”" in missing.content.decode()
    dave.post(url("merge", case), {"other": case.code_name})
    case.refresh_from_db()
    assert case.merged_into is None


def test_set_soft_read(dave, case, stewards, login):
    declare(case, "soft", stewards["erin"])
    dave.post(url("set_soft_read", case), {"allowed": "no"})
    case.refresh_from_db()
    assert case.soft_conflicted_may_read is False and "case.triaged" in kinds(case)
    assert login(stewards["erin"]).get(reverse("cases:detail", kwargs={"code": case.code_name})).status_code == 404


def test_soft_conflicted_may_write_but_not_set_soft_read(case, stewards, login):
    declare(case, "soft", stewards["erin"])
    erin = login(stewards["erin"])
    assert erin.post(url("add_note", case), {"kind": "note", "body": "From a soft-conflicted steward"}).status_code == 302
    assert erin.post(url("set_soft_read", case), {"allowed": "no"}).status_code == 404
    case.refresh_from_db()
    assert case.soft_conflicted_may_read is True


@pytest.mark.parametrize("name", POST_ENDPOINTS)
def test_every_post_endpoint_refuses_hidden_and_outsiders(name, stewards, client, login, make_case):
    case = make_case(involved_people=[InvolvedPerson(PartyRole.REPORTED, "Bob", Space.GITHUB, "bob")])
    declare(case, "hard", stewards["erin"])
    declare(case, "none", stewards["frank"])
    before = last_event_id()
    data = {"kind": "note", "body": "x", "audience": "stewards", "status": "closed", "role": "witness", "name": "x", "allowed": "no"}
    response = client.post(url(name, case), data)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    for persona in ("erin", "bob", "carol"):  # declared hard; a party; not declared
        assert login(stewards[persona]).post(url(name, case), data).status_code == 404, persona
    response = login(stewards["frank"]).post(url(name, case), data)
    assert response.status_code == 404 or reverse("accounts:login") in response["Location"]
    assert new_events(case, before) == []
    assert login(stewards["dave"]).get(url(name, case)).status_code == 405


def test_only_a_passed_vote_decides_a_case(stewards, make_case):
    """Stewards cannot mark a case decided by hand: the decision must come from the vote."""
    from django.core.exceptions import ValidationError

    from cases.actions import do_change_status

    case = make_case("x")
    do_change_status(stewards["dave"], case, "investigating")
    with pytest.raises(ValidationError):
        do_change_status(stewards["dave"], case, "decided")
