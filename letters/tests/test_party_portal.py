"""The reported person's own link: only their approved letters, never anything about the reporter."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.actions import do_reporter_reply, do_send_message
from cases.models import Audience, Message
from letters.access import access_party_link
from letters.actions import do_approve_message, do_create_party_link, do_revoke_party_link
from letters.models import PartyLink
from letters.tests.conftest import REPORT_BODY, REPORTER_EMAIL, REPORTER_NAME, World

pytestmark = pytest.mark.django_db


def portal(token: str) -> str:
    return reverse("letters:party_portal", kwargs={"token": token})


def test_the_portal_shows_only_approved_letters_and_nothing_of_the_reporter(world: World, stewards: dict[str, Any]) -> None:
    token = do_create_party_link(stewards["bob"], world.case, world.reported).token
    approved = do_send_message(stewards["bob"], world.case, Audience.REPORTED, "APPROVED-LETTER hello", party=world.reported)
    do_approve_message(stewards["carol"], world.case, approved.pk)
    do_send_message(stewards["bob"], world.case, Audience.REPORTED, "PENDING-LETTER not yet", party=world.reported)
    do_send_message(stewards["bob"], world.case, Audience.STEWARDS, "STEWARDS-ONLY talk")
    do_send_message(stewards["bob"], world.case, Audience.REPORTER, "TO-REPORTER note", report=world.report)
    do_reporter_reply(world.report, "REPORTER-REPLY more details", [])
    response = Client().get(portal(token), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "APPROVED-LETTER" in page
    for hidden in ("PENDING-LETTER", "STEWARDS-ONLY", "TO-REPORTER", "REPORTER-REPLY", REPORTER_NAME, REPORTER_EMAIL, REPORT_BODY[:40]):
        assert hidden not in page, hidden
    assert world.report.reference not in page
    assert response["Cache-Control"] == "no-store"


def test_the_reported_person_can_answer(world: World, stewards: dict[str, Any]) -> None:
    token = do_create_party_link(stewards["bob"], world.case, world.reported).token
    response = Client().post(portal(token), {"body": "My side of the story"})
    assert response.status_code == 303
    message = Message.objects.get(from_party=True)
    assert message.party == world.reported and message.audience == Audience.REPORTED
    assert "My side of the story" in Client().get(portal(token), follow=True).content.decode()
    # ...and the stewards see it on the thread.
    client = Client()
    client.force_login(stewards["dave"])
    assert "My side of the story" in client.get(reverse("cases:detail", kwargs={"code": world.case.code_name})).content.decode()


def test_wrong_unknown_and_revoked_links_are_the_same_404(world: World, stewards: dict[str, Any]) -> None:
    old = do_create_party_link(stewards["bob"], world.case, world.reported)
    new = do_create_party_link(stewards["bob"], world.case, world.reported)  # the old one stops working
    revoked = do_create_party_link(stewards["bob"], world.case, world.reported)
    do_revoke_party_link(stewards["bob"], world.case, revoked.link.pk)
    assert Client().get(portal(revoked.token)).status_code == 404
    pages = []
    for token in (old.token, new.token, revoked.token, "x" * 43, new.token[::-1]):
        response = Client().get(portal(token))
        assert response.status_code == 404, token
        pages.append(re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", response.content.replace(token.encode(), b"")))
    assert len(set(pages)) == 1
    assert Client().post(portal(old.token), {"body": "hi"}).status_code == 404
    assert not Message.objects.filter(from_party=True).exists()
    with pytest.raises(Exception):
        access_party_link(old.token)


def test_only_a_hash_is_stored_and_the_link_is_shown_once(world: World, stewards: dict[str, Any], login: Any) -> None:
    client = login(stewards["bob"])
    url = reverse("letters:create_party_link", kwargs={"code": world.case.code_name})
    page = client.post(url, {"target": world.reported.pk}).content.decode()
    link = PartyLink.objects.get()
    token = page.split("/party/")[1].split("/")[0]
    assert access_party_link(token) == link
    assert token not in link.secret_hash
    case_page = client.get(reverse("cases:detail", kwargs={"code": world.case.code_name})).content.decode()
    assert token not in case_page and "party-links" in case_page
    # Only reported people get links.
    response = client.post(url, {"target": world.reporter_party.pk})
    assert response.status_code == 302 and PartyLink.objects.count() == 1


def test_party_portal_keeps_referrers_on_site_so_its_own_forms_pass_csrf(world: World, stewards: dict[str, Any]) -> None:
    """ "no-referrer" would make browsers send `Origin: null` with the reply form, and CSRF would refuse it."""
    token = do_create_party_link(stewards["bob"], world.case, world.reported).token
    response = Client(enforce_csrf_checks=True).get(portal(token), follow=True)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"


def test_a_long_correspondence_pages_back_through_only_this_persons_letters(
    world: World, stewards: dict[str, Any], monkeypatch: Any
) -> None:
    monkeypatch.setattr("letters.views.PORTAL_PAGE", 4)
    token = do_create_party_link(stewards["bob"], world.case, world.reported).token
    for number in range(9):
        letter = do_send_message(stewards["bob"], world.case, Audience.REPORTED, f"NUMBERED-{number} letter", party=world.reported)
        do_approve_message(stewards["carol"], world.case, letter.pk)
        do_send_message(stewards["bob"], world.case, Audience.REPORTED, f"PENDING-LETTER {number}", party=world.reported)
        do_send_message(stewards["bob"], world.case, Audience.STEWARDS, f"STEWARDS-ONLY {number}")

    browser = Client()
    url, pages = portal(token), []
    while url:
        page = browser.get(url, follow=True).content.decode()
        assert "PENDING-LETTER" not in page and "STEWARDS-ONLY" not in page
        pages.append(re.findall(r"NUMBERED-(\d)", page))
        more = re.search(r'<p class="more"><a href="([^"]+)"', page)
        url = more.group(1).replace("&amp;", "&") if more else ""

    assert pages[0] == ["5", "6", "7", "8"], "the latest first, in the order they were sent"
    assert [number for shown in reversed(pages) for number in shown] == [str(n) for n in range(9)]
