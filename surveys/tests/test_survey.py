"""The closing survey from its promises: offered at closure through the parties' own links, answered once,
stored without any link to the case, shown only in aggregate with small counts hidden."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.urls import reverse

from audit.models import Event
from cases.actions import InvolvedPerson, do_change_status, do_declare_conflict
from cases.models import Case, Party, PartyRole, Status
from intake.actions import Submission, do_submit_report
from people.models import Person, Space
from policy.testing import load_test_policy
from privacy.erasure import erase_case
from privacy.export import build_export
from surveys.actions import do_answer_as_reporter
from surveys.models import SurveyAnswer, SurveyInvitation
from surveys.questions import ANSWER_WINDOW_DAYS
from surveys.tests.conftest import Closed, close, open_case, reported_browser, reporter_browser

pytestmark = pytest.mark.django_db

ANSWERS = {"fair": "4", "timely": "2", "heard": "5", "safe": ""}


def survey_url(closed: Closed) -> str:
    return reverse("surveys:reporter_survey", args=[closed.report.reference])


def test_the_reporter_is_offered_the_survey_once_the_case_closes_and_answers_once(stewards: dict[str, Any]) -> None:
    closed = open_case(stewards)
    browser = reporter_browser(closed)
    page = reverse("intake:follow_up_page", args=[closed.report.reference])
    assert "Answer the survey" not in browser.get(page).content.decode()
    assert "survey is not open" in browser.get(survey_url(closed)).content.decode()
    assert browser.post(survey_url(closed), ANSWERS).status_code == 200 and not SurveyAnswer.objects.exists()

    close(stewards, closed)
    assert "Answer the survey" in browser.get(page).content.decode()
    response = browser.post(survey_url(closed), ANSWERS)
    assert response.status_code == 303
    answer = SurveyAnswer.objects.get()
    assert (answer.role, answer.fair, answer.timely, answer.heard, answer.safe) == ("reporter", 4, 2, 5, None)
    assert "Thank you for answering" in browser.get(page).content.decode()

    # Answering twice is refused: through the page (a second tab) and through the action itself.
    browser.post(survey_url(closed), {"fair": "1"})
    with pytest.raises(ValidationError):
        do_answer_as_reporter(closed.report, {"fair": 1})
    assert SurveyAnswer.objects.count() == 1 and SurveyInvitation.objects.count() == 1


def test_the_reported_person_answers_through_their_own_page(closed_case: Closed) -> None:
    browser, link = reported_browser(closed_case)
    assert "Answer the survey" in browser.get(reverse("letters:party_page", args=[link])).content.decode()
    url = reverse("surveys:reported_survey", args=[link])
    assert browser.post(url, {"fair": "1", "heard": "2"}).status_code == 303
    assert browser.post(url, {"fair": "5"}).status_code == 200  # the second time changes nothing
    answer = SurveyAnswer.objects.get()
    assert (answer.role, answer.fair, answer.heard) == ("reported", 1, 2)
    # Without the link's session, the page is the same 404 as a wrong link.
    assert Client().get(url).status_code == 404


def test_an_answer_cannot_be_traced_to_its_case(closed_case: Closed, stewards: dict[str, Any]) -> None:
    # The model: no relation of any kind, and no time finer than a month.
    for field in SurveyAnswer._meta.get_fields():
        assert not field.is_relation, field.name
        assert not isinstance(field, models.DateTimeField | models.TimeField), field.name
    assert not any(field.is_relation and field.related_model is SurveyAnswer for field in SurveyInvitation._meta.get_fields())
    reporter_browser(closed_case).post(survey_url(closed_case), ANSWERS)
    answer = SurveyAnswer.objects.get()
    assert answer.closed_month == closed_case.case.closed_at.date().replace(day=1)
    row = repr(SurveyAnswer.objects.values_list().get())
    for trace in (closed_case.case.code_name, closed_case.report.reference, closed_case.secret):
        assert trace not in row
    # The audit log says that a survey was answered: not for which case (its timeline would tell the stewards
    # who answered), nor what.
    event = Event.objects.get(kind="survey.answered")
    assert event.case_id is None and event.data == {"role": "reporter"}
    client = Client()
    client.force_login(stewards["dave"])  # a reader of the case
    case_page = client.get(reverse("cases:detail", kwargs={"code": closed_case.case.code_name})).content.decode()
    assert "survey" not in case_page.lower()
    # Erasure takes the invitation with the case; the anonymous answer stays for the statistics.
    erase_case(closed_case.case.pk)
    assert not SurveyInvitation.objects.exists()
    assert SurveyAnswer.objects.get() == answer


def test_surveys_off_in_the_policy_offers_nothing(closed_case: Closed) -> None:
    load_test_policy({"transparency": {"surveys": False}})
    browser = reporter_browser(closed_case)
    assert "Answer the survey" not in browser.get(reverse("intake:follow_up_page", args=[closed_case.report.reference])).content.decode()
    browser.post(survey_url(closed_case), ANSWERS)
    assert not SurveyAnswer.objects.exists()


def test_the_survey_closes_after_its_window(closed_case: Closed, stewards: dict[str, Any], time_machine: Any) -> None:
    time_machine.move_to(closed_case.case.closed_at + timedelta(days=ANSWER_WINDOW_DAYS, hours=1))
    reporter_browser(closed_case).post(survey_url(closed_case), ANSWERS)
    assert not SurveyAnswer.objects.exists()


def test_a_hard_conflicted_steward_learns_nothing(closed_case: Closed, stewards: dict[str, Any], time_machine: Any) -> None:
    reporter_browser(closed_case).post(survey_url(closed_case), {"fair": "1", "timely": "1", "heard": "1", "safe": "1"})
    browser, link = reported_browser(closed_case)
    browser.post(reverse("surveys:reported_survey", args=[link]), {"fair": "5"})
    assert SurveyAnswer.objects.count() == 2
    # Once the period is final, bob (hard-conflicted on the case) reads the results page: one answer per role is
    # below the threshold, so neither count nor any answer shows; nothing names the case.
    time_machine.move_to(date.today().replace(month=12, day=31) + timedelta(days=ANSWER_WINDOW_DAYS + 200))
    client = Client()
    client.force_login(stewards["bob"])
    page = client.get(reverse("surveys:results")).content.decode()
    assert "Too few answers to show" in page
    assert "<td>1</td>" not in page and "answer." not in page
    for trace in (closed_case.case.code_name, closed_case.report.reference):
        assert trace not in page
    # Nor can he reach the case, or the parties' survey pages.
    assert client.get(reverse("cases:detail", kwargs={"code": closed_case.case.code_name})).status_code == 404
    assert client.get(survey_url(closed_case)).status_code == 404
    assert client.get(reverse("surveys:reported_survey", args=[link])).status_code == 404


def test_the_results_page_is_for_stewards_only(closed_case: Closed) -> None:
    response = Client().get(reverse("surveys:results"))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_the_data_subject_export_says_who_answered_but_holds_no_answer(closed_case: Closed, stewards: dict[str, Any]) -> None:
    """The reported person's export says whether they answered (the invitation is data about them); the answers
    cannot be in it, because nothing links them to the person."""

    person = closed_case.reported.person
    [entry] = build_export(stewards["dave"], person).payload["cases"]
    assert entry["closing_survey"] == "not answered"
    browser, link = reported_browser(closed_case)
    browser.post(reverse("surveys:reported_survey", args=[link]), {"fair": "1", "heard": "2"})
    [entry] = build_export(stewards["dave"], person).payload["cases"]
    assert entry["closing_survey"].startswith("answered")
    assert '"fair"' not in str(entry) and "heard" not in str(entry)


def test_the_reporters_export_says_they_answered(stewards: dict[str, Any]) -> None:

    receipt = do_submit_report(
        Submission(
            body="Mallory mocked my accent again.",
            reporter_name="Rae",
            reporter_email="rae@example.org",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Mallory", Space.GITHUB, "mallory-dev")],
            language="en",
        )
    )
    case = Case.objects.get(code_name=receipt.case_code_name)
    for name in ("alice", "carol", "dave", "erin"):
        do_declare_conflict(stewards[name], case, "none")
    do_change_status(stewards["alice"], case, Status.CLOSED, "no-action")
    person = Party.objects.filter(case=case, role=PartyRole.REPORTER).values_list("person", flat=True).first()
    reporter = Person.objects.get(pk=person)
    [entry] = build_export(stewards["dave"], reporter, include_report_text=True).payload["cases"]
    assert entry["closing_survey"] == "not answered"
    do_answer_as_reporter(case.reports.get(), {"fair": 4})
    [entry] = build_export(stewards["dave"], reporter, include_report_text=True).payload["cases"]
    assert entry["closing_survey"].startswith("answered")
