"""A message to a reported person: drafted, checked for the reporter's identity, approved by a second steward."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import Event
from cases.actions import do_send_message
from cases.models import Approval, Audience, Message
from letters.actions import do_approve_message, do_edit_draft
from letters.tests.conftest import REPORTER_HANDLE, World

pytestmark = pytest.mark.django_db


def draft(world: World, author: Any, body: str = "Please tell us your side of what happened.") -> Message:
    return do_send_message(author, world.case, Audience.REPORTED, body, party=world.reported)


def test_drafting_is_audited_and_needs_a_reported_party(world: World, stewards: dict[str, Any]) -> None:
    message = draft(world, stewards["bob"])
    assert message.approval == Approval.AWAITING
    assert Event.objects.filter(kind="message.drafted", data__message=message.pk).exists()
    with pytest.raises(ValidationError):
        do_send_message(stewards["bob"], world.case, Audience.REPORTED, "no party")
    with pytest.raises(ValidationError):
        do_send_message(stewards["bob"], world.case, Audience.REPORTED, "to the reporter's party", party=world.reporter_party)


def test_the_author_cannot_approve_their_own_message(world: World, stewards: dict[str, Any]) -> None:
    message = draft(world, stewards["bob"])
    with pytest.raises(ValidationError, match="Another steward"):
        do_approve_message(stewards["bob"], world.case, message.pk)
    message.refresh_from_db()
    assert message.approval == Approval.AWAITING


def test_a_conflicted_steward_cannot_approve(world: World, stewards: dict[str, Any]) -> None:
    message = draft(world, stewards["bob"])
    with pytest.raises(ValidationError, match="no conflict"):
        do_approve_message(stewards["erin"], world.case, message.pk)  # soft conflict
    with pytest.raises(ValidationError, match="no conflict"):
        do_approve_message(stewards["frank"], world.case, message.pk)  # deactivated
    do_approve_message(stewards["carol"], world.case, message.pk)
    message.refresh_from_db()
    assert message.approval == Approval.APPROVED and message.approved_by == stewards["carol"]
    assert Event.objects.filter(kind="message.approved", data__message=message.pk).exists()
    with pytest.raises(ValidationError):
        do_approve_message(stewards["dave"], world.case, message.pk)  # only once


@pytest.mark.parametrize(
    "planted",
    [
        "Rosalind Quartermaine told us",
        "as quartermaine said",
        "write to rosalind.q@example.net",
        f"the account @{REPORTER_HANDLE} saw it",
        "you posted the screenshot of my broken translation patch in the channel",
        "call +44 20 7946 0958",
    ],
)
def test_a_planted_reporter_identity_blocks_approval_until_edited(world: World, stewards: dict[str, Any], planted: str) -> None:
    message = draft(world, stewards["bob"], f"Hello. {planted}. Please answer.")
    with pytest.raises(ValidationError, match="may identify the reporter"):
        do_approve_message(stewards["carol"], world.case, message.pk)
    message.refresh_from_db()
    assert message.approval == Approval.AWAITING
    event = Event.objects.get(kind="message.blocked_by_leakcheck")
    assert "Rosalind" not in str(event.data) and "Rosalind" not in event.summary
    with pytest.raises(ValidationError, match="Only the author"):
        do_edit_draft(stewards["carol"], world.case, message.pk, "Please answer.")
    do_edit_draft(stewards["bob"], world.case, message.pk, "Hello. Please answer.")
    do_approve_message(stewards["carol"], world.case, message.pk)
    message.refresh_from_db()
    assert message.approval == Approval.APPROVED


def test_the_case_page_shows_findings_and_offers_approval_only_when_clean(world: World, stewards: dict[str, Any], login: Any) -> None:
    message = draft(world, stewards["bob"], "Rosalind says hello")
    url = reverse("cases:detail", kwargs={"code": world.case.code_name})
    page = login(stewards["carol"]).get(url).content.decode()
    assert "Awaiting approval" in page
    assert "part of the reporter&#x27;s name" in page or "part of the reporter's name" in page
    assert reverse("letters:approve_message", kwargs={"code": world.case.code_name}) not in page
    do_edit_draft(stewards["bob"], world.case, message.pk, "Hello")
    page = login(stewards["carol"]).get(url).content.decode()
    assert reverse("letters:approve_message", kwargs={"code": world.case.code_name}) in page


def test_a_soft_conflicted_steward_is_not_told_which_words_are_the_reporters(world: World, stewards: dict[str, Any], login: Any) -> None:
    """Findings say which words belong to the reporter's identity; a steward who may not see that identity
    (erin, soft-conflicted) reads only that the text must change, so a draft cannot be used to test guesses."""
    draft(world, stewards["erin"], "Quartermaine says hello")  # erin guesses a surname
    url = reverse("cases:detail", kwargs={"code": world.case.code_name})
    soft_page = login(stewards["erin"]).get(url).content.decode()
    assert "may identify the reporter" in soft_page
    assert "reporter&#x27;s name" not in soft_page and "reporter's name" not in soft_page
    assert "A steward with no conflict on this case can see what was found." in soft_page
    clean_page = login(stewards["carol"]).get(url).content.decode()
    assert "part of the reporter&#x27;s name" in clean_page or "part of the reporter's name" in clean_page


def test_approval_through_the_web(world: World, stewards: dict[str, Any], login: Any) -> None:
    message = draft(world, stewards["bob"])
    url = reverse("letters:approve_message", kwargs={"code": world.case.code_name})
    response = login(stewards["bob"]).post(url, {"target": message.pk})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.approval == Approval.AWAITING
    response = login(stewards["erin"]).post(url, {"target": message.pk})
    assert response.status_code == 404  # soft-conflicted stewards never reach approval
    login(stewards["dave"]).post(url, {"target": message.pk})
    message.refresh_from_db()
    assert message.approval == Approval.APPROVED


def test_sending_to_the_reported_person_through_the_thread_form(world: World, stewards: dict[str, Any], login: Any) -> None:
    client = login(stewards["bob"])
    page = client.get(reverse("cases:detail", kwargs={"code": world.case.code_name})).content.decode()
    choice = f"reported:{world.reported.pk}"
    assert choice in page
    client.post(reverse("cases:send_message", kwargs={"code": world.case.code_name}), {"audience": choice, "body": "Hello there"})
    message = Message.objects.get(case=world.case, audience=Audience.REPORTED)
    assert message.party == world.reported and message.approval == Approval.AWAITING
