"""Retention: at the date, the case's personal data is gone from every table and the evidence folder,
and an anonymous statistic still counts it. A legal hold postpones that; expunging does it at once."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit.models import Event
from cases.actions import do_change_status, do_declare_conflict
from cases.models import Case, Evidence, Report
from people.models import Identity, Person, Space
from privacy.actions import do_expunge_case, do_release_legal_hold, do_set_legal_hold
from privacy.models import CaseRetention, CaseStatistic
from privacy.tasks import erase_expired_cases
from privacy.tests.conftest import REPORTED_HANDLE, SECRETS, evidence_bytes, found_anywhere, table_dump

RETENTION_DAYS = 1825  # the default policy's


def raw_tokens(case: Case) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT body, reporter_name, reporter_email FROM cases_report WHERE case_id = %s", [case.pk])
        return [value for value in cursor.fetchone() if value]


def close(case: Case, steward) -> Case:
    do_change_status(steward, case, "closed", "no-action")
    case.refresh_from_db()
    return case


@pytest.mark.django_db
def test_closing_sets_the_retention_date_and_reopening_clears_it(make_case, stewards) -> None:
    case = close(make_case(), stewards["dave"])
    retention = CaseRetention.objects.get(case=case)
    assert retention.retain_until == case.closed_at + timedelta(days=RETENTION_DAYS)
    do_change_status(stewards["dave"], case, "investigating")
    retention.refresh_from_db()
    assert retention.retain_until is None


@pytest.mark.django_db(transaction=True)
def test_after_the_retention_date_nothing_remains_and_the_statistics_count_it(make_case, stewards) -> None:
    case = make_case()
    do_declare_conflict(stewards["erin"], case, "soft")
    case = close(case, stewards["dave"])
    code_name, tokens = case.code_name, raw_tokens(case)
    due = CaseRetention.objects.get(case=case).retain_until
    # The erasure was scheduled for that moment on the task worker.
    assert DBTaskResult.objects.filter(task_path="privacy.tasks.erase_expired_cases", run_after=due).exists()
    assert evidence_bytes()

    with time_machine.travel(due - timedelta(minutes=1), tick=False):
        assert erase_expired_cases.call() == 0
    assert Case.objects.filter(pk=case.pk).exists()

    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        assert erase_expired_cases.call() == 1
        assert erase_expired_cases.call() == 0  # idempotent

    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Report.objects.exists() and not Evidence.objects.exists()
    assert found_anywhere(SECRETS + tokens + ["Morgan Reported"]) == []
    assert evidence_bytes() == b""
    assert not Identity.objects.filter(space=Space.GITHUB, handle=REPORTED_HANDLE).exists()
    # Stewards keep their person records.
    assert Person.objects.filter(steward_profile__isnull=False).count() == len(stewards)

    statistic = CaseStatistic.objects.get()
    assert (statistic.reports, statistic.parties, statistic.recusals) == (1, 3, 1)
    assert statistic.categories == ["harassment"] and statistic.space == "github"
    assert statistic.status == "closed" and not statistic.expunged and not statistic.had_reporter_anonymous
    assert statistic.created_month == timezone.localdate(case.created_at).replace(day=1)
    erased = Event.objects.get(kind="case.erased")
    assert code_name in erased.summary and erased.case_id == case.pk
    # The code name survives only in the audit log, which holds no personal data.
    assert code_name in table_dump()


@pytest.mark.django_db
def test_people_named_in_another_case_are_kept(make_case, stewards, django_capture_on_commit_callbacks) -> None:
    first = close(make_case(), stewards["dave"])
    second = make_case(body="Another report about the same person")
    with time_machine.travel(CaseRetention.objects.get(case=first).retain_until + timedelta(days=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("erase_expired")
    assert not Case.objects.filter(pk=first.pk).exists()
    assert Identity.objects.get(space=Space.GITHUB, handle=REPORTED_HANDLE).person.parties.get().case == second
    # The second case shares the evidence file (same content): it stays, and still reads.
    assert Evidence.objects.filter(case=second).count() == 1 and evidence_bytes()


@pytest.mark.django_db
def test_a_legal_hold_postpones_erasure_until_released(make_case, stewards) -> None:
    case = close(make_case(), stewards["dave"])
    after = CaseRetention.objects.get(case=case).retain_until + timedelta(days=1)
    with pytest.raises(ValidationError):
        do_set_legal_hold(stewards["dave"], case, "   ")
    do_set_legal_hold(stewards["dave"], case, "Court order 2031-17")
    with time_machine.travel(after, tick=False):
        assert erase_expired_cases.call() == 0
    assert Case.objects.filter(pk=case.pk).exists()
    assert Event.objects.filter(kind="case.legal_hold", case_id=case.pk).exists()
    assert "Court order" not in Event.objects.get(kind="case.legal_hold").summary
    do_release_legal_hold(stewards["dave"], case)
    with time_machine.travel(after, tick=False):
        assert erase_expired_cases.call() == 1
    assert not Case.objects.filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_expunge_erases_at_once_and_marks_the_statistic(make_case, stewards, django_capture_on_commit_callbacks) -> None:
    case = make_case()
    with pytest.raises(ValidationError):
        do_expunge_case(stewards["dave"], case, "")
    with django_capture_on_commit_callbacks(execute=True):
        do_expunge_case(stewards["dave"], case, "Decision overturned on appeal")
    assert not Case.objects.filter(pk=case.pk).exists()
    assert CaseStatistic.objects.get().expunged
    event = Event.objects.get(kind="case.expunged")
    assert event.summary == f"Case {case.code_name} expunged" and "overturned" not in str(event.data)
    assert evidence_bytes() == b""


@pytest.mark.django_db
def test_a_case_on_legal_hold_cannot_be_expunged(make_case, stewards) -> None:
    case = make_case()
    do_set_legal_hold(stewards["dave"], case, "Pending proceedings")
    with pytest.raises(ValidationError, match="legal hold"):
        do_expunge_case(stewards["dave"], case, "Overturned")
    assert Case.objects.filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_cases_merged_into_an_erased_case_go_with_it(make_case, stewards) -> None:
    from cases.actions import do_merge_cases

    target, source = make_case(), make_case(body="A second report of the same incident")
    do_merge_cases(stewards["dave"], target, source)
    target = close(target, stewards["dave"])
    with time_machine.travel(CaseRetention.objects.get(case=target).retain_until + timedelta(days=1), tick=False):
        assert erase_expired_cases.call() == 1
    assert not Case.objects.filter(pk__in=[target.pk, source.pk]).exists()
    assert CaseStatistic.objects.get().reports == 2
