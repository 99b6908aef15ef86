"""A period's published figures: counts (transparency/counting.py), suppressed (transparency/suppression.py),
compared with the period before, as one JSON-able dict. This dict is what a report freezes, what its page,
charts, CSV, JSON and feed show, and what stewards see in a draft: a hidden count is never in it.

`compute(period)` is the one entry point. The closing survey's answers are cells like the others
(transparency.survey_figures), protected by the same suppression.
"""

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from policy.periods import Period, parse, related_periods
from policy.schema import Policy
from policy.services import current_policy
from transparency import survey_figures
from transparency.counting import STEPS, Counts, count, percentile, table_relations
from transparency.suppression import Relation, suppress

FORMAT = 1
# (table, the cells' key prefixes or keys in order, the total the shares are of, or None)
TABLES: list[tuple[str, tuple[str, ...], str | None]] = [
    ("received", ("received.reports", "received.incidents", "received.people"), None),
    ("channels", ("channels.",), "received.reports"),
    ("spaces", ("spaces.",), "received.incidents"),
    ("categories", ("categories.",), None),  # an incident may fall under several categories: no total
    ("outcomes", ("outcomes.level:", "outcomes.outcome:", "outcomes.open"), "received.incidents"),
    ("approach", ("approach.restorative", "approach.punitive"), "actions.committee"),
    ("actions", ("actions.committee", "actions.moderators", "actions.handled_locally"), None),
    ("appeals", ("appeals.filed", "appeals."), "appeals.filed"),
    ("process", ("process.recusals",), None),
    *survey_figures.tables(),
]
P90_MINIMUM = 10  # below ten cases the 90th percentile is the slowest single case: not published


def _published_figures(periods: Iterable[Period]) -> dict[Period, dict[str, Any]]:
    from transparency.models import ReportStatus, TransparencyReport

    by_label = {period.label: period for period in periods}
    rows = TransparencyReport.objects.filter(period__in=by_label, status=ReportStatus.SIGNED_OFF)
    return {by_label[row.period]: row.figures for row in rows}


