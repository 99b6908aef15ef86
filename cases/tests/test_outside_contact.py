"""The quorum guard hands a case to the outside contact: they are told once, by the worker, without content."""

from django_tasks_db.models import DBTaskResult

from audit.models import Event
from cases.actions import do_declare_conflict
from cases.models import Case, ConflictLevel
from cases.tasks import notify_outside_contact
from intake.actions import Submission, do_submit_report


def test_outside_contact_is_told_once_when_quorum_is_lost(stewards, mailoutbox, django_capture_on_commit_callbacks):
    case = Case.objects.get(code_name=do_submit_report(Submission(body="SECRET-BODY-TEXT")).case_code_name)
    for name in ("alice", "bob"):
        do_declare_conflict(stewards[name], case, ConflictLevel.HARD)
    notices = DBTaskResult.objects.filter(task_path=notify_outside_contact.module_path)
    assert not notices.exists()
    with django_capture_on_commit_callbacks(execute=True):
        do_declare_conflict(stewards["carol"], case, ConflictLevel.HARD)  # 2 left without a hard conflict: < 3
    case.refresh_from_db()
    assert case.needs_outside_contact
    assert notices.count() == 1  # queued with the declaration's transaction (steward.queueing)

    event_id = Event.objects.get(case_id=case.pk, kind="case.quorum").pk
    assert notify_outside_contact.call(case.pk, event_id) == "sent"
    assert notify_outside_contact.call(case.pk, event_id) == "already notified"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    contact = case.policy_version.policy.outside_contact
    assert mail.to == [contact.email]
    assert case.code_name in mail.body and "SECRET-BODY-TEXT" not in mail.body


def test_no_notice_when_quorum_came_back_before_the_worker_ran(stewards, mailoutbox):
    case = Case.objects.get(code_name=do_submit_report(Submission(body="x")).case_code_name)
    Case.objects.filter(pk=case.pk).update(needs_outside_contact=False)
    assert notify_outside_contact.call(case.pk, 1) == "not needed"
    assert mailoutbox == []
