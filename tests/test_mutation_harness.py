"""The mutation harness (scripts/mutation.py) counts a change the tests catch as caught and one they miss as not caught."""

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.database_free

ROOT = Path(__file__).resolve().parent.parent


def _harness():
    spec = importlib.util.spec_from_file_location("steward_mutation", ROOT / "scripts" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["steward_mutation"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


ADULTHOOD = '''
"""Docstrings and messages are never mutated."""


def is_adult(age: int) -> bool:
    return age >= 18


def greet(name: str) -> str:
    return f"Hello {name}"


def untouched(age: int) -> bool:
    return age < 0
'''

# Tests that check the rule far from its boundary: they catch `return False` but not `>=` → `>`.
TESTS = """
from adulthood import is_adult


def test_grown_ups_are_adults():
    assert is_adult(40)


def test_children_are_not():
    assert not is_adult(5)
"""


def test_a_caught_change_is_caught_and_a_missed_one_survives(tmp_path):
    harness = _harness()
    (tmp_path / "adulthood.py").write_text(ADULTHOOD)
    (tmp_path / "test_adulthood.py").write_text(TESTS)
    target = harness.Target(
        file="adulthood.py",
        tests=["test_adulthood.py"],
        functions=["is_adult"],
        pytest_args=["-p", "no:django"],
        harmless=[{"function": "is_adult", "change": "`18` → `19`", "why": "a test-only example"}],
    )

    mutants = harness.mutants_for(target.file, ADULTHOOD, target.functions)
    described = {m.description for m in mutants}
    assert "`>=` → `>`" in described
    assert all(m.line == 6 for m in mutants), "only is_adult is mutated: not the docstring, greet's f-string or untouched"

    done = []
    [report] = harness.run([target], root=tmp_path, jobs=1, on_done=done.append)

    assert done == [report]
    by_change = {o.mutant.description: o.status for o in report.outcomes}
    assert by_change["`return age >= 18` → `return False`"] == "caught"
    assert by_change["`>=` → `>`"] == "survived"
    assert by_change["`18` → `19`"] == "survived"
    assert by_change["`18` → `17`"] == "survived"
    assert [o.mutant.mutated_line for o in report.survivors] == ["return (age > 18)", "return age >= 17"]
    assert (tmp_path / "adulthood.py").read_text() == ADULTHOOD, "the original file is never touched"
    assert [o.mutant.description for o in report.harmless] == ["`18` → `19`"], "recorded harmless: reported apart"
    assert "| `adulthood.py` | `is_adult` | 5 | 2 | 2 | 1 | 0 |" in harness.table([report])
    assert "harmless: a test-only example" in harness.markdown([report])


def test_a_failing_unmutated_run_is_reported_not_counted(tmp_path):
    harness = _harness()
    (tmp_path / "adulthood.py").write_text(ADULTHOOD)
    (tmp_path / "test_adulthood.py").write_text(TESTS.replace("assert is_adult(40)", "assert is_adult(4)"))
    target = harness.Target(file="adulthood.py", tests=["test_adulthood.py"], functions=["is_adult"], pytest_args=["-p", "no:django"])

    [report] = harness.run([target], root=tmp_path, jobs=1)

    assert report.outcomes == []
    assert "did not pass" in report.error


SELECTIVE_TESTS = """
import os

from adulthood import is_adult


def test_grown_ups_are_adults():
    assert is_adult(40)


def test_greeting():
    # Reaches no mutated line; leaves a mark each time it runs.
    with open(os.environ["GREETING_LOG"], "a") as log:
        log.write("ran\\n")
"""


def test_each_mutant_runs_only_the_tests_that_execute_what_it_changes(tmp_path, monkeypatch):
    harness = _harness()
    greeting_runs = tmp_path / "greeting-runs.log"
    monkeypatch.setenv("GREETING_LOG", str(greeting_runs))
    (tmp_path / "adulthood.py").write_text(ADULTHOOD)
    (tmp_path / "test_adulthood.py").write_text(SELECTIVE_TESTS)
    target = harness.Target(
        file="adulthood.py", tests=["test_adulthood.py"], functions=["is_adult", "untouched"], pytest_args=["-p", "no:django"]
    )

    [report] = harness.run([target], root=tmp_path, jobs=1)

    by_change = {(o.mutant.function, o.mutant.description): o for o in report.outcomes}
    assert by_change[("is_adult", "`return age >= 18` → `return False`")].status == "caught"
    assert by_change[("is_adult", "`>=` → `>`")].status == "survived"
    never_run = [o for o in report.outcomes if o.mutant.function == "untouched"]
    assert never_run and all(o.status == "survived" and o.seconds == 0 for o in never_run), "no test calls untouched()"
    assert all(o.note == "no test executes this statement" for o in never_run)
    assert "(no test executes this statement)" in harness.survivors_text(report)
    # The unrelated test ran unmutated (traced, then in the warm pytest), then only to confirm each survivor of
    # is_adult: never for a caught one.
    survivors = [o for o in report.outcomes if o.mutant.function == "is_adult" and o.status == "survived"]
    caught = [o for o in report.outcomes if o.mutant.function == "is_adult" and o.status == "caught"]
    assert survivors and caught
    assert greeting_runs.read_text() == "ran\n" * (2 + len(survivors))


def test_the_statement_a_line_belongs_to():
    selection = _selection()
    source = (
        "LIMIT = 3\n"
        "\n"
        "\n"
        "def f(a=LIMIT):\n"
        "    if a and (\n"
        "        a > 2\n"
        "    ):\n"
        "        return g(\n"
        "            a,\n"
        "        )\n"
        "    try:\n"
        "        pass\n"
        "    except KeyError:\n"
        "        a = 1\n"
        "    return 0\n"
    )
    assert selection.statement_lines(source, 1) is None, "module level: runs at import"
    assert selection.statement_lines(source, 4) is None, "a def line and its defaults: run at import"
    assert selection.statement_lines(source, 6) == range(5, 8), "a compound statement: its header only"
    assert selection.statement_lines(source, 9) == range(8, 11), "a simple statement: all its lines"
    assert selection.statement_lines(source, 14) == range(14, 15), "inside an except clause"
    trace = {"": {1, 4}, "t.py::one": {5, 6, 15}, "t.py::two": {5, 8, 9}}
    assert selection.tests_reaching(trace, range(8, 11)) == ["t.py::two"]
    assert selection.tests_reaching(trace, range(14, 15)) == [], "no test reaches the except clause"
    assert selection.tests_reaching(trace, None) is None, "at import: every test"
    assert selection.tests_reaching({"": {8}}, range(8, 9)) is None, "run outside any test: every test"
    seconds = {"t.py::one": 2.5, "t.py::two": 0.1}
    assert selection.tests_reaching(trace, range(5, 6), seconds) == ["t.py::two", "t.py::one"], "quickest first: -x stops sooner"


def _selection():
    spec = importlib.util.spec_from_file_location("steward_mutation_selection", ROOT / "scripts" / "mutation_selection.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_harmless_entry_with_code_covers_only_the_line_it_names():
    """The same change on two lines of one function: an entry naming one line's code must not excuse the other."""
    harness = _harness()
    operators = sys.modules.get("steward_mutation_operators") or importlib.import_module("mutation_operators")
    entry = {"function": "f", "change": "`1` → `2`", "code": "a + 2", "why": "example"}
    target = harness.Target(file="m.py", tests=[], harmless=[entry])
    first = operators.Mutant("m.py", 2, "`1` → `2`", "", "x = a + 2", "f")
    second = operators.Mutant("m.py", 3, "`1` → `2`", "", "y = b * 2", "f")
    assert target.harmless_reason(first) == "example"
    assert target.harmless_reason(second) == ""
    assert harness.Target(file="m.py", tests=[], harmless=[{**entry, "code": ""}]).harmless_reason(second) == "example"


GUARDED = """
import functools

AGE = 18


def logged(function):
    @functools.wraps(function)
    def wrapper(*args):
        return function(*args)

    return wrapper


@logged
def is_adult(age: int) -> bool:
    return age >= AGE


class Door:
    def opens_for(self, age: int) -> bool:
        return is_adult(age)
"""

# Imported at collection, before any fork: the warm runs must change these very function objects.
GUARDED_TESTS = """
from adulthood import Door, is_adult


def test_adults():
    assert is_adult(18) and Door().opens_for(30)


def test_children():
    assert not is_adult(17) and not Door().opens_for(3)
"""


def test_warm_forks_give_the_verdicts_of_fresh_processes(tmp_path):
    """A mutant run in a fork of the warm pytest reaches every reference to the changed function, and a change
    made at import (a module constant) is run in a new process: the verdicts are those of fresh runs."""
    (tmp_path / "adulthood.py").write_text(GUARDED)
    (tmp_path / "test_adulthood.py").write_text(GUARDED_TESTS)
    target = _harness().Target(file="adulthood.py", tests=["test_adulthood.py"], pytest_args=["-p", "no:django"])

    warm_harness = _harness()
    [warm] = warm_harness.run([target], root=tmp_path, jobs=1)
    fresh_harness = _harness()
    [fresh] = fresh_harness.run([target], root=tmp_path, jobs=1, warm=False)

    verdicts = {(o.mutant.line, o.mutant.description): o.status for o in fresh.outcomes}
    assert {(o.mutant.line, o.mutant.description): o.status for o in warm.outcomes} == verdicts
    assert verdicts[(17, "`>=` → `>`")] == "caught", "through the decorator's wrapper, bound by the test module"
    assert verdicts[(22, "`return is_adult(age)` → `return False`")] == "caught", "a method"
    assert verdicts[(10, "`return function(*args)` → `return None`")] == "caught", "the wrapper made at import"
    assert verdicts[(12, "`return wrapper` → `return None`")] == "caught", "run at import: in a new process"
    assert verdicts[(4, "`18` → `19`")] == "caught", "a module constant: in a new process"
    assert set(verdicts.values()) == {"caught"}
    # Caught in the fork itself (a survivor would be run again in a new process): the unmutated check and the five
    # changes to functions run during tests. In new processes: the traced unmutated run, the three changes run at
    # import, and `return None` in the wrapper, which drops the closure's variable (its code cannot be swapped).
    assert warm_harness.RUNS == {"warm fork": 6, "new process": 5}
    assert fresh_harness.RUNS == {"new process": 10}
