"""A letter to a reported person that awaits approval can be withdrawn, and a withdrawn letter is never sent.

Who may withdraw: its author (who may be soft-conflicted: they could write it), or any steward who could approve
it (no conflict). Withdrawing only ever stops a letter, so it needs no second steward; it is audited. Approval and
withdrawal each change the message only while it still awaits approval, in one statement, so when they race
exactly one wins; and the outbox will not claim the mail of a withdrawn message, whatever its row says.
"""

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.urls import reverse

from audit.models import Event
from cases.actions import do_send_message
from cases.models import Approval, Audience, Message
from letters.actions import do_approve_message, do_edit_draft, do_withdraw_draft
from letters.models import MailStatus, OutgoingMail
from letters.outbox import deliver_mail, recover_stalled_mail
from letters.tests.conftest import REPORTED_EMAIL, Inbox, World

pytestmark = pytest.mark.django_db


def draft(world: World, author: Any, body: str = "Please tell us your side of what happened.") -> Message:
    return do_send_message(author, world.case, Audience.REPORTED, body, party=world.reported)


def deliver_every_mail(message: Message) -> list[str]:
    return [deliver_mail.call(pk) for pk in OutgoingMail.objects.filter(message=message).values_list("pk", flat=True)]


def test_the_author_withdraws_a_draft_and_it_is_never_sent(smtp: Inbox, world: World, stewards: dict[str, Any], login: Any) -> None:
    message = draft(world, stewards["bob"])
    [mail] = OutgoingMail.objects.filter(message=message)
    assert mail.status == MailStatus.HELD
    url = reverse("letters:withdraw_draft", kwargs={"code": world.case.code_name})
    response = login(stewards["bob"]).post(url, {"target": message.pk})
    assert response.status_code == 302
    message.refresh_from_db()
    mail.refresh_from_db()
    assert message.approval == Approval.WITHDRAWN and message.withdrawn_by == stewards["bob"]
    assert mail.status == MailStatus.CANCELLED
    event = Event.objects.get(kind="message.withdrawn")
    assert event.actor_id == stewards["bob"].pk and event.data["message"] == message.pk
    with pytest.raises(ValidationError):
        do_approve_message(stewards["carol"], world.case, message.pk)
    with pytest.raises(ValidationError):
        do_edit_draft(stewards["bob"], world.case, message.pk, "A new text")
    assert deliver_every_mail(message) == ["not queued"]
    assert recover_stalled_mail() == 0
    assert smtp.mails == []
    page = login(stewards["carol"]).get(reverse("cases:detail", kwargs={"code": world.case.code_name})).content.decode()
    assert "Withdrawn by Bob" in page
    assert f'name="target" value="{message.pk}"' not in page  # neither approval nor withdrawal is offered again


def test_who_may_withdraw(world: World, stewards: dict[str, Any], login: Any) -> None:
    url = reverse("letters:withdraw_draft", kwargs={"code": world.case.code_name})
    by_bob = draft(world, stewards["bob"])
    # erin is soft-conflicted: not the author, and she could not approve it either.
    with pytest.raises(ValidationError, match="Only its author or a steward with no conflict"):
        do_withdraw_draft(stewards["erin"], world.case, by_bob.pk)
    login(stewards["erin"]).post(url, {"target": by_bob.pk})
    assert login(stewards["frank"]).post(url, {"target": by_bob.pk}).status_code in (302, 404)  # deactivated: sign in, or nothing
    by_bob.refresh_from_db()
    assert by_bob.approval == Approval.AWAITING
    # carol has no conflict: she may stop a colleague's letter she would not approve.
    do_withdraw_draft(stewards["carol"], world.case, by_bob.pk)
    by_bob.refresh_from_db()
    assert by_bob.approval == Approval.WITHDRAWN and by_bob.withdrawn_by == stewards["carol"]
    # erin may take back her own draft.
    by_erin = draft(world, stewards["erin"])
    page = login(stewards["erin"]).get(reverse("cases:detail", kwargs={"code": world.case.code_name})).content.decode()
    assert "Withdraw: do not send" in page
    login(stewards["erin"]).post(url, {"target": by_erin.pk})
    by_erin.refresh_from_db()
    assert by_erin.approval == Approval.WITHDRAWN


