"""The closing survey's answers as cells of a transparency report (REQUIREMENTS 12.4).

Survey counts join the report's other counts, so the one suppression engine (transparency.suppression)
protects them too, across the year and its halves: per role, `survey.<role>.respondents`, and per question a
row of bands (`survey.<role>.<question>.agree` …) that adds up to the respondents.

Two rules hide more than the engine would, and hiding more never reveals anything:
- before a period's answers are complete (surveys.results.is_final: the answer window after its last case
  closed), every survey cell is hidden, so comparing a draft with a later one cannot reveal one late answer;
- where a role's number of respondents is hidden, so is each of its answers (a small group is never
  described, not even by a zero: "0 disagree" about two people says what both answered).
"""

from collections import Counter
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _lazy

from policy.periods import Period
from surveys.models import SurveyAnswer, SurveyRole
from surveys.questions import QUESTIONS
from surveys.results import CELLS, band, is_final
from transparency.suppression import Relation

PREFIX = "survey."
ROLE_LABELS = {SurveyRole.REPORTER: _lazy("Reporters who answered"), SurveyRole.REPORTED: _lazy("Reported people who answered")}
CELL_LABELS = {
    "agree": _lazy("Agree"),
    "neutral": _lazy("Neither agree nor disagree"),
    "disagree": _lazy("Disagree"),
    "skipped": _lazy("Did not answer this question"),
}


def respondents_key(role: str) -> str:
    return f"{PREFIX}{role}.respondents"


def question_key(role: str, question: str) -> str:
    return f"{PREFIX}{role}.{question}"


def add_counts(period: Period, values: Counter[str], labels: dict[str, str]) -> None:
    """Count the answers whose case closed in the period (the only time an answer keeps is that month)."""
    for role in SurveyRole.values:
        labels[respondents_key(role)] = str(ROLE_LABELS[SurveyRole(role)])
        values[respondents_key(role)] += 0
        for question in QUESTIONS:
            for cell in CELLS:
                labels[f"{question_key(role, question.code)}.{cell}"] = str(CELL_LABELS[cell])
                values[f"{question_key(role, question.code)}.{cell}"] += 0
    rows = SurveyAnswer.objects.filter(closed_month__range=(period.first_day, period.last_month))
    for answer in rows.only("role", *(question.code for question in QUESTIONS)):
        values[respondents_key(answer.role)] += 1
        for question in QUESTIONS:
            values[f"{question_key(answer.role, question.code)}.{band(getattr(answer, question.code))}"] += 1


def relations(keys: Iterable[str]) -> list[Relation]:
    """Each question's bands add up to the role's respondents."""
    present = set(keys)
    found = []
    for role in SurveyRole.values:
        for question in QUESTIONS:
            parts = tuple(f"{question_key(role, question.code)}.{cell}" for cell in CELLS)
            if respondents_key(role) in present and all(part in present for part in parts):
                found.append(Relation(respondents_key(role), parts))
    return found


def tables() -> list[tuple[str, tuple[str, ...], str | None]]:
    """The report's survey tables: who answered, then one per role and question (shares of its respondents)."""
    found: list[tuple[str, tuple[str, ...], str | None]] = [("survey", tuple(respondents_key(role) for role in SurveyRole.values), None)]
    for role in SurveyRole.values:
        for question in QUESTIONS:
            key = question_key(role, question.code)
            found.append((key, tuple(f"{key}.{cell}" for cell in CELLS), respondents_key(role)))
    return found


def also_hidden(period: Period, keys: Iterable[str], hidden: Iterable[str]) -> set[str]:
    """Survey cells to hide on top of the engine's choice (see the module's two rules)."""
    survey_keys = {key for key in keys if key.startswith(PREFIX)}
    if not is_final(period.last_day):
        return survey_keys
    hidden = set(hidden)
    extra: set[str] = set()
    for role in SurveyRole.values:
        if respondents_key(role) in hidden:
            extra |= {key for key in survey_keys if key.startswith(f"{PREFIX}{role}.")}
    return extra


def label(key: str) -> object | None:
    """Steward's own words for a survey cell, translated where shown (the frozen figures keep English)."""
    if not key.startswith(PREFIX):
        return None
    role, _, rest = key[len(PREFIX) :].partition(".")
    if rest == "respondents" and role in SurveyRole.values:
        return ROLE_LABELS[SurveyRole(role)]
    return CELL_LABELS.get(rest.rpartition(".")[2])


def titles() -> dict[str, tuple[object, object]]:
    """Each survey table's title and note, for the page."""
    found: dict[str, tuple[object, object]] = {
        "survey": (
            _lazy("The closing survey: who answered"),
            _lazy(
                "Reporters and reported people are offered a short survey when their case closes; answering is optional. "
                "The answers appear once no more can arrive, 60 days after the period ends."
            ),
        )
    }
    for role in SurveyRole.values:
        for question in QUESTIONS:
            found[question_key(role, question.code)] = (
                f"{ROLE_LABELS[SurveyRole(role)]}: “{question.statement}”",
                "",
            )
    return found
