"""The private-information detector on hand-written cases (screening/tests/pii_cases.py), none from shared data."""

import pytest

from screening.pii import find_private_information
from screening.tests.pii_cases import CASES, GH, GH_BODY


def _counts() -> tuple[int, int, int]:
    tp = fp = fn = 0
    for text, author, kind, expected in CASES:
        got = {h.kind for h in find_private_information(text, author, kind)}
        tp += len(got & expected)
        fp += len(got - expected)
        fn += len(expected - got)
    return tp, fp, fn


def test_enough_cases_of_both_kinds() -> None:
    assert len(CASES) >= 60
    assert sum(1 for c in CASES if c[3]) >= 25
    assert sum(1 for c in CASES if not c[3]) >= 30


def test_precision_and_recall_on_labelled_cases() -> None:
    tp, fp, fn = _counts()
    # Figures reported in docs/screening.md; a drop below these is a regression.
    assert tp / (tp + fp) >= 0.95
    assert tp / (tp + fn) >= 0.9


@pytest.mark.parametrize("text, author, kind, expected", CASES, ids=range(len(CASES)))
def test_findings_never_repeat_the_secret(text: str, author: tuple[str, ...], kind: str, expected: set[str]) -> None:
    for hit in find_private_information(text, author, kind):
        for part in (GH_BODY, "maria.gonzalez84", "847-2290", "4417 Rosewood"):
            assert part not in hit.why and part not in hit.masked


def test_own_address_is_not_a_leak_but_someone_elses_is() -> None:
    text = "write to me at lena.fischer@posteo.de"
    assert find_private_information(text, ("lena.fischer@posteo.de",)) == []
    assert [h.kind for h in find_private_information(text, ("someoneelse",))] == ["email"]


def test_token_is_masked() -> None:
    [hit] = find_private_information(f"token: {GH}{GH_BODY}")
    assert hit.kind == "token"
    assert hit.masked == f"{GH}…{GH_BODY[-2:]}"