def test_an_approved_letter_is_not_withdrawn_and_goes_out(smtp: Inbox, world: World, stewards: dict[str, Any]) -> None:
    message = draft(world, stewards["bob"])
    do_approve_message(stewards["carol"], world.case, message.pk)
    with pytest.raises(ValidationError, match="not waiting for approval"):
        do_withdraw_draft(stewards["bob"], world.case, message.pk)
    assert deliver_every_mail(message) == ["sent"]
    assert len(smtp.to(REPORTED_EMAIL)) == 1


def test_the_outbox_never_claims_the_mail_of_a_withdrawn_letter(smtp: Inbox, world: World, stewards: dict[str, Any]) -> None:
    """Whatever state a mail row was left in (queued by hand, or by a release before withdrawals existed), the
    claim itself refuses a withdrawn message: the last guard before the SMTP server."""
    message = draft(world, stewards["bob"])
    do_withdraw_draft(stewards["bob"], world.case, message.pk)
    OutgoingMail.objects.filter(message=message).update(status=MailStatus.QUEUED, next_attempt_at=None)
    OutgoingMail.objects.filter(message=message).update(created_at=OutgoingMail.objects.get(message=message).created_at.replace(year=2000))
    assert deliver_every_mail(message) == ["not queued"]
    assert recover_stalled_mail() == 0
    assert smtp.mails == []


def _blocked_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
        return int(cursor.fetchone()[0])


def _wait_for(blocked: int) -> None:
    for _try in range(2000):  # a condition, not a time: waits until the database says so
        if _blocked_on_a_lock() >= blocked:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"{blocked} transaction(s) never waited for the message's row")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: SQLite runs one write transaction at a time (IMMEDIATE)")
@pytest.mark.parametrize("first", ["approve", "withdraw"])
def test_approval_and_withdrawal_racing_one_wins_and_a_withdrawn_letter_is_never_sent(
    smtp: Inbox, world: World, stewards: dict[str, Any], first: str
) -> None:
    """Both read the draft as awaiting approval before either writes (a third connection holds the message's
    row until both wait for it): whichever asked first wins, the other is refused, and the mail follows."""
    message = draft(world, stewards["bob"])
    actions = {
        "approve": lambda: do_approve_message(stewards["carol"], world.case, message.pk),
        "withdraw": lambda: do_withdraw_draft(stewards["bob"], world.case, message.pk),
    }
    results: dict[str, str] = {}
    holding, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        try:
            with transaction.atomic():
                Message.objects.select_for_update().get(pk=message.pk)
                holding.set()
                release.wait(60)
        finally:
            connections.close_all()

    def run(name: str) -> None:
        try:
            actions[name]()
            results[name] = "done"
        except ValidationError as error:
            results[name] = " ".join(error.messages)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    holding.wait(60)
    second = "withdraw" if first == "approve" else "approve"
    threads = [threading.Thread(target=run, args=(name,)) for name in (first, second)]
    threads[0].start()
    _wait_for(1)
    threads[1].start()
    _wait_for(2)
    release.set()
    for thread in (holder, *threads):
        thread.join(60)
    assert results[first] == "done"
    assert "not waiting for approval" in results[second]
    message.refresh_from_db()
    if first == "withdraw":
        assert message.approval == Approval.WITHDRAWN
        assert set(OutgoingMail.objects.filter(message=message).values_list("status", flat=True)) == {MailStatus.CANCELLED}
        assert deliver_every_mail(message) == ["not queued"]
        assert smtp.mails == []
    else:
        assert message.approval == Approval.APPROVED
        assert deliver_every_mail(message) == ["sent"]
        assert len(smtp.to(REPORTED_EMAIL)) == 1
