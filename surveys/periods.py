"""The periods survey results are shown for: the policy's period lengths, tiling each calendar year."""

from datetime import date, timedelta


def period_of(first_day: date, months: int) -> tuple[date, date]:
    end_month = first_day.month + months  # the month after the period, possibly in the next year
    after = date(first_day.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return first_day, after - timedelta(days=1)


def periods_between(start: date, end: date, lengths: tuple[int, ...]) -> list[tuple[date, date]]:
    """Every period of each length (months dividing 12) that overlaps [start, end], newest first, longest first."""
    found: list[tuple[date, date]] = []
    for year in range(start.year, end.year + 1):
        for months in lengths:
            for first_month in range(1, 13, months):
                first, last = period_of(date(year, first_month, 1), months)
                if last >= start and first <= end:
                    found.append((first, last))
    return sorted(found, key=lambda period: (period[1], period[1] - period[0]), reverse=True)
