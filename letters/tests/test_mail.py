"""Mail through a real SMTP peer: who gets what, "do not contact", approval first, failures shown."""

from typing import Any

import pytest
from django.urls import reverse

from audit.models import Event
from cases.actions import do_send_message
from cases.models import Audience, Message
from letters.actions import do_approve_message
from letters.models import MailStatus, OutgoingMail, PartyLink
from letters.outbox import MAX_ATTEMPTS, deliver_mail
from letters.tests.conftest import (
    REPORTED_EMAIL,
    REPORTER_EMAIL,
    REPORTER_NAME,
    Inbox,
    World,
    free_port,
    make_world,
    point_mail_at,
    text_of,
)

pytestmark = pytest.mark.django_db


def deliver_all() -> list[str]:
    return [deliver_mail.call(pk) for pk in OutgoingMail.objects.filter(status=MailStatus.QUEUED).values_list("pk", flat=True)]


def test_a_message_to_the_reporter_arrives_by_smtp_without_the_secret(smtp: Inbox, world: World, stewards: dict[str, Any]) -> None:
    do_send_message(stewards["bob"], world.case, Audience.REPORTER, "Could you tell us which day this was?", report=world.report)
    assert deliver_all() == ["sent"]
    [mail] = smtp.to(REPORTER_EMAIL)
    body = text_of(mail)
    assert "Could you tell us which day this was?" in body
    assert world.report.reference in mail["Subject"]
    assert reverse("intake:follow_up_start") in body
    assert reverse("intake:follow_up", kwargs={"reference": world.report.reference, "secret": "x"})[:-2] not in body
    assert OutgoingMail.objects.get().status == MailStatus.SENT
    assert Event.objects.filter(kind="mail.sent", case_id=world.case.pk).exists()
    # Stewards-only messages never leave.
    do_send_message(stewards["bob"], world.case, Audience.STEWARDS, "internal", report=None)
    assert deliver_all() == []


def test_running_the_task_twice_sends_once(smtp: Inbox, world: World, stewards: dict[str, Any]) -> None:
    do_send_message(stewards["bob"], world.case, Audience.REPORTER, "Hello once", report=world.report)
    mail = OutgoingMail.objects.get()
    assert deliver_mail.call(mail.pk) == "sent"
    assert deliver_mail.call(mail.pk) == "not queued"
    assert len(smtp.mails) == 1


def test_do_not_contact_stops_all_mail_to_that_reporter(smtp: Inbox, stewards: dict[str, Any]) -> None:
    world = make_world(stewards, do_not_contact=True)
    message = do_send_message(stewards["bob"], world.case, Audience.REPORTER, "Should not be mailed", report=world.report)
    assert not OutgoingMail.objects.filter(message=message).exists()
    assert deliver_all() == []
    assert smtp.to(REPORTER_EMAIL) == []


def test_do_not_contact_set_after_queueing_still_wins(smtp: Inbox, world: World, stewards: dict[str, Any]) -> None:
    do_send_message(stewards["bob"], world.case, Audience.REPORTER, "Queued before the wish changed", report=world.report)
    type(world.report).objects.filter(pk=world.report.pk).update(do_not_contact=True)
    assert deliver_all() == ["cancelled"]
    assert smtp.mails == []


def test_a_letter_to_the_reported_person_waits_for_a_second_steward(smtp: Inbox, world: World, stewards: dict[str, Any]) -> None:
    message = do_send_message(stewards["bob"], world.case, Audience.REPORTED, "We would like to hear your side.", party=world.reported)
    assert message.approval == "awaiting"
    assert OutgoingMail.objects.get(message=message).status == MailStatus.HELD
    assert deliver_all() == []
    assert smtp.to(REPORTED_EMAIL) == []

    do_approve_message(stewards["carol"], world.case, message.pk)
    assert deliver_all() == ["sent"]
    [mail] = smtp.to(REPORTED_EMAIL)
    body = text_of(mail)
    assert "We would like to hear your side." in body
    # The first letter carries a working portal link, made at sending time and stored only as a hash.
    url = next(word for word in body.split() if "/party/" in word)
    token = url.rstrip("/").rsplit("/", 1)[1]
    link = PartyLink.objects.get(party=world.reported)
    assert link.for_mail is not None and token not in link.secret_hash
    assert token not in OutgoingMail.objects.get(message=message).body
    assert REPORTER_NAME not in body and REPORTER_EMAIL not in body

    second = do_send_message(stewards["bob"], world.case, Audience.REPORTED, "A second letter.", party=world.reported)
    do_approve_message(stewards["dave"], world.case, second.pk)
    assert deliver_all() == ["sent"]
    later = text_of(smtp.to(REPORTED_EMAIL)[1])
    assert "/party/" not in later
    assert PartyLink.objects.filter(party=world.reported).count() == 1


def test_smtp_down_fails_after_retries_and_shows_on_the_case(settings: Any, world: World, stewards: dict[str, Any], login: Any) -> None:
    point_mail_at(settings, free_port())  # nothing listens there
    do_send_message(stewards["bob"], world.case, Audience.REPORTER, "Nobody will receive this", report=world.report)
    mail = OutgoingMail.objects.get()
    results = [deliver_mail.call(mail.pk) for _attempt in range(MAX_ATTEMPTS)]
    assert results == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    mail.refresh_from_db()
    assert mail.status == MailStatus.FAILED and mail.attempts == MAX_ATTEMPTS
    assert "ConnectionRefused" in mail.last_error and REPORTER_EMAIL not in mail.last_error
    event = Event.objects.get(kind="mail.failed", case_id=world.case.pk)
    assert REPORTER_EMAIL not in event.summary
    page = login(stewards["bob"]).get(reverse("cases:detail", kwargs={"code": world.case.code_name})).content.decode()
    assert "Delivery failed: ConnectionRefused" in page
    assert "E-mail delivery failed" in page  # the timeline


def test_a_permanent_refusal_is_not_retried(settings: Any, world: World, stewards: dict[str, Any]) -> None:
    class Refuse:
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
            return "550 No such user here"

    from aiosmtpd.controller import Controller

    controller = Controller(Refuse(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        point_mail_at(settings, controller.port)
        do_send_message(stewards["bob"], world.case, Audience.REPORTER, "Refused", report=world.report)
        assert deliver_all() == ["failed"]
    finally:
        controller.stop()
    assert OutgoingMail.objects.get().attempts == 1
    assert Message.objects.filter(case=world.case).count() == 1
