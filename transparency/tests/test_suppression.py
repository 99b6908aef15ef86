"""The suppression rules, one test per way a hidden count could be read or worked out, and a brute-force
check over random tables that no hidden count can be pinned down from what is shown."""

from itertools import product

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from transparency.suppression import Relation, determined_cells, suppress

ROW = Relation("total", ("a", "b", "c", "d"))


def test_small_counts_are_hidden_and_zero_and_the_threshold_are_shown() -> None:
    hidden = suppress({"one": 1, "two": 2, "three": 3, "zero": 0}, [], 3)
    assert hidden == {"one", "two"}


def test_threshold_one_hides_nothing() -> None:
    assert suppress({"total": 5, "a": 1, "b": 4, "c": 0, "d": 0}, [ROW], 1) == set()


def test_a_single_hidden_cell_is_not_left_to_subtraction_from_the_total() -> None:
    values = {"total": 20, "a": 1, "b": 4, "c": 7, "d": 8}
    hidden = suppress(values, [ROW], 3)
    assert hidden == {"a", "b"}  # b: the next smallest
    assert not determined_cells([ROW], hidden)


def test_hidden_cells_whose_sum_is_itself_small_get_company() -> None:
    # a + b = 2 would show that two cells hold fewer than 3 together (and that both are 1).
    values = {"total": 20, "a": 1, "b": 1, "c": 8, "d": 10}
    hidden = suppress(values, [ROW], 3)
    assert hidden == {"a", "b", "c"}


def test_hidden_cells_that_must_all_be_one_get_company() -> None:
    # Threshold 2: two hidden cells adding up to 2 can only be 1 and 1.
    values = {"total": 9, "a": 1, "b": 1, "c": 3, "d": 4}
    hidden = suppress(values, [ROW], 2)
    assert hidden == {"a", "b", "c"}


def test_a_small_total_hides_its_small_parts_and_zeros_stay_shown() -> None:
    values = {"total": 2, "a": 2, "b": 0, "c": 0, "d": 0}
    assert suppress(values, [ROW], 3) == {"total", "a"}


def test_a_hidden_total_is_not_left_to_addition_of_the_parts() -> None:
    # The total is hidden in another table (fixed hidden); the parts would add up to it.
    values = {"total": 9, "a": 3, "b": 6, "c": 0, "d": 0}
    hidden = suppress(values, [ROW], 3, fixed_hidden={"total"})
    assert "total" in hidden and hidden & {"a", "b"}
    assert not determined_cells([ROW], hidden)


def test_linked_tables_a_group_of_one_level_cannot_reveal_the_level() -> None:
    # restorative = correction (the only restorative level); committee = restorative + punitive = the levels.
    relations = [
        Relation("committee", ("correction", "warning", "ban")),
        Relation("committee", ("restorative", "punitive")),
        Relation("restorative", ("correction",)),
        Relation("punitive", ("warning", "ban")),
    ]
    values = {"committee": 9, "correction": 5, "warning": 1, "ban": 3, "restorative": 5, "punitive": 4}
    hidden = suppress(values, relations, 3)
    assert "warning" in hidden
    assert not determined_cells(relations, hidden)
    assert "committee" not in hidden  # protected without losing the total


def test_a_cell_given_away_only_by_combining_two_relations_is_found() -> None:
    # x + y = T1 and y = T2 - z: each alone leaves two unknowns, together they pin x once z is shown.
    relations = [Relation("T1", ("x", "y")), Relation("T2", ("y", "z"))]
    assert determined_cells(relations, {"x", "y"}) == {"x", "y"}
    values = {"T1": 10, "x": 1, "y": 9, "T2": 14, "z": 5}
    hidden = suppress(values, relations, 3)
    assert not determined_cells(relations, hidden)


def test_a_year_and_its_halves_cannot_reveal_a_half_by_subtraction() -> None:
    # The first half was published (its count shown); the year must not show a count that leaves the second
    # half's small count as the difference.
    relations = [Relation("year", ("h1", "h2"))]
    values = {"year": 9, "h1": 8, "h2": 1}
    hidden = suppress(values, relations, 3, fixed_visible={"h1"})
    assert "year" in hidden


def test_published_cells_keep_their_state() -> None:
    values = {"total": 20, "a": 1, "b": 4, "c": 7, "d": 8}
    hidden = suppress(values, [ROW], 3, fixed_visible={"b"}, fixed_hidden={"d"})
    assert "d" in hidden and "b" not in hidden and "a" in hidden
    assert not determined_cells([ROW], hidden)


def test_when_everything_around_was_published_the_report_still_finishes() -> None:
    values = {"total": 9, "a": 1, "b": 8, "c": 0, "d": 0}
    hidden = suppress(values, [ROW], 3, fixed_visible={"total", "b", "c", "d"})
    assert hidden == {"a"}  # already given away by earlier reports: nothing left to do, and no endless loop


INNER = [f"r{row}c{column}" for row in range(2) for column in range(3)]


def _totals(cells: dict[str, int]) -> dict[str, int]:
    values = dict(cells)
    for row in range(2):
        values[f"row{row}"] = sum(cells[f"r{row}c{column}"] for column in range(3))
    for column in range(3):
        values[f"col{column}"] = sum(cells[f"r{row}c{column}"] for row in range(2))
    values["all"] = sum(cells.values())
    return values


def _possible_values(shown: dict[str, int], hidden: frozenset[str]) -> dict[str, set[int]]:
    """Every value each hidden cell could have: all tables that agree with everything shown, which is what an
    attacker holding the whole report could try. Cells are drawn from 0..4, but the attacker does not know that:
    trying 0..8 keeps that bound from pinning anything (k cells never add up to 8k)."""
    found: dict[str, set[int]] = {cell: set() for cell in hidden}
    free = [cell for cell in INNER if cell not in shown]
    for guess in product(range(9), repeat=len(free)):
        trial = _totals({**{cell: shown[cell] for cell in INNER if cell in shown}, **dict(zip(free, guess, strict=True))})
        if all(trial[key] == value for key, value in shown.items()):
            for cell in hidden:
                found[cell].add(trial[cell])
    return found


@st.composite
def two_way_table(draw: st.DrawFn) -> tuple[dict[str, int], list[Relation]]:
    """Two rows of three cells with row totals, column totals and a grand total (a table by space and outcome)."""
    values = _totals({cell: draw(st.integers(0, 4)) for cell in INNER})
    relations = []
    for row in range(2):
        relations.append(Relation(f"row{row}", tuple(f"r{row}c{column}" for column in range(3))))
    for column in range(3):
        relations.append(Relation(f"col{column}", tuple(f"r{row}c{column}" for row in range(2))))
    relations.append(Relation("all", ("row0", "row1")))
    relations.append(Relation("all", ("col0", "col1", "col2")))
    return values, relations


@settings(max_examples=60, deadline=None)
@given(two_way_table(), st.integers(2, 3))
def test_no_hidden_count_can_be_pinned_down_in_a_two_way_table(table: tuple[dict[str, int], list[Relation]], threshold: int) -> None:
    values, relations = table
    hidden = suppress(values, relations, threshold)
    assert all(key in hidden for key, value in values.items() if 0 < value < threshold)
    shown = {key: value for key, value in values.items() if key not in hidden}
    assume(sum(1 for cell in INNER if cell in hidden) <= 5)  # 9^6 tables would take too long to try
    possible = _possible_values(shown, hidden)
    for cell in hidden:
        assert len(possible[cell]) > 1, f"{cell} can only be {possible[cell]} given {shown}"
    assert not determined_cells(relations, hidden)
