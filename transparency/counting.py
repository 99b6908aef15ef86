"""The raw counts of one period, from anonymous per-case facts only (privacy.statistics.case_facts).

Nothing here reads a report, a party or a steward: a case counts the same before and after its erasure.
The other sources carry no case either: the number of moderators' own actions in the enforcement review
queue, and the closing survey's answers (transparency.survey_figures). Each count is a cell named
"<table>.<key>"; `table_relations` says which cells add up.
"""

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _lazy

from cases.models import Channel
from decisions.models import AppealOutcome
from enforcement.models import ModeratorAction
from policy.periods import Period
from policy.schema import Policy
from privacy.models import CaseStatistic
from privacy.statistics import case_facts
from surveys.models import SurveyAnswer
from transparency import survey_figures
from transparency.suppression import Relation

STEPS = ("acknowledge", "first_response", "decision")
APPEAL_OUTCOMES = [*AppealOutcome.values, "open"]
# Cells every report has; stored in English in the frozen figures, shown translated (transparency/display.py).
FIXED_LABELS = {
    "received.reports": _lazy("Reports received"),
    "received.incidents": _lazy("Distinct incidents (after joining reports of the same incident)"),
    "received.people": _lazy("People reported"),
    "channels.unknown": _lazy("Not recorded"),
    "spaces.none": _lazy("No space given"),
    "categories.none": _lazy("No category given"),
    "outcomes.open": _lazy("Not decided yet"),
    "approach.restorative": _lazy("Restorative (a correction: no one removed or restricted)"),
    "approach.punitive": _lazy("Punitive (restrictions, no-contact, bans)"),
    "actions.committee": _lazy("Sanctions decided by the committee"),
    "actions.moderators": _lazy("Actions taken by space moderators on the platforms"),
    "actions.handled_locally": _lazy("Incidents handled by a space's moderators and logged here"),
    "appeals.filed": _lazy("Appeals filed"),
    "appeals.open": _lazy("Not decided yet"),
    "process.recusals": _lazy("Recusals (a steward stood aside for a conflict of interest)"),
    "times.acknowledge": _lazy("Cases acknowledged"),
    "times.first_response": _lazy("Cases with a first response to the reporter"),
    "times.decision": _lazy("Cases decided"),
}


@dataclass
class Counts:
    values: Counter[str] = field(default_factory=Counter)
    labels: dict[str, str] = field(default_factory=dict)
    durations: dict[str, list[float]] = field(default_factory=dict)  # step -> hours, one per case that took it
    restorative_levels: set[str] = field(default_factory=set)


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def restorative_levels(policy: Policy, facts: Iterable[CaseStatistic]) -> set[str]:
    """Level codes counted as restorative: by the policy in force (what readers of the report can check),
    and for a level it no longer has, by what the case's own policy said when it was decided."""
    found = {level.code for level in policy.ladder if not level.enforce and not level.needs_period and not level.needs_no_contact}
    known = {level.code for level in policy.ladder}
    found |= {fact.level for fact in facts if fact.level and fact.level not in known and fact.restorative}
    return found


def count(period: Period, policy: Policy) -> Counts:
    facts = list(case_facts(period.first_day, period.last_month))
    counts = Counts(restorative_levels=restorative_levels(policy, facts))
    values, labels = counts.values, counts.labels
    with translation.override("en"):  # stored in the frozen figures; shown translated where the words are Steward's
        labels.update({f"channels.{code}": str(label) for code, label in Channel.choices})
        labels.update({f"spaces.{space.code}": space.title for space in policy.spaces})
        labels.update({f"categories.{category.code}": category.title for category in policy.categories})
        for level in sorted(policy.ladder, key=lambda level: level.rank):
            labels[f"outcomes.level:{level.code}"] = level.title
        labels.update({f"outcomes.outcome:{outcome.code}": outcome.title for outcome in policy.outcomes})
        labels.update({f"appeals.{code}": str(label) for code, label in AppealOutcome.choices})
        labels.update({key: str(label) for key, label in FIXED_LABELS.items()})
    for key in labels:
        values[key] += 0  # every cell the policy knows is shown, even at 0
    durations: dict[str, list[float]] = {step: [] for step in STEPS}
    for fact in facts:
        values["received.reports"] += fact.reports
        values["received.incidents"] += 1
        values["received.people"] += fact.reported_people
        for channel in fact.channels:
            values[f"channels.{channel}"] += 1
        values["channels.unknown"] += max(0, fact.reports - len(fact.channels))  # rows from before channels were kept
        values[f"spaces.{fact.space or 'none'}"] += 1
        for category in fact.categories or ["none"]:
            values[f"categories.{category}"] += 1
        if fact.level:
            values[f"outcomes.level:{fact.level}"] += 1
            values["actions.committee"] += 1
            values["approach.restorative" if fact.level in counts.restorative_levels else "approach.punitive"] += 1
        elif fact.outcome:
            values[f"outcomes.outcome:{fact.outcome}"] += 1
        else:
            values["outcomes.open"] += 1
        values["actions.handled_locally"] += int(fact.handled_locally)
        values["process.recusals"] += fact.recusals
        for outcome in fact.appeal_outcomes:
            values["appeals.filed"] += 1
            values[f"appeals.{outcome}"] += 1
        for step, hours in zip(STEPS, (fact.hours_to_acknowledgement, fact.hours_to_first_response, fact.hours_to_decision), strict=True):
            if hours is not None:
                durations[step].append(hours)
    for step in STEPS:
        values[f"times.{step}"] = len(durations[step])
    if policy.transparency.surveys or SurveyAnswer.objects.exists():
        with translation.override("en"):
            survey_figures.add_counts(period, values, labels)
    values["actions.moderators"] = ModeratorAction.objects.filter(
        at__gte=_start(period.first_day), at__lt=_start(period.next().first_day)
    ).count()
    counts.durations = durations
    return counts


def table_relations(keys: Iterable[str], restorative: set[str]) -> list[Relation]:
    """The sums among one period's cells: a table's cells add up to its total; the ladder's levels add up to
    the committee's sanctions, and the restorative ones to the restorative count (the policy says which)."""
    keys = sorted(set(keys))

    def under(prefix: str) -> tuple[str, ...]:
        return tuple(key for key in keys if key.startswith(prefix))

    levels = under("outcomes.level:")
    return [
        Relation("received.reports", under("channels.")),
        Relation("received.incidents", under("spaces.")),
        Relation("received.incidents", under("outcomes.")),
        Relation("actions.committee", levels),
        Relation("actions.committee", ("approach.restorative", "approach.punitive")),
        Relation("approach.restorative", tuple(key for key in levels if key.split(":", 1)[1] in restorative)),
        Relation("approach.punitive", tuple(key for key in levels if key.split(":", 1)[1] not in restorative)),
        Relation("appeals.filed", tuple(f"appeals.{code}" for code in APPEAL_OUTCOMES if f"appeals.{code}" in keys)),
        *survey_figures.relations(keys),
    ]


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (the median of an even count is the mean of its two middle values)."""
    if not values:
        return None
    ordered = sorted(values)
    if share == 50:
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else round((ordered[middle - 1] + ordered[middle]) / 2, 1)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]
