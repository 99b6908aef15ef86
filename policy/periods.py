"""Periods: calendar-aligned spans of whole months that tile the year (policy `transparency.period_months`).

Transparency reports and the stewards' survey results both count by them.

A period is named by its year and its place in the year: "2026" (twelve months), "2026-H1" and "2026-H2"
(six), "2026-Q1".."2026-Q4" (three), "2026-T1".."2026-T3" (four), "2026-B1".."2026-B6" (two), "2026-01"..
"2026-12" (one). The name is the key of a report and of its public address.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

LETTERS = {6: "H", 4: "T", 3: "Q", 2: "B"}
PATTERN = r"[0-9]{4}(?:-[HTQB][0-9]|-[0-9]{2})?"


class NotAPeriod(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    first_day: date
    months: int

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    @property
    def last_month(self) -> date:
        return self.last_day.replace(day=1)

    @property
    def label(self) -> str:
        year = self.first_day.year
        index = (self.first_day.month - 1) // self.months + 1
        if self.months == 12:
            return str(year)
        if self.months == 1:
            return f"{year}-{self.first_day.month:02d}"
        return f"{year}-{LETTERS[self.months]}{index}"

    def next(self) -> "Period":
        month = self.first_day.month - 1 + self.months
        return Period(date(self.first_day.year + month // 12, month % 12 + 1, 1), self.months)

    def previous(self) -> "Period":
        """The period of the same length just before this one (the comparison in every report)."""
        month = self.first_day.month - 1 - self.months
        return Period(date(self.first_day.year + month // 12, month % 12 + 1, 1), self.months)

    def contains(self, other: "Period") -> bool:
        return self.first_day <= other.first_day and other.last_day <= self.last_day

    def has_ended(self, today: date) -> bool:
        return self.last_day < today

    def __str__(self) -> str:
        return self.label


def period_of(day: date, months: int) -> Period:
    """The period of this length that contains `day`."""
    if months <= 0 or 12 % months:
        raise NotAPeriod(f"{months} months do not divide a year")
    return Period(date(day.year, (day.month - 1) // months * months + 1, 1), months)


def parse(label: str, lengths: tuple[int, ...]) -> Period:
    """The period named `label`, if the policy reports on periods of that length; NotAPeriod otherwise."""
    match = re.fullmatch(r"([0-9]{4})(?:-([HTQB])([0-9])|-([0-9]{2}))?", label)
    if match is None:
        raise NotAPeriod(label)
    year, letter, index, month = match.groups()
    if letter:
        months = {value: key for key, value in LETTERS.items()}[letter]
        first_month = (int(index) - 1) * months + 1
    elif month:
        months, first_month = 1, int(month)
    else:
        months, first_month = 12, 1
    if months not in lengths or not 1 <= first_month <= 12 or (first_month - 1) % months or int(year) < 1:
        raise NotAPeriod(label)
    return Period(date(int(year), first_month, 1), months)


def periods_between(start: date, end: date, months: int) -> list[Period]:
    """Every period of this length that overlaps [start, end], newest first."""
    found, period = [], period_of(start, months)
    while period.first_day <= end:
        found.append(period)
        period = period.next()
    return found[::-1]


def ended_periods(today: date, lengths: tuple[int, ...], years_back: int = 3) -> list[Period]:
    """Periods of the policy's lengths that ended before today, most recent first, back a few years."""
    found = []
    for months in lengths:
        period = period_of(today, months).previous()
        while period.first_day.year >= today.year - years_back:
            found.append(period)
            period = period.previous()
    return sorted(found, key=lambda period: (period.last_day, period.months), reverse=True)


def related_periods(period: Period, lengths: tuple[int, ...]) -> list[tuple[Period, list[Period]]]:
    """Each (longer period, the shorter periods that tile it) pair that `period` belongs to, for every two
    lengths where one divides the other: the year and its halves, when the policy reports on both. Their
    counts add up, so suppression must look at them together (transparency/suppression.py)."""
    pairs = []
    for longer in lengths:
        for shorter in lengths:
            if longer <= shorter or longer % shorter:
                continue
            if period.months == longer:
                outer = period
            elif period.months == shorter:
                outer = period_of(period.first_day, longer)
            else:
                continue
            parts, part = [], period_of(outer.first_day, shorter)
            while part.first_day <= outer.last_day:
                parts.append(part)
                part = part.next()
            pairs.append((outer, parts))
    return pairs
