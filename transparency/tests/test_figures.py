"""The figures: counted from the cases' anonymous facts, suppressed, compared, and unchanged by erasure."""

from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case
from privacy.erasure import erase_case
from privacy.models import CaseStatistic
from transparency.actions import SignOff, do_draft_report, do_sign_off
from transparency.figures import cells_by_key, compute
from transparency.models import TransparencyReport
from transparency.tests.helpers import decide, opened_case, past_half

pytestmark = pytest.mark.django_db


def _shown(figures: dict[str, Any]) -> dict[str, int | None]:
    return {key: cell["value"] for key, cell in cells_by_key(figures).items()}


def test_a_period_with_no_reports_says_so() -> None:
    figures = compute(past_half())
    assert figures["empty"] is True
    assert _shown(figures)["received.reports"] == 0


def test_counts_come_from_the_cases_and_small_ones_are_hidden(stewards: dict[str, Any]) -> None:
    period = past_half()
    for day in range(5):
        opened_case(period, day, space="github")
    opened_case(period, 10, space="slack", channel="email")
    figures = compute(period)
    shown = _shown(figures)
    assert figures["empty"] is False
    assert shown["received.reports"] == 6 and shown["received.incidents"] == 6
    # Slack's 1 is hidden, and GitHub's 5 with it: otherwise 6 - 5 would give Slack's count away.
    assert shown["spaces.slack"] is None and shown["spaces.github"] is None
    assert shown["channels.email"] is None and shown["channels.web"] is None
    assert shown["spaces.discord" if "spaces.discord" in shown else "spaces.none"] == 0
    assert "1" not in str([cell for cell in cells_by_key(figures).values() if cell["hidden"]])


def test_outcomes_levels_and_restorative_or_punitive(stewards: dict[str, Any]) -> None:
    period = past_half()
    for day, outcome in enumerate(["correction"] * 4 + ["not-a-violation"] * 3 + ["out-of-scope"] * 3):
        decide(opened_case(period, day, handle=f"someone{day}"), stewards, outcome)
    shown = _shown(compute(period))
    assert shown["outcomes.level:correction"] == 4
    assert shown["outcomes.outcome:not-a-violation"] == 3 and shown["outcomes.outcome:out-of-scope"] == 3
    assert shown["approach.restorative"] == 4 and shown["approach.punitive"] == 0
    assert shown["actions.committee"] == 4 and shown["received.people"] == 10
    assert shown["times.acknowledge"] == 10 and shown["times.decision"] == 10


def test_a_change_or_a_share_never_gives_a_hidden_count_away(stewards: dict[str, Any]) -> None:
    earlier, period = past_half(2), past_half(1)
    for day in range(6):
        opened_case(earlier, day, space="github")
    opened_case(earlier, 7, space="slack")  # 1: hidden in the earlier period
    for day in range(4):
        opened_case(period, day, space="github")
    for day in range(4):
        opened_case(period, 10 + day, space="slack")
    cells = cells_by_key(compute(period))
    slack, github = cells["spaces.slack"], cells["spaces.github"]
    assert slack["value"] == 4 and github["value"] == 4
    # The earlier Slack and GitHub counts were hidden: no change against them, no previous value.
    assert slack["previous"] is None and slack["change"] is None and github["change"] is None
    assert cells["received.incidents"]["change"] == 1  # 8 against 7, both shown
    assert slack["share"] == 50.0


def test_medians_over_too_few_cases_are_not_published(stewards: dict[str, Any]) -> None:
    period = past_half()
    for day in range(2):
        decide(opened_case(period, day, handle=f"p{day}"), stewards, "not-a-violation")
    times = {entry["key"]: entry for entry in compute(period)["times"]}
    assert times["decision"]["median_hours"] is None and times["decision"]["cases"]["hidden"]


def test_erasing_a_case_changes_no_figure_live_or_published(stewards: dict[str, Any], client: Any) -> None:
    period = past_half()
    cases = [opened_case(period, day, space="github", handle=f"h{day}") for day in range(4)]
    for case in cases[:3]:
        decide(case, stewards, "correction")
    opened_case(period, 20, space="slack", channel="email")
    report = do_draft_report(stewards["alice"], period.label)
    report = do_sign_off(stewards["bob"], report, SignOff(revision=report.revision))
    public_json = client.get(f"/transparency/{period.label}.json").json()
    public_csv = client.get(f"/transparency/{period.label}.csv").content
    before = compute(period)

    for case in cases:
        assert erase_case(case.pk)
    assert not Case.objects.filter(pk__in=[case.pk for case in cases]).exists()
    assert CaseStatistic.objects.count() == 4

    after = compute(period)
    assert _shown(after) == _shown(before)
    assert [entry["median_hours"] for entry in after["times"]] == [entry["median_hours"] for entry in before["times"]]
    assert client.get(f"/transparency/{period.label}.json").json() == public_json
    assert client.get(f"/transparency/{period.label}.csv").content == public_csv
    assert TransparencyReport.objects.get(pk=report.pk).figures == report.figures


def test_a_year_does_not_give_away_a_small_count_of_its_half_by_subtraction(stewards: dict[str, Any]) -> None:
    from policy.periods import period_of

    last_year = period_of(timezone.localdate(), 12).previous()
    first_half = period_of(last_year.first_day, 6)
    second_half = first_half.next()
    for day in range(4):
        opened_case(first_half, day, space="github")
        opened_case(first_half, 10 + day, space="slack")
        opened_case(second_half, day, space="github")
    opened_case(second_half, 20, space="slack")  # 1 in the second half
    report = do_draft_report(stewards["alice"], first_half.label)
    report = do_sign_off(stewards["bob"], report, SignOff(revision=report.revision))
    half = cells_by_key(report.figures)
    year = cells_by_key(compute(last_year))
    # Both shown, the year's 5 minus the first half's 4 would give the second half's 1 away.
    assert half["spaces.slack"]["hidden"] or year["spaces.slack"]["hidden"]
    assert year["received.incidents"]["value"] == 13 and half["received.incidents"]["value"] == 8
