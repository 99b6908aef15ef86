"""A new report alerts every eligible steward at once, by code name and link only, exactly once; preferences hold."""

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from audit.models import Event
from cases.actions import do_declare_conflict
from cases.models import Case
from notifications import alerts
from notifications.models import Delivery, NewCaseAlert
from notifications.tasks import deliver_new_case
from notifications.tests.conftest import PLANTED, run_worker, submit
from steward.testing import Inbox, text_of

pytestmark = pytest.mark.django_db(transaction=True)  # the real worker closes its connection

ELIGIBLE = {"alice@example.org", "dave@example.org", "erin@example.org"}


def mails(inbox: Inbox) -> list[tuple[str, str, str]]:
    """(recipient, subject, text) of every mail the SMTP peer received."""
    return [(rcpt, str(mail["Subject"]), text_of(mail)) for rcpts, mail in inbox.mails for rcpt in rcpts]


def assert_no_case_content(*texts: str) -> None:
    for text in texts:
        for planted in PLANTED:
            assert planted not in text, f"{planted!r} leaked into: {text}"


def test_a_new_report_alerts_every_eligible_steward_and_no_hard_conflicted_one(stewards: Any, smtp: Inbox) -> None:
    # bob is named in the report (a party by his GitHub handle) and carol was excluded by the reporter: both are
    # hard-conflicted automatically; frank is deactivated. alice, dave and erin may know the case exists.
    case = submit(stewards)
    assert NewCaseAlert.objects.filter(case=case).count() == 3  # written with the report, before any worker ran
    assert smtp.mails == []
    run_worker()

    received = mails(smtp)
    assert sorted(rcpt for rcpt, _, _ in received) == sorted(ELIGIBLE)
    link = "/cases/" + case.code_name + "/"
    for _, subject, text in received:
        assert case.code_name in subject and link in text
        assert_no_case_content(subject, text)
    event = Event.objects.get(case_id=case.pk, kind="case.announced")
    assert sorted(event.data["stewards"]) == sorted(stewards[name].pk for name in ("alice", "dave", "erin"))


def test_the_announcement_readers_see_does_not_hint_at_hard_conflicts(stewards: Any, smtp: Inbox) -> None:
    """A case two stewards are hard-conflicted on and one nobody is: its readers see the same line in the timeline."""
    conflicted = submit(stewards)
    clear = submit(stewards, excluded=(), named_steward="")
    summaries = [Event.objects.get(case_id=case.pk, kind="case.announced").summary for case in (conflicted, clear)]
    assert summaries[0] == summaries[1]
    assert not any(character.isdigit() for character in summaries[0])


def test_exactly_once_whatever_runs_again(stewards: Any, smtp: Inbox) -> None:
    case = submit(stewards)
    run_worker()
    # The task again (a retry), the sweep, the cron tick, the worker again: nothing more goes out.
    deliver_new_case.call(case.pk)
    alerts.sweep()
    run_worker()
    assert sorted(rcpt for rcpt, _, _ in mails(smtp)) == sorted(ELIGIBLE)
    assert NewCaseAlert.objects.filter(case=case, sent_at__isnull=False).count() == 3


def test_a_lost_task_is_made_good_by_the_sweep_and_a_later_hard_conflict_gets_nothing(stewards: Any, smtp: Inbox) -> None:
    """A crash after the report committed and before its task ran: the rows are there; the sweep sends them. A steward
    who declared a hard conflict in between is asked again at sending time and told nothing."""
    case = submit(stewards)
    DBTaskResult.objects.filter(task_path=deliver_new_case.module_path).delete()
    do_declare_conflict(stewards["dave"], case, "hard")
    assert alerts.sweep()["alerts"] == 2
    assert sorted(rcpt for rcpt, _, _ in mails(smtp)) == ["alice@example.org", "erin@example.org"]
    assert NewCaseAlert.objects.get(case=case, steward=stewards["dave"]).skipped_at is not None


def test_a_failed_send_is_retried_by_the_sweep(stewards: Any, smtp: Inbox, settings: Any) -> None:
    good = settings.MAILERS
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {"host": "127.0.0.1", "port": 9}}}
    case = submit(stewards)
    run_worker()
    assert smtp.mails == []
    assert NewCaseAlert.objects.filter(case=case, attempts__gte=1, sent_at__isnull=True).exclude(last_error="").count() == 3
    settings.MAILERS = good
    assert alerts.sweep()["alerts"] == 3
    assert sorted(rcpt for rcpt, _, _ in mails(smtp)) == sorted(ELIGIBLE)


def test_digest_preference_means_no_mail_at_once_and_one_digest_the_next_morning(
    stewards: Any, smtp: Inbox, clock: Any, settings: Any, client: Any
) -> None:
    settings.STEWARD_DIGEST_HOUR = 8  # the clock starts at 09:00 UTC
    for name, choice in (("erin", "digest"), ("dave", "none")):
        client.force_login(stewards[name])
        response = client.post(reverse("accounts:new_report_mail"), {"new_report_mail": choice})
        assert response.status_code == 302
    stewards["erin"].steward_profile.refresh_from_db()
    assert stewards["erin"].steward_profile.new_report_mail == "digest"

    first = submit(stewards)
    clock(timedelta(hours=3))
    second = submit(stewards, excluded=(), named_steward="")
    run_worker()
    alerts.sweep()
    # The first report: alice only (bob named, carol excluded); the second: alice, bob and carol. erin waits for her
    # digest, dave chose no mail.
    assert sorted(rcpt for rcpt, _, _ in mails(smtp)) == ["alice@example.org", "alice@example.org", "bob@example.org", "carol@example.org"]

    clock(timedelta(days=1, minutes=-55))  # the next day, 08:05: the digest is due
    smtp.mails.clear()
    assert alerts.sweep()["digests"] == 1
    alerts.sweep()  # and again: nothing more
    received = mails(smtp)
    assert [rcpt for rcpt, _, _ in received] == ["erin@example.org"]
    _, subject, text = received[0]
    assert first.code_name in text and second.code_name in text and "2" in subject
    assert_no_case_content(subject, text)
    assert "dave@example.org" not in {rcpt for rcpt, _, _ in received}  # "none": no mail of any kind


def test_a_report_held_as_a_possible_flood_waits_for_the_digest(stewards: Any, smtp: Inbox, clock: Any, settings: Any) -> None:
    from intake.actions import Submission, do_submit_report

    settings.STEWARD_DIGEST_HOUR = 8
    receipt = do_submit_report(Submission(body="A burst from one address"), held_as_possible_flood=True)
    case = Case.objects.get(code_name=receipt.case_code_name)
    assert set(NewCaseAlert.objects.filter(case=case).values_list("delivery", flat=True)) == {Delivery.DIGEST}
    run_worker()
    alerts.sweep()
    assert smtp.mails == []
    clock(timedelta(days=1))
    assert alerts.sweep()["digests"] == 5  # every active steward, each their own digest
    assert all(case.code_name in text and "possible flood" in text for _, _, text in mails(smtp))


def test_every_intake_channel_announces(stewards: Any) -> None:
    """The web form, a steward's report on someone's behalf, a mailed report and a platform's report button all
    pass through intake's one action, which announces the case; the on-behalf one is shown here (the others'
    tests make their cases the same way)."""
    from intake.actions import Submission, do_submit_report

    receipt = do_submit_report(Submission(body="Told to me at the meetup", channel="in-person"), taken_by=stewards["alice"])
    case = Case.objects.get(code_name=receipt.case_code_name)
    assert NewCaseAlert.objects.filter(case=case, delivery=Delivery.IMMEDIATE).count() == 5