def _cells_of(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    cells = {cell["key"]: cell for table in figures.get("tables", []) for cell in table["cells"]}
    cells.update({entry["cases"]["key"]: entry["cases"] for entry in figures.get("times", [])})
    return cells


def _suppressed(period: Period, policy: Policy) -> tuple[Counts, frozenset[str]]:
    """The period's counts and which of them to hide, deciding together with the periods it adds up with
    (the year and its halves), so that no count of one can be worked out from the others: a report already
    signed off for one of them keeps what it showed and hid; an ended one not yet published is protected too."""
    # A related period counts once it has ended (it may be published from then on); one still running is
    # decided later, against this one as published.
    today = timezone.localdate()
    pairs = [
        (outer, parts)
        for outer, parts in related_periods(period, policy.transparency.period_months)
        if outer == period or outer.has_ended(today)
    ]
    involved = {period} | {outer for outer, _ in pairs} | {part for _, parts in pairs for part in parts}
    counts = {each: count(each, policy) for each in involved}
    keys = set().union(*(each.values.keys() for each in counts.values()))
    published = _published_figures(involved - {period})
    values: dict[str, int] = {}
    relations: list[Relation] = []
    fixed_hidden: set[str] = set()
    fixed_visible: set[str] = set()
    for each, its_counts in counts.items():
        prefix = f"{each.label}|"
        frozen = _cells_of(published[each]) if each in published else {}
        for key in keys:
            cell = frozen.get(key)
            values[prefix + key] = cell["value"] if cell and not cell["hidden"] else its_counts.values[key]
            if each in published:
                (fixed_hidden if cell is not None and cell["hidden"] else fixed_visible).add(prefix + key)
        for relation in table_relations(keys, its_counts.restorative_levels):
            relations.append(Relation(prefix + relation.total, tuple(prefix + part for part in relation.parts)))
    for outer, parts in pairs:
        relations += [Relation(f"{outer.label}|{key}", tuple(f"{part.label}|{key}" for part in parts)) for key in keys]
    hidden = suppress(values, relations, policy.transparency.suppress_below, fixed_hidden=fixed_hidden, fixed_visible=fixed_visible)
    mine = {key.split("|", 1)[1] for key in hidden if key.startswith(f"{period.label}|")}
    mine |= survey_figures.also_hidden(period, counts[period].values.keys(), mine)
    return counts[period], frozenset(mine)


def _previous_cells(period: Period, policy: Policy) -> tuple[dict[str, dict[str, Any]], dict[str, float | None]]:
    """The previous period's shown counts and medians: from its signed-off report when there is one."""
    previous = period.previous()
    published = _published_figures([previous]).get(previous)
    if published is not None:
        medians = {entry["key"]: entry["median_hours"] for entry in published.get("times", [])}
        return _cells_of(published), medians
    counts, hidden = _suppressed(previous, policy)
    cells = {key: {"value": None if key in hidden else value, "hidden": key in hidden} for key, value in counts.values.items()}
    threshold = policy.transparency.suppress_below
    medians = {step: percentile(counts.durations[step], 50) if _times_shown(counts, hidden, step, threshold) else None for step in STEPS}
    return cells, medians


def _times_shown(counts: Counts, hidden: frozenset[str], step: str, threshold: int) -> bool:
    return f"times.{step}" not in hidden and len(counts.durations[step]) >= threshold


def _keys_for(prefixes: tuple[str, ...], keys: Iterable[str]) -> list[str]:
    ordered = list(keys)
    found = [key for prefix in prefixes for key in ordered if (key.startswith(prefix) if prefix.endswith((".", ":")) else key == prefix)]
    return list(dict.fromkeys(found))


def _cell(key: str, counts: Counts, hidden: frozenset[str], previous: dict[str, dict[str, Any]], total: str | None) -> dict[str, Any]:
    value = counts.values[key]
    shown = key not in hidden
    before = previous.get(key)
    before_value = before["value"] if before is not None and not before["hidden"] else None
    share = None
    if shown and total is not None and total not in hidden and counts.values[total] > 0:
        share = round(100 * value / counts.values[total], 1)
    return {
        "key": key,
        "label": counts.labels.get(key, key.split(".", 1)[1].split(":", 1)[-1]),
        "value": value if shown else None,
        "hidden": not shown,
        "share": share,
        "previous": before_value,
        # A change needs both counts shown: with either hidden it would give the hidden one away.
        "change": value - before_value if shown and before_value is not None else None,
    }


def _ordered_keys(counts: Counts) -> list[str]:
    """Policy order first (counts.labels), then codes the policy no longer has, alphabetically."""
    known = list(counts.labels)
    return known + sorted(key for key in counts.values if key not in counts.labels)


def compute(period: Period | str, *, policy: Policy | None = None) -> dict[str, Any]:
    """The figures of `period` (a Period, or its label such as "2026-H1"), suppressed, as a JSON-able dict."""
    policy = policy or current_policy()
    if isinstance(period, str):
        period = parse(period, policy.transparency.period_months)
    threshold = policy.transparency.suppress_below
    counts, hidden = _suppressed(period, policy)
    previous_cells, previous_medians = _previous_cells(period, policy)
    keys = _ordered_keys(counts)
    tables = []
    for name, prefixes, total in TABLES:
        cells = [_cell(key, counts, hidden, previous_cells, total) for key in _keys_for(prefixes, keys)]
        tables.append({"key": name, "total": total, "cells": cells})
    times = []
    for step in STEPS:
        shown = _times_shown(counts, hidden, step, threshold)
        median = percentile(counts.durations[step], 50) if shown else None
        enough_for_p90 = shown and len(counts.durations[step]) >= max(threshold, P90_MINIMUM)
        before = previous_medians.get(step)
        times.append({
            "key": step,
            "cases": _cell(f"times.{step}", counts, hidden, previous_cells, None),
            "median_hours": median,
            "p90_hours": percentile(counts.durations[step], 90) if enough_for_p90 else None,
            "previous_median_hours": before,
            "median_change_hours": round(median - before, 1) if median is not None and before is not None else None,
        })  # fmt: skip
    figures: dict[str, Any] = {
        "format": FORMAT,
        "period": {"label": period.label, "first_day": period.first_day.isoformat(), "last_day": period.last_day.isoformat()},
        "previous_period": period.previous().label,
        "computed_at": timezone.now().isoformat(timespec="seconds"),
        "threshold": threshold,
        "empty": counts.values["received.reports"] == 0 and counts.values["received.incidents"] == 0,
        "tables": tables,
        "times": times,
    }
    return figures


def cells_by_key(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every cell of a figures dict (tables and the times' case counts) by key."""
    return _cells_of(figures)
