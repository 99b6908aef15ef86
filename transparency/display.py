"""Frozen figures made ready for a page, the CSV and the charts: Steward's own words translated, hidden
counts written "fewer than N" (never a number), changes signed."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from transparency import survey_figures
from transparency.charts import bar_chart
from transparency.counting import FIXED_LABELS

TABLE_TITLES = {
    "received": (_lazy("At a glance"), ""),
    "channels": (_lazy("Reports by how they reached us"), ""),
    "spaces": (_lazy("Incidents by space"), ""),
    "categories": (_lazy("Incidents by category"), _lazy("An incident can fall under more than one category.")),
    "outcomes": (_lazy("Outcomes"), _lazy("The ladder's levels first, mildest first, then decisions that are not sanctions.")),
    "approach": (_lazy("Restorative and punitive sanctions"), ""),
    "actions": (_lazy("Who acted"), ""),
    "appeals": (_lazy("Appeals and their outcomes"), ""),
    "process": (_lazy("Conflicts of interest"), ""),
}
STEP_TITLES = {
    "acknowledge": _lazy("Time to acknowledge a report"),
    "first_response": _lazy("Time to a first response to the reporter"),
    "decision": _lazy("Time to a decision"),
}
CHARTED = ("channels", "spaces", "categories", "outcomes", "approach", "actions", "appeals")


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    shown: str  # the count, or "fewer than N"
    value: int | None
    share: str
    change: str


def label_for(cell: dict[str, Any]) -> str:
    fixed = FIXED_LABELS.get(cell["key"]) or survey_figures.label(cell["key"])
    return str(fixed) if fixed is not None else str(cell["label"])


def shown_count(cell: dict[str, Any], threshold: int) -> str:
    if cell["hidden"]:
        return _("fewer than %(threshold)d") % {"threshold": threshold}
    return str(cell["value"])


def signed(number: float | int | None) -> str:
    if number is None:
        return ""
    return f"+{number}" if number > 0 else ("±0" if number == 0 else f"−{abs(number)}")


def hours_text(hours: float | None) -> str:
    if hours is None:
        return ""
    return _("%(days).1f days") % {"days": hours / 24} if hours >= 48 else _("%(hours).1f hours") % {"hours": hours}


def rows_of(table: dict[str, Any], threshold: int) -> list[Row]:
    return [
        Row(
            key=cell["key"],
            label=label_for(cell),
            shown=shown_count(cell, threshold),
            value=cell["value"],
            share=f"{cell['share']}%" if cell["share"] is not None else "",
            change=signed(cell["change"]),
        )
        for cell in table["cells"]
    ]


def sections(figures: dict[str, Any]) -> list[dict[str, Any]]:
    threshold = figures["threshold"]
    found = []
    for table in figures["tables"]:
        title, note = {**TABLE_TITLES, **survey_figures.titles()}.get(table["key"], (table["key"], ""))
        rows = rows_of(table, threshold)
        chart = bar_chart(f"chart-{table['key']}", str(title), rows, threshold) if table["key"] in CHARTED else ""
        found.append({"key": table["key"], "title": str(title), "note": str(note), "rows": rows, "chart": chart})
    return found


def times(figures: dict[str, Any]) -> list[dict[str, Any]]:
    threshold = figures["threshold"]
    return [
        {
            "title": str(STEP_TITLES.get(entry["key"], entry["key"])),
            "cases": shown_count(entry["cases"], threshold),
            "median": hours_text(entry["median_hours"]) or _("not published (too few cases)"),
            "p90": hours_text(entry["p90_hours"]) or _("not published (too few cases)"),
            "change": signed(entry["median_change_hours"]),
        }
        for entry in figures["times"]
    ]


def csv_rows(figures: dict[str, Any]) -> list[list[str]]:
    """One row per count: section, key, label, count (or "fewer than N"), share, previous, change."""
    threshold = figures["threshold"]
    rows = [["section", "key", "label", "count", "share_percent", "previous_period", "change"]]
    for table in figures["tables"]:
        for cell in table["cells"]:
            rows.append([
                table["key"], cell["key"], label_for(cell), shown_count(cell, threshold),
                "" if cell["share"] is None else str(cell["share"]),
                "" if cell["previous"] is None else str(cell["previous"]),
                "" if cell["change"] is None else str(cell["change"]),
            ])  # fmt: skip
    for entry in figures["times"]:
        cell = entry["cases"]
        rows.append(["times", cell["key"], label_for(cell), shown_count(cell, threshold), "", "", ""])
        for measure in ("median_hours", "p90_hours"):
            value = entry[measure]
            rows.append(["times", f"{cell['key']}.{measure}", measure, "" if value is None else str(value), "", "", ""])
    return rows
