"""Crash safety of the outbox: a worker that dies between claiming a mail and finishing it leaves the
row "sending"; after the lease another run takes it over. A finished mail is never sent again, and
every attempt carries the row's own Message-ID so a receiver can drop a repeat."""

import smtplib
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import Event
from cases.actions import do_send_message
from cases.models import Audience
from clocks.reminders import sweep
from letters.access import access_party_link
from letters.actions import do_approve_message
from letters.models import MailStatus, OutgoingMail, PartyLink
from letters.outbox import LEASE, _describe, deliver_mail, recover_stalled_mail
from letters.tests.conftest import REPORTED_EMAIL, REPORTER_EMAIL, Inbox, World, free_port, point_mail_at, text_of

pytestmark = pytest.mark.django_db


def queue_letter(world: World, stewards: dict[str, Any], text: str = "Hello after a crash") -> OutgoingMail:
    do_send_message(stewards["bob"], world.case, Audience.REPORTER, text, report=world.report)
    return OutgoingMail.objects.latest("pk")


def crash_after_claim(mail: OutgoingMail, claimed_ago: timedelta) -> None:
    """What a worker leaves behind when it dies after its claim committed and before it finished."""
    OutgoingMail.objects.filter(pk=mail.pk).update(
        status=MailStatus.SENDING, claimed_at=timezone.now() - claimed_ago, attempts=1, sent_at=None
    )


def test_a_mail_left_sending_is_sent_once_after_the_lease(smtp: Inbox, world: World, stewards: dict[str, Any]) -> None:
    mail = queue_letter(world, stewards)
    crash_after_claim(mail, LEASE + timedelta(seconds=1))
    assert recover_stalled_mail() == 1
    [received] = smtp.to(REPORTER_EMAIL)
    assert received["Message-ID"] == mail.message_id_header
    mail.refresh_from_db()
    assert mail.status == MailStatus.SENT and mail.sent_at is not None and mail.attempts == 2
    # Finished: neither the sweep nor a late copy of the task sends it again.
    assert recover_stalled_mail() == 0
    assert deliver_mail.call(mail.pk) == "not queued"
    assert len(smtp.mails) == 1
    assert Event.objects.filter(kind="mail.sent", data__mail=mail.pk).count() == 1


def test_the_next_delivery_task_also_takes_over_a_stale_claim(smtp: Inbox, world: World, stewards: dict[str, Any]) -> None:
    mail = queue_letter(world, stewards)
    crash_after_claim(mail, LEASE * 2)
    assert deliver_mail.call(mail.pk) == "sent"
    assert len(smtp.to(REPORTER_EMAIL)) == 1


def test_a_claim_within_its_lease_is_left_alone(smtp: Inbox, world: World, stewards: dict[str, Any]) -> None:
    mail = queue_letter(world, stewards)
    crash_after_claim(mail, LEASE - timedelta(minutes=1))  # maybe still sending: not ours to take
    assert recover_stalled_mail() == 0
    assert deliver_mail.call(mail.pk) == "not queued"
    assert smtp.mails == []
    assert OutgoingMail.objects.get(pk=mail.pk).status == MailStatus.SENDING


def test_the_clocks_sweep_recovers_stalled_mail(smtp: Inbox, world: World, stewards: dict[str, Any]) -> None:
    mail = queue_letter(world, stewards)
    crash_after_claim(mail, LEASE + timedelta(minutes=5))
    assert sweep()["mail_recovered"] == 1
    assert len(smtp.to(REPORTER_EMAIL)) == 1


def test_a_queued_mail_whose_task_was_lost_is_sent_by_the_sweep(smtp: Inbox, world: World, stewards: dict[str, Any]) -> None:
    mail = queue_letter(world, stewards)
    assert recover_stalled_mail() == 0  # just queued: its own task will send it
    OutgoingMail.objects.filter(pk=mail.pk).update(created_at=timezone.now() - LEASE - timedelta(minutes=1))
    assert recover_stalled_mail() == 1
    assert len(smtp.to(REPORTER_EMAIL)) == 1


def test_a_resend_after_a_crash_keeps_the_message_id(smtp: Inbox, world: World, stewards: dict[str, Any]) -> None:
    """The worker died after the server accepted the mail but before "sent" committed: SMTP is at-least-once."""
    mail = queue_letter(world, stewards)
    assert deliver_mail.call(mail.pk) == "sent"
    crash_after_claim(mail, LEASE + timedelta(seconds=1))  # as if the "sent" update never committed
    assert recover_stalled_mail() == 1
    first, second = smtp.to(REPORTER_EMAIL)
    assert first["Message-ID"] == second["Message-ID"] == mail.message_id_header
    assert text_of(first) == text_of(second)


def test_the_message_id_is_stable_across_retries_and_differs_between_mails(
    settings: Any, smtp: Inbox, world: World, stewards: dict[str, Any]
) -> None:
    mail = queue_letter(world, stewards, "First")
    other = queue_letter(world, stewards, "Second")
    assert mail.message_id_header != other.message_id_header and mail.message_id_header.startswith("<")
    port = settings.MAILERS["default"]["OPTIONS"]["port"]
    point_mail_at(settings, free_port())  # nothing listens: a temporary failure
    assert deliver_mail.call(mail.pk) == "retry"
    point_mail_at(settings, port)
    assert deliver_mail.call(mail.pk) == "sent"
    [received] = smtp.to(REPORTER_EMAIL)
    assert received["Message-ID"] == OutgoingMail.objects.get(pk=mail.pk).message_id_header == mail.message_id_header


def test_a_portal_letter_resent_after_a_crash_leaves_both_copies_working(smtp: Inbox, world: World, stewards: dict[str, Any]) -> None:
    message = do_send_message(stewards["bob"], world.case, Audience.REPORTED, "We would like to hear your side.", party=world.reported)
    do_approve_message(stewards["carol"], world.case, message.pk)
    mail = OutgoingMail.objects.get(message=message)
    assert deliver_mail.call(mail.pk) == "sent"
    crash_after_claim(mail, LEASE + timedelta(seconds=1))
    assert recover_stalled_mail() == 1
    copies = smtp.to(REPORTED_EMAIL)
    assert len(copies) == 2 and copies[0]["Message-ID"] == copies[1]["Message-ID"]
    tokens = [next(w for w in text_of(copy).split() if "/party/" in w).rstrip("/").rsplit("/", 1)[1] for copy in copies]
    # Whichever copy the receiver keeps, its link opens the portal.
    assert all(access_party_link(token) is not None for token in tokens)


def test_a_failed_attempt_revokes_the_link_its_letter_carried(settings: Any, world: World, stewards: dict[str, Any]) -> None:
    message = do_send_message(stewards["bob"], world.case, Audience.REPORTED, "We would like to hear your side.", party=world.reported)
    do_approve_message(stewards["carol"], world.case, message.pk)
    point_mail_at(settings, free_port())
    assert deliver_mail.call(OutgoingMail.objects.get(message=message).pk) == "retry"
    assert not PartyLink.objects.filter(party=world.reported, revoked_at__isnull=True).exists()


def test_error_text_never_holds_an_address() -> None:
    error = smtplib.SMTPRecipientsRefused(
        {"Rita.Quiet@Example.NET": (550, b"5.1.1 <RITA.QUIET@EXAMPLE.NET> unknown; forwarded to rq@backup.example.org")}
    )
    text = _describe(error, "rita.quiet@example.net")
    assert "@" not in text and "rita" not in text.lower()
    assert "[recipient]" in text and "[address]" in text and "550" in text
