from datetime import date

import pytest

from policy.periods import NotAPeriod, Period, ended_periods, parse, period_of, related_periods

pytestmark = pytest.mark.database_free


def test_labels_round_trip_for_every_length() -> None:
    for months in (1, 2, 3, 4, 6, 12):
        period = period_of(date(2026, 8, 17), months)
        assert parse(period.label, (months,)) == period
        assert period.first_day <= date(2026, 8, 17) <= period.last_day
    assert period_of(date(2026, 8, 17), 6).label == "2026-H2"
    assert period_of(date(2026, 8, 17), 12).label == "2026"


def test_previous_period_crosses_the_year() -> None:
    assert parse("2026-H1", (6,)).previous() == Period(date(2025, 7, 1), 6)
    assert parse("2026-H1", (6,)).previous().last_day == date(2025, 12, 31)


def test_only_the_policys_lengths_and_real_periods() -> None:
    for label in ("2026-Q1", "2026-H3", "2026-13", "drafts", "2026-H0"):
        with pytest.raises(NotAPeriod):
            parse(label, (6, 12))


def test_ended_periods_and_a_year_with_its_halves() -> None:
    ended = ended_periods(date(2026, 12, 5), (6, 12), years_back=1)
    assert [period.label for period in ended[:3]] == ["2026-H1", "2025", "2025-H2"]
    ((year, halves),) = related_periods(parse("2025-H2", (6, 12)), (6, 12))
    assert year.label == "2025" and [half.label for half in halves] == ["2025-H1", "2025-H2"]
