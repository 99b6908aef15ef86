"""Which counts a published report must hide, so that no small count can be read or worked out.

Primary suppression: a count from 1 to `threshold - 1` is hidden ("fewer than N"). Zero is shown: it
says nothing about anyone.

Complementary suppression: counts are tied together by relations (a table's cells add up to its total;
the ladder levels add up to the restorative and punitive counts; the halves of a year add up to the
year). A hidden cell must not be computable from the shown ones through any of them, alone or combined,
so more cells are hidden until:

1. no hidden cell is determined by the relations and the shown counts (exact linear algebra over the
   rationals: a hidden cell is determined when its unit vector lies in the row space of the relations
   restricted to the hidden cells), and
2. wherever a total is shown, the hidden cells under it add up to at least `threshold` and to more than
   their number, so they are neither a small count together nor all forced to be 1.

The complement chosen is the smallest non-zero shown count that can still be hidden (what the public loses
least). Counts already published (`fixed_visible`, `fixed_hidden`) keep their state: a new report can only
hide its own cells to protect them.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Relation:
    """`total` equals the sum of `parts` (each a cell key)."""

    total: str
    parts: tuple[str, ...]

    @property
    def members(self) -> tuple[str, ...]:
        return (self.total, *self.parts)


def is_small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def _reduced_rows(rows: list[list[Fraction]]) -> list[list[Fraction]]:
    """Reduced row echelon form (Gauss-Jordan over exact fractions); zero rows dropped."""
    rows = [row[:] for row in rows]
    width = len(rows[0]) if rows else 0
    pivot_row = 0
    for column in range(width):
        found = next((index for index in range(pivot_row, len(rows)) if rows[index][column] != 0), None)
        if found is None:
            continue
        rows[pivot_row], rows[found] = rows[found], rows[pivot_row]
        lead = rows[pivot_row][column]
        rows[pivot_row] = [value / lead for value in rows[pivot_row]]
        for index, row in enumerate(rows):
            if index != pivot_row and row[column] != 0:
                factor = row[column]
                rows[index] = [value - factor * pivot for value, pivot in zip(row, rows[pivot_row], strict=True)]
        pivot_row += 1
    return rows[:pivot_row]


def determined_cells(relations: Sequence[Relation], hidden: Iterable[str]) -> set[str]:
    """The hidden cells whose value follows from the shown ones through the relations."""
    unknowns = sorted({cell for relation in relations for cell in relation.members if cell in set(hidden)})
    if not unknowns:
        return set()
    column = {cell: index for index, cell in enumerate(unknowns)}
    rows = []
    for relation in relations:
        row = [Fraction(0)] * len(unknowns)
        if relation.total in column:
            row[column[relation.total]] += 1
        for part in relation.parts:
            if part in column:
                row[column[part]] -= 1
        if any(row):
            rows.append(row)
    found = set()
    for row in _reduced_rows(rows) if rows else []:
        nonzero = [index for index, value in enumerate(row) if value != 0]
        if len(nonzero) == 1:
            found.add(unknowns[nonzero[0]])
    return found


def _weak_sums(values: Mapping[str, int], relations: Sequence[Relation], hidden: set[str], threshold: int) -> list[int]:
    """Relations with a shown total whose hidden parts add up to a small count, or to exactly their number
    (then every one of them is 1)."""
    weak = []
    for index, relation in enumerate(relations):
        if relation.total in hidden:
            continue
        hidden_parts = [part for part in relation.parts if part in hidden]
        if not hidden_parts:
            continue
        together = sum(values[part] for part in hidden_parts)
        if is_small(together, threshold) or together == len(hidden_parts):
            weak.append(index)
    return weak


def suppress(
    values: Mapping[str, int],
    relations: Sequence[Relation],
    threshold: int,
    *,
    fixed_hidden: Iterable[str] = (),
    fixed_visible: Iterable[str] = (),
) -> frozenset[str]:
    """The keys of `values` to hide. Relations naming a key not in `values` are ignored."""
    fixed_hidden, fixed_visible = set(fixed_hidden), set(fixed_visible)
    fixed = fixed_hidden | fixed_visible
    relations = [relation for relation in relations if all(cell in values for cell in relation.members)]
    hidden = set(fixed_hidden) | {key for key, value in values.items() if is_small(value, threshold) and key not in fixed_visible}
    if threshold <= 1:
        return frozenset(hidden)
    while True:
        # Each problem: groups of cells, tried in order, any of which hidden would help.
        # A relation with one hidden cell gives it away directly: those first, in the relation itself.
        problems: list[list[tuple[str, ...]]] = [[relation.members] for relation in relations if _hidden_in(relation, hidden) == 1]
        for cell in sorted(determined_cells(relations, hidden)):
            # The relation that gives it away most directly (fewest hidden cells) first.
            around = sorted((relation for relation in relations if cell in relation.members), key=lambda r: _hidden_in(r, hidden))
            problems.append([relation.members for relation in around])
        for index in _weak_sums(values, relations, hidden, threshold):
            problems.append([relations[index].parts, (relations[index].total,)])
        choice = next((found for groups in problems for group in groups if (found := _complement(group, values, hidden, fixed))), None)
        if choice is None:
            # Solved, or what is left was settled by reports published before: nothing this one can still do.
            return frozenset(hidden)
        hidden.add(choice)


def _hidden_in(relation: Relation, hidden: set[str]) -> int:
    return sum(1 for member in relation.members if member in hidden)


def _complement(group: Iterable[str], values: Mapping[str, int], hidden: set[str], fixed: set[str]) -> str | None:
    """The smallest non-zero count of the group that may still be hidden (a hidden 0 protects little), else a 0."""
    candidates = [cell for cell in group if cell not in hidden and cell not in fixed]
    return min(candidates, key=lambda cell: (values[cell] == 0, values[cell], cell)) if candidates else None
