"""Interim protective measures: one steward acts, another unconflicted steward reviews within 24 h."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from audit.models import Event
from cases.models import Case
from clocks import reminders
from clocks.actions import do_review_interim_measure, do_take_interim_measure
from clocks.models import InterimMeasure, MeasureOutcome
from clocks.panel import queue_flags
from clocks.tasks import review_interim_measure
from clocks.tests.conftest import T0, recipients

pytestmark = pytest.mark.django_db

DESCRIPTION = "Muted the reported account in the chat for 48 hours."


def test_a_measure_reviewed_in_time_is_not_escalated(case: Case, stewards: Any, clock: Any, committed: Any, mailoutbox: Any) -> None:
    clock(timedelta(hours=2))
    measure = do_take_interim_measure(stewards["dave"], case, DESCRIPTION)
    assert measure.review_due == T0 + timedelta(hours=26)
    assert queue_flags([case])[case.pk] == ["Interim measure awaiting review"]
    clock(timedelta(hours=20))
    do_review_interim_measure(stewards["erin"], case, measure, MeasureOutcome.CONFIRMED, "Right call.")
    clock(timedelta(hours=30))
    assert committed(review_interim_measure.call, measure.pk) == reminders.MET
    measure.refresh_from_db()
    assert (measure.reviewed_by, measure.outcome, measure.escalated_at) == (stewards["erin"], "confirmed", None)
    assert "Interim measure awaiting review" not in queue_flags([case])[case.pk]
    assert not [m for m in mailoutbox if "interim" in m.subject.lower()]
    assert list(Event.objects.filter(case_id=case.pk, kind__startswith="interim.").values_list("kind", flat=True)) == [
        "interim.taken",
        "interim.reviewed",
    ]


def test_an_unreviewed_measure_goes_to_the_committee_once(case: Case, stewards: Any, clock: Any, committed: Any, mailoutbox: Any) -> None:
    measure = do_take_interim_measure(stewards["dave"], case, DESCRIPTION)
    clock(timedelta(hours=23))
    assert committed(review_interim_measure.call, measure.pk) == reminders.NOT_DUE
    clock(timedelta(hours=24, minutes=1))
    assert committed(review_interim_measure.call, measure.pk) == reminders.SENT
    assert committed(review_interim_measure.call, measure.pk) == reminders.ALREADY
    assert committed(reminders.sweep)["measures"] == 0
    about_measure = [m for m in mailoutbox if "interim measure" in m.subject.lower()]
    assert recipients(about_measure) == ["alice@example.org", "carol@example.org", "dave@example.org", "erin@example.org"]
    assert all(DESCRIPTION not in m.body for m in about_measure)
    assert Event.objects.filter(case_id=case.pk, kind="interim.escalated").count() == 1


def test_the_sweep_escalates_a_measure_whose_task_was_lost(case: Case, stewards: Any, clock: Any, committed: Any, mailoutbox: Any) -> None:
    measure = do_take_interim_measure(stewards["dave"], case, DESCRIPTION)
    clock(timedelta(hours=25))
    assert committed(reminders.sweep)["measures"] == 1
    measure.refresh_from_db()
    assert measure.escalated_at is not None


def test_the_taker_cannot_review_their_own_measure(case: Case, stewards: Any) -> None:
    measure = do_take_interim_measure(stewards["dave"], case, DESCRIPTION)
    with pytest.raises(ValidationError, match="Another steward"):
        do_review_interim_measure(stewards["dave"], case, measure, MeasureOutcome.LIFTED)
    assert InterimMeasure.objects.get().reviewed_at is None


def test_a_conflicted_steward_cannot_review(case: Case, stewards: Any) -> None:
    measure = do_take_interim_measure(stewards["dave"], case, DESCRIPTION)
    for name in ("carol", "alice"):  # soft-conflicted; undeclared
        with pytest.raises(ValidationError, match="no conflict"):
            do_review_interim_measure(stewards[name], case, measure, MeasureOutcome.LIFTED)


def test_a_measure_is_reviewed_once(case: Case, stewards: Any) -> None:
    measure = do_take_interim_measure(stewards["dave"], case, DESCRIPTION)
    do_review_interim_measure(stewards["erin"], case, measure, MeasureOutcome.LIFTED)
    with pytest.raises(ValidationError, match="already"):
        do_review_interim_measure(stewards["erin"], case, measure, MeasureOutcome.CONFIRMED)


def test_measures_through_the_case_page(case: Case, stewards: Any, login: Any, client: Any) -> None:
    login(stewards["carol"])  # soft conflict: may write, so may act in an emergency
    response = client.post(f"/cases/{case.code_name}/clocks/measures/", {"description": DESCRIPTION})
    assert response.status_code == 302
    measure = InterimMeasure.objects.get()
    assert measure.taken_by == stewards["carol"]
    page = client.get(f"/cases/{case.code_name}/").content.decode()
    assert "Interim measure awaiting review" in page and DESCRIPTION in page
    assert "Review this measure" not in page  # carol took it (and is soft-conflicted)
    # carol cannot review it through the URL either: reviewing needs no conflict at all.
    assert client.post(f"/cases/{case.code_name}/clocks/measures/review/", {"measure": measure.pk, "outcome": "lifted"}).status_code == 404

    login(stewards["erin"])
    assert "Review this measure" in client.get(f"/cases/{case.code_name}/").content.decode()
    response = client.post(
        f"/cases/{case.code_name}/clocks/measures/review/", {"measure": measure.pk, "outcome": "lifted", "note": "Not needed."}
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert (measure.reviewed_by, measure.outcome, measure.review_note) == (stewards["erin"], "lifted", "Not needed.")


def test_the_description_is_escaped_on_the_page(case: Case, stewards: Any, login: Any) -> None:
    do_take_interim_measure(stewards["dave"], case, "<script>alert(1)</script>")
    page = login(stewards["erin"]).get(f"/cases/{case.code_name}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
