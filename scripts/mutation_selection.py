"""Which tests reach which lines of a target, so that each mutant runs only the tests that can see it.

The unmutated run of a target's tests records, per test, the lines of the target file it executed (with
`sys.monitoring`, standard library since Python 3.12: each line location reports once per test and is then switched
off until the next test starts, so the cost is a few milliseconds a test), and how long each took. A mutant then
runs only the tests that executed the statement it changes, the quickest first (under -x a caught mutant stops at
its first failing test). That is the same verdict as running them all, sooner: a test that never executes
a line cannot see a change to it. Two exceptions are kept on the safe side:

- a change outside any function body (module level, class bodies, `def` lines with their defaults and decorators)
  runs at import, before any test: such mutants run every test;
- a statement executed only while no test was running (at import, or by a session fixture before the first test)
  likewise runs every test.

A statement no test executes is reported as not caught without running anything: no test can catch it.
A mutant the selected tests miss is run once more against all of them before it is reported as not caught: a test
can depend on a statement it did not execute itself (a value an earlier test cached, a module the first test
imported). So the selection only makes the run faster; a verdict is never decided by it.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

PLUGIN_DIR = ".mutation-plugin"
OUTSIDE_TESTS = ""  # the key under which lines executed while no test was running are recorded

TRACE_PLUGIN = """
import json
import os
import sys
import time

import pytest

_TARGET = os.path.realpath(os.environ["STEWARD_MUTATION_TRACE"])
_OUT = os.environ["STEWARD_MUTATION_TRACE_OUT"]
_TOOL = sys.monitoring.COVERAGE_ID
_lines = {}
_seconds = {}
_current = [""]
_is_target = {}


def _on_line(code, line):
    name = code.co_filename
    known = _is_target.get(name)
    if known is None:
        known = _is_target[name] = os.path.realpath(name) == _TARGET
    if known:
        _lines.setdefault(_current[0], set()).add(line)
    return sys.monitoring.DISABLE  # once per location per test: restart_events() turns it back on


# Started when pytest loads this plugin (-p, while it reads its arguments), before pytest-django sets Django up:
# code that runs at app start (AppConfig.ready, signal connections) is then seen as run outside any test, so a
# change there runs every test, instead of being taken for code that no test executes.
sys.monitoring.use_tool_id(_TOOL, "steward-mutation")
sys.monitoring.register_callback(_TOOL, sys.monitoring.events.LINE, _on_line)
sys.monitoring.set_events(_TOOL, sys.monitoring.events.LINE)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _current[0] = item.nodeid
    sys.monitoring.restart_events()
    started = time.perf_counter()
    yield
    _seconds[item.nodeid] = time.perf_counter() - started
    _current[0] = ""
    sys.monitoring.restart_events()


def pytest_unconfigure(config):
    sys.monitoring.set_events(_TOOL, 0)
    sys.monitoring.free_tool_id(_TOOL)
    with open(_OUT, "w") as out:
        json.dump({"lines": {test: sorted(lines) for test, lines in _lines.items()}, "seconds": _seconds}, out)
"""

SELECT_PLUGIN = """
import json
import os

import pytest


def _database_group(item):
    # pytest-django's order: tests in a transaction first (0), then tests that flush the tables (1), then the rest.
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", [])
    flushes = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    if flushes or "transactional_db" in fixtures or "live_server" in fixtures:
        return 1
    return 0 if marker or "db" in fixtures else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # The selected tests come quickest first (the harness orders them by their unmutated run), so a caught mutant
    # fails as soon as it can under -x; pytest-django's grouping is kept, since a test that flushes the tables must
    # not run before one that needs the rows the migrations made.
    wanted = {test: position for position, test in enumerate(json.loads(open(os.environ["STEWARD_MUTATION_SELECT"]).read()))}
    kept = sorted((item for item in items if item.nodeid in wanted), key=lambda item: (_database_group(item), wanted[item.nodeid]))
    config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in wanted])
    items[:] = kept
"""


def install_plugins(copy: Path) -> Path:
    """Writes the tracing and selecting plugins into the copy; returns the folder to put on PYTHONPATH."""
    folder = copy / PLUGIN_DIR
    folder.mkdir(exist_ok=True)
    (folder / "steward_mutation_trace.py").write_text(TRACE_PLUGIN)
    (folder / "steward_mutation_select.py").write_text(SELECT_PLUGIN)
    return folder


def read_trace(path: Path) -> tuple[dict[str, set[int]], dict[str, float]]:
    """The lines each test executed (OUTSIDE_TESTS: those run while none was) and each test's seconds."""
    data = json.loads(path.read_text())
    return {test: set(lines) for test, lines in data["lines"].items()}, data["seconds"]


def statement_lines(source: str, line: int) -> range | None:
    """The lines of the innermost statement in a function body that holds `line`; None when it runs at import.

    For a compound statement (if, for, while, with, try) only its header counts: its body is other statements.
    """
    found: range | None = None

    def visit(node: ast.AST, in_body: bool) -> None:
        nonlocal found
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.stmt | ast.excepthandler | ast.match_case):
                continue
            first = child.pattern.lineno if isinstance(child, ast.match_case) else child.lineno
            last = child.body[-1].end_lineno if isinstance(child, ast.match_case) else child.end_lineno
            if not first <= line <= (last or first):
                continue
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                if line >= child.body[0].lineno:
                    visit(child, in_body=True)
                # else: the def line, its decorators and defaults, which run when the def does
                return
            if isinstance(child, ast.ClassDef):
                visit(child, in_body=False)
                return
            body = getattr(child, "body", None)
            if body:  # a compound statement: its header is its own, its body is other statements
                header = range(first, max(first, body[0].lineno - 1) + 1)
                if line in header:
                    found = header if in_body else None
                    return
                visit(child, in_body)
                return
            found = range(first, (last or first) + 1) if in_body else None
            return

    visit(ast.parse(source), in_body=False)
    return found


def tests_reaching(trace: dict[str, set[int]], lines: range | None, seconds: dict[str, float] | None = None) -> list[str] | None:
    """The tests to run for a change on these lines, quickest first: a list (maybe empty: none reaches them), or
    None for all tests."""
    if lines is None or any(line in trace.get(OUTSIDE_TESTS, ()) for line in lines):
        return None
    reaching = [test for test, executed in trace.items() if test != OUTSIDE_TESTS and any(line in executed for line in lines)]
    return sorted(reaching, key=lambda test: (seconds or {}).get(test, 0.0))
