"""Mutation testing for Steward's trust core: small deliberate changes, one at a time, against the tests that guard them.

`make mutation` (or `.venv/bin/python scripts/mutation.py`) reads the targets from scripts/mutation.toml: each names a
file, optionally the functions to mutate, and the test files that cover it. For every target the harness

1. parses the file with `ast` and makes one mutant per classic change (comparison and boundary swaps, `and`/`or`,
   dropped `not`, a `.filter()`/`.exclude()` taken out of a query chain or one of its conditions dropped, `|`/`&` on Q
   objects, constants, arithmetic, `return X` replaced, a guard/raise/call/assignment statement deleted);
2. applies each mutant to a private copy of the repository (one copy per worker, the file restored after each run);
3. runs `pytest -x` on the target's tests; a mutant whose tests still pass is "not caught" and is printed as
   `file:line: change` with the mutated line.

A run that exceeds the time limit counts as caught (the change made the tests hang) and is counted apart as a timeout.
Strings that only reach people or logs (docstrings, f-strings, gettext calls, log and audit summaries, exception
messages) are not mutated: changing them tests wording, not rules. See docs/testing.md for the latest results.

Plain standard library on purpose: mutmut 3 rewrites the whole tree with trampolines, which fights Django's app
loading, and the harness is small enough to read in one sitting.
"""

from __future__ import annotations

import argparse
import ast
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "mutation.toml"

# Calls whose string arguments reach people or logs, not rules.
MESSAGE_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "pgettext", "format_lazy", "record"}
LOG_OBJECTS = {"log", "logger", "logging", "LOG"}
# Query methods whose removal from a chain widens (or narrows) what a query returns.
QUERY_FILTERS = {"filter", "exclude"}

COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
}
SYMBOLS = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.And: "and",
    ast.Or: "or",
}


# ---------------------------------------------------------------- configuration


@dataclass
class Target:
    file: str
    tests: list[str]
    functions: list[str] = field(default_factory=list)
    keyword: str = ""  # a pytest -k expression, to keep a large test file's selection tight
    pytest_args: list[str] = field(default_factory=list)
    timeout: float = 0.0  # seconds per mutant; 0: three times the unmutated run, at least 60 s
    # Survivors judged harmless, each {function, change, why}: matched on the function and the change's description
    # (not the line, which moves), reported apart with the reason. Anything else not caught is open.
    harmless: list[dict[str, str]] = field(default_factory=list)

    def harmless_reason(self, mutant: Mutant) -> str:
        for entry in self.harmless:
            if entry["function"] == mutant.function and entry["change"] == mutant.description:
                return entry["why"]
        return ""


def load_targets(path: Path = CONFIG) -> list[Target]:
    data = tomllib.loads(path.read_text())
    return [Target(**entry) for entry in data["target"]]


# ---------------------------------------------------------------- mutants


@dataclass
class Mutant:
    file: str
    line: int
    description: str
    source: str  # the whole mutated file
    mutated_line: str = ""
    function: str = ""  # qualified name of the function changed ("" at module level)


@dataclass
class _Edit:
    node: ast.AST
    replacement: str
    description: str
    function: str = ""


class _Offsets:
    """Turns ast (line, UTF-8 byte column) positions into offsets in the file's bytes."""

    def __init__(self, source: str) -> None:
        self.data = source.encode()
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.starts[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]
        end = self.starts[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
        return start, end

    def text(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.data[start:end].decode()


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_log_call(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in LOG_OBJECTS


class _Collector:
    """Walks one module and proposes edits, keeping track of where each node sits."""

    def __init__(self, source: str, functions: list[str]) -> None:
        self.source = source
        self.functions = functions
        self.offsets = _Offsets(source)
        self.edits: list[_Edit] = []
        self._function: ast.FunctionDef | ast.AsyncFunctionDef | None = None
        self._scope = ""

    # -- scope

    def _wanted(self, qualname: str) -> bool:
        if not self.functions:
            return True
        return any(qualname == name or qualname.startswith(name + ".") for name in self.functions)

    def collect(self) -> list[_Edit]:
        tree = ast.parse(self.source)
        self._body(tree.body, scope="", in_function=False)
        return self.edits

    def _body(self, body: list[ast.stmt], scope: str, in_function: bool) -> None:
        for index, stmt in enumerate(body):
            if index == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                continue  # docstring
            self._stmt(stmt, scope, in_function)

    def _add(self, edit: _Edit) -> None:
        edit.function = self._scope
        self.edits.append(edit)

    def _stmt(self, stmt: ast.stmt, scope: str, in_function: bool) -> None:
        self._scope = scope
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            qualname = f"{scope}.{stmt.name}" if scope else stmt.name
            if self._wanted(qualname) or any(name.startswith(qualname + ".") for name in self.functions):
                if self._wanted(qualname):
                    for default in [*stmt.args.defaults, *stmt.args.kw_defaults]:
                        if default is not None:
                            self._expr(default, strings=False)
                outer, self._function = self._function, stmt
                self._body(stmt.body, qualname, in_function=True)
                self._function = outer
            return
        if isinstance(stmt, ast.ClassDef):
            qualname = f"{scope}.{stmt.name}" if scope else stmt.name
            self._body(stmt.body, qualname, in_function=False)
            return
        if isinstance(stmt, ast.Import | ast.ImportFrom) or (self.functions and not self._wanted(scope or "<module>")):
            return
        if self.functions and not in_function:
            return
        if isinstance(stmt, ast.If) and _is_type_checking(stmt):
            return
        if in_function:
            self._statement_mutants(stmt)
        # Module and class level: numbers and booleans only (thresholds); strings there are names and labels.
        strings = in_function
        for name, value in ast.iter_fields(stmt):
            if name in {"annotation", "returns", "type_comment"}:
                continue
            if isinstance(value, ast.expr):
                self._expr(value, strings=strings and not isinstance(stmt, ast.Raise))
            elif isinstance(value, list):
                stmts = [item for item in value if isinstance(item, ast.stmt)]
                if stmts:
                    self._body_no_docstring(stmts, scope, in_function)
                for item in value:
                    if isinstance(item, ast.expr):
                        self._expr(item, strings=strings)
                    elif isinstance(item, ast.ExceptHandler | ast.match_case | ast.withitem | ast.comprehension):
                        self._compound(item, scope, in_function, strings)

    def _body_no_docstring(self, body: list[ast.stmt], scope: str, in_function: bool) -> None:
        for stmt in body:
            self._stmt(stmt, scope, in_function)

    def _compound(self, node: ast.AST, scope: str, in_function: bool, strings: bool) -> None:
        for _name, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                self._expr(value, strings=strings)
            elif isinstance(value, list):
                stmts = [item for item in value if isinstance(item, ast.stmt)]
                self._body_no_docstring(stmts, scope, in_function)

    # -- statements

    def _statement_mutants(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Return):
            self._return_mutants(stmt)
            return
        delete = (
            isinstance(stmt, ast.Raise | ast.If | ast.AugAssign)
            or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and not _is_log_call(stmt.value))
            or (isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Attribute | ast.Subscript) for t in stmt.targets))
        )
        if delete:
            first = self.offsets.text(stmt).splitlines()[0].strip()
            self._add(_Edit(stmt, "pass", f"delete statement `{_short(first)}`"))

    def _return_mutants(self, stmt: ast.Return) -> None:
        if stmt.value is None:
            return
        returns = self._function.returns if self._function else None
        annotation = ast.unparse(returns) if returns else ""
        value = self.offsets.text(stmt.value)
        empties = {"list": "[]", "tuple": "()", "set": "set()", "dict": "{}", "str": '""'}
        base = annotation.split("[")[0]
        options: list[tuple[str, str]] = []
        if annotation == "bool":
            options = [("return True", "return True"), ("return False", "return False")]
        elif base in empties and "|" not in annotation:
            options = [(f"return {empties[base]}", f"return {empties[base]}")]
        elif annotation.startswith("QuerySet") and not value.endswith(".none()"):
            options = [(f"return ({value}).none()", "return an empty queryset")]
        elif not (isinstance(stmt.value, ast.Constant) and stmt.value.value is None):
            options = [("return None", "return None")]
        for replacement, description in options:
            if replacement.removeprefix("return ").strip() != value.strip():
                self._add(_Edit(stmt, replacement, f"`return {_short(value)}` → `{description}`"))

    # -- expressions

    def _expr(self, node: ast.expr, strings: bool) -> None:
        if isinstance(node, ast.JoinedStr):
            return  # messages
        if isinstance(node, ast.Call):
            if _is_log_call(node):
                return
            self._call_mutants(node)
            strings = strings and _call_name(node) not in MESSAGE_CALLS and not _call_name(node).endswith(("Error", "Exception", "Leak"))
        elif isinstance(node, ast.Compare):
            for index, op in enumerate(node.ops):
                swap = COMPARE_SWAPS.get(type(op))
                if swap:
                    mutated = ast.Compare(node.left, [*node.ops[:index], swap(), *node.ops[index + 1 :]], node.comparators)
                    self._replace(node, mutated, f"`{SYMBOLS[type(op)]}` → `{SYMBOLS[swap]}`")
        elif isinstance(node, ast.BoolOp):
            other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            self._replace(node, ast.BoolOp(other, node.values), f"`{SYMBOLS[type(node.op)]}` → `{SYMBOLS[type(other)]}`")
            for index, value in enumerate(node.values):
                rest = [v for i, v in enumerate(node.values) if i != index]
                kept = rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)
                self._replace(node, kept, f"drop `{_short(self.offsets.text(value))}` from `{SYMBOLS[type(node.op)]}`")
        elif isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not | ast.Invert):
                symbol = "not" if isinstance(node.op, ast.Not) else "~"
                self._replace_text(node, f"({self.offsets.text(node.operand)})", f"drop `{symbol}`")
        elif isinstance(node, ast.BinOp):
            operator = BINOP_SWAPS.get(type(node.op))
            if operator:
                self._replace(node, ast.BinOp(node.left, operator(), node.right), f"`{SYMBOLS[type(node.op)]}` → `{SYMBOLS[operator]}`")
        elif isinstance(node, ast.Constant):
            self._constant_mutants(node, strings)
            return
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None:
                    self._expr(key, strings=False)  # a key names a field; a rule lives in the value
            for item in node.values:
                self._expr(item, strings)
            return
        for _name, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                self._expr(value, strings)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.expr):
                        self._expr(item, strings)
                    elif isinstance(item, ast.keyword):
                        self._expr(item.value, strings)
                    elif isinstance(item, ast.comprehension):
                        self._expr(item.iter, strings)
                        for condition in item.ifs:
                            self._expr(condition, strings)

    def _call_mutants(self, call: ast.Call) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in QUERY_FILTERS):
            return
        receiver = self.offsets.text(func.value)
        arguments = ", ".join(self.offsets.text(c) for c in [*call.args, *call.keywords])
        self._add(_Edit(call, f"({receiver})", f"remove `.{func.attr}({_short(arguments, 50)})`"))
        conditions: list[ast.AST] = [*call.args, *call.keywords]
        if len(conditions) < 2:
            return
        for index, condition in enumerate(conditions):
            kept = [self.offsets.text(c) for i, c in enumerate(conditions) if i != index]
            label = self.offsets.text(condition)
            self._add(_Edit(call, f"({receiver}).{func.attr}({', '.join(kept)})", f"drop `{_short(label)}` from `.{func.attr}()`"))

    def _constant_mutants(self, node: ast.Constant, strings: bool) -> None:
        value = node.value
        if isinstance(value, bool):
            self._replace_text(node, repr(not value), f"`{value}` → `{not value}`")
        elif isinstance(value, int | float):
            for other in (value + 1, value - 1):
                self._replace_text(node, repr(other), f"`{value!r}` → `{other!r}`")
        elif isinstance(value, str) and value and strings:
            self._replace_text(node, '""', f"`{_short(repr(value))}` → `''`")

    # -- edits

    def _replace(self, node: ast.AST, mutated: ast.AST, description: str) -> None:
        # No ast.copy_location: `mutated` may reuse the original's child nodes, whose own positions later edits need.
        self._add(_Edit(node, f"({ast.unparse(mutated)})", description))

    def _replace_text(self, node: ast.AST, text: str, description: str) -> None:
        self._add(_Edit(node, text, description))


def _is_type_checking(stmt: ast.If) -> bool:
    return isinstance(stmt.test, ast.Name) and stmt.test.id == "TYPE_CHECKING"


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def mutants_for(file: str, source: str, functions: list[str] = ()) -> list[Mutant]:  # type: ignore[assignment]
    """Every mutant of `source` (the text of `file`), in file order; each one still parses."""
    collector = _Collector(source, list(functions))
    offsets = collector.offsets
    mutants: list[Mutant] = []
    seen: set[str] = set()
    for edit in sorted(collector.collect(), key=lambda e: offsets.span(e.node)):
        start, end = offsets.span(edit.node)
        mutated = (offsets.data[:start] + edit.replacement.encode() + offsets.data[end:]).decode()
        if mutated in seen or mutated == source:
            continue
        try:
            ast.parse(mutated)
        except SyntaxError:
            continue
        seen.add(mutated)
        line = edit.node.lineno  # type: ignore[attr-defined]
        mutated_line = mutated.splitlines()[line - 1].strip()
        mutants.append(Mutant(file, line, edit.description, mutated, mutated_line, edit.function))
    return mutants


# ---------------------------------------------------------------- running


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # "caught", "survived", "timeout"
    seconds: float


@dataclass
class Report:
    target: Target
    outcomes: list[Outcome] = field(default_factory=list)
    baseline_seconds: float = 0.0
    error: str = ""

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def survivors(self) -> list[Outcome]:
        """Not caught and not recorded harmless: the open ones."""
        return sorted((o for o in self.outcomes if o.status == "survived" and not self.target.harmless_reason(o.mutant)), key=_line)

    @property
    def harmless(self) -> list[Outcome]:
        return sorted((o for o in self.outcomes if o.status == "survived" and self.target.harmless_reason(o.mutant)), key=_line)


def _line(outcome: Outcome) -> int:
    return outcome.mutant.line


def _project_files(root: Path) -> Iterator[str]:
    if (root / ".git").exists():
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],  # noqa: S607 -- git from PATH, like make
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
        yield from (name for name in listed.split("\0") if name)
        return
    for path in root.rglob("*"):
        if path.is_file() and not any(part in {".venv", "node_modules", "__pycache__", ".git"} for part in path.parts):
            yield str(path.relative_to(root))


def make_copy(root: Path, into: Path) -> Path:
    """A private copy of the project's files; the environments are linked, not copied."""
    into.mkdir(parents=True)
    for name in _project_files(root):
        source = root / name
        if not source.is_file() or (source.is_symlink() and source.resolve().is_dir()):
            continue
        destination = into / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    for link in (".venv", "node_modules"):
        if (root / link).exists():
            (into / link).symlink_to((root / link).resolve())
    # Some tests read shared documents beside the checkout (../shared); keep that neighbour visible from the copy.
    if (root.parent / "shared").exists() and not (into.parent / "shared").exists():
        (into.parent / "shared").symlink_to((root.parent / "shared").resolve())
    return into


# Creating the test database (every migration) costs more than most mutants' tests. Each copy migrates one
# SQLite file once; every run starts from a fresh copy of it, handed to pytest-django as a database to reuse.
# A fresh copy each time matters: transactional tests flush the tables, data migrations' rows included.
DB_PLUGIN = """
import os

import pytest


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    from django.conf import settings

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ["STEWARD_MUTATION_DB"]
"""


def _snapshot(copy: Path) -> Path | None:
    """A migrated SQLite database for the copy's test runs; None for a project that is not Steward's Django."""
    if not (copy / "manage.py").exists():
        return None
    snapshot = copy / "var" / "mutation-snapshot.sqlite3"
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{snapshot}"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], cwd=copy, env=env, capture_output=True, check=True)
    (copy / ".mutation-plugin").mkdir(exist_ok=True)
    (copy / ".mutation-plugin" / "steward_mutation_db.py").write_text(DB_PLUGIN)
    return snapshot


def _pytest(copy: Path, target: Target, timeout: float) -> tuple[str, float]:
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *target.pytest_args]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the copy's own pytest.ini decides
    snapshot = copy / "var" / "mutation-snapshot.sqlite3"
    if snapshot.exists():
        database = copy / "var" / "mutation-test.sqlite3"
        for leftover in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(snapshot, database)
        env["STEWARD_MUTATION_DB"] = str(database)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(copy / ".mutation-plugin"), env.get("PYTHONPATH")]))
        command += ["-p", "steward_mutation_db", "--reuse-db"]
    if target.keyword:
        command += ["-k", target.keyword]
    command += target.tests
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=copy, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # noqa: S603
    try:
        returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return "timeout", time.monotonic() - started
    except BaseException:  # interrupted: leave no test run behind
        os.killpg(process.pid, signal.SIGKILL)
        raise
    seconds = time.monotonic() - started
    if returncode == 0:
        return "survived", seconds
    if returncode == 5:
        return "no tests", seconds
    return "caught", seconds


def _forget_bytecode(path: Path) -> None:
    # A mutant of the same size written in the same second would otherwise run from the previous mutant's .pyc.
    for cached in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
        cached.unlink(missing_ok=True)


def _run_mutant(copy: Path, target: Target, mutant: Mutant, timeout: float) -> Outcome:
    path = copy / target.file
    original = path.read_text()
    try:
        path.write_text(mutant.source)
        _forget_bytecode(path)
        status, seconds = _pytest(copy, target, timeout)
    finally:
        path.write_text(original)
        _forget_bytecode(path)
    return Outcome(mutant, status, seconds)


def _run_mutant_in(copy: Path, *, target: Target, mutant: Mutant, timeout: float) -> Outcome:
    return _run_mutant(copy, target, mutant, timeout)


def run(
    targets: list[Target],
    *,
    root: Path = ROOT,
    jobs: int = 2,
    limit: int = 0,
    on_done: Callable[[Report], None] = lambda report: None,
    progress: Callable[[str], None] = lambda line: None,
) -> list[Report]:
    """Runs every target's mutants on `jobs` private copies of `root`; calls on_done as each target finishes."""
    reports = [Report(target) for target in targets]
    with tempfile.TemporaryDirectory(prefix="steward-mutation-") as scratch:
        copies: Queue[Path] = Queue()
        for index in range(jobs):
            copy = make_copy(root, Path(scratch) / f"worker-{index}")
            _snapshot(copy)
            copies.put(copy)

        def with_copy(work: Callable[[Path], Outcome]) -> Outcome:
            copy = copies.get()
            try:
                return work(copy)
            finally:
                copies.put(copy)

        lock = threading.Lock()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for report in reports:
                target = report.target
                source = (root / target.file).read_text()
                mutants = mutants_for(target.file, source, target.functions)
                if limit:
                    mutants = mutants[:limit]
                # The unmutated run must pass, or every mutant would look caught.
                copy = copies.get()
                try:
                    status, report.baseline_seconds = _pytest(copy, target, timeout=1800)
                finally:
                    copies.put(copy)
                if status != "survived":
                    report.error = f"the unmutated tests did not pass ({status}); no mutant was run"
                    progress(f"{target.file}: {report.error}")
                    on_done(report)
                    continue
                timeout = target.timeout or max(60.0, 3 * report.baseline_seconds)
                progress(f"{target.file}: {len(mutants)} mutants, unmutated tests {report.baseline_seconds:.1f}s, limit {timeout:.0f}s")
                remaining = [len(mutants)]

                def finished(future: object, report: Report = report, remaining: list[int] = remaining) -> None:
                    outcome = future.result()  # type: ignore[attr-defined]
                    with lock:
                        report.outcomes.append(outcome)
                        remaining[0] -= 1
                        if outcome.status != "caught":
                            progress(f"  {outcome.status}: {outcome.mutant.file}:{outcome.mutant.line}: {outcome.mutant.description}")
                        elif remaining[0] % 20 == 0:
                            progress(f"  {report.target.file}: {remaining[0]} mutants to go")
                        if remaining[0] == 0:
                            on_done(report)

                if not mutants:
                    on_done(report)
                for mutant in mutants:
                    work = functools.partial(_run_mutant_in, target=target, mutant=mutant, timeout=timeout)
                    pool.submit(with_copy, work).add_done_callback(finished)
    return reports


# ---------------------------------------------------------------- reporting


def table(reports: list[Report]) -> str:
    lines = [
        "| file | functions | tried | caught | not caught: open | not caught: harmless | timeouts (caught) |",
        "|---|---|---|---|---|---|---|",
    ]
    for report in reports:
        functions = ", ".join(f"`{name}`" for name in report.target.functions) or "all"
        if report.error:
            lines.append(f"| `{report.target.file}` | {functions} | — | — | — | — | {report.error} |")
            continue
        caught = report.count("caught") + report.count("timeout")
        counts = [len(report.outcomes), caught, len(report.survivors), len(report.harmless), report.count("timeout")]
        lines.append(f"| `{report.target.file}` | {functions} | " + " | ".join(map(str, counts)) + " |")
    return "\n".join(lines)


def survivors_text(report: Report, harmless: bool = False) -> str:
    lines = []
    for outcome in report.harmless if harmless else report.survivors:
        mutant = outcome.mutant
        where = f" in {mutant.function}" if mutant.function else ""
        why = f"\n    harmless: {report.target.harmless_reason(mutant)}" if harmless else ""
        lines.append(f"{mutant.file}:{mutant.line}{where}: {mutant.description}\n    {mutant.mutated_line}{why}")
    if harmless:
        return "\n".join(lines)
    for outcome in report.outcomes:
        if outcome.status == "no tests":
            lines.append(f"{outcome.mutant.file}:{outcome.mutant.line}: {outcome.mutant.description} (no test was collected)")
    return "\n".join(lines)


def markdown(reports: list[Report], seconds: float | None = None) -> str:
    parts = [table(reports), ""]
    if seconds is not None:
        parts += [f"Run time: {seconds / 60:.1f} min.", ""]
    for report in reports:
        parts += [
            f"### `{report.target.file}` — not caught",
            "",
            f"Tests: {' '.join(f'`{t}`' for t in report.target.tests)}"
            + (f" (`-k {report.target.keyword}`)" if report.target.keyword else ""),
            "",
        ]
        text = survivors_text(report)
        parts += ["```", text, "```", ""] if text else ["None.", ""]
        harmless = survivors_text(report, harmless=True)
        if harmless:
            parts += [f"Not caught, recorded harmless in `{CONFIG.name}`:", "", "```", harmless, "```", ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", action="append", default=[], help="only this target file (repeatable), as written in the config")
    parser.add_argument("--limit", type=int, default=0, help="at most N mutants per target (the first N in file order)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel test runs, each on its own copy of the repository")
    parser.add_argument("--out", type=Path, help="also write the results as markdown to this file")
    parser.add_argument("--results-dir", type=Path, help="write each target's results to DIR/<file>.md as soon as it finishes")
    parser.add_argument("--list", action="store_true", help="list the mutants without running any test")
    parser.add_argument("--config", type=Path, default=CONFIG)
    args = parser.parse_args(argv)

    targets = load_targets(args.config)
    if args.target:
        unknown = set(args.target) - {t.file for t in targets}
        if unknown:
            parser.error(f"not in {args.config.name}: {', '.join(sorted(unknown))}")
        targets = [t for t in targets if t.file in args.target]

    if args.list:
        for target in targets:
            mutants = mutants_for(target.file, (ROOT / target.file).read_text(), target.functions)
            print(f"{target.file}: {len(mutants)} mutants")
            for mutant in mutants[: args.limit or None]:
                print(f"  {mutant.line} {mutant.function}: {mutant.description}\n      {mutant.mutated_line}")
        return 0

    def on_done(report: Report) -> None:
        print(f"\n{table([report])}\n{survivors_text(report)}", flush=True)
        if args.results_dir:
            args.results_dir.mkdir(parents=True, exist_ok=True)
            (args.results_dir / (report.target.file.replace("/", "_") + ".md")).write_text(markdown([report]))

    started = time.monotonic()
    reports = run(targets, jobs=args.jobs, limit=args.limit, on_done=on_done, progress=lambda line: print(line, flush=True))
    seconds = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage.ru_utime + usage.ru_stime) / 60
    print(f"\n{table(reports)}\n\nRun time: {seconds / 60:.1f} min on {args.jobs} workers ({cpu:.0f} CPU-minutes in the test runs).")
    for report in reports:
        text = survivors_text(report)
        if text:
            print(f"\nNot caught in {report.target.file}:\n{text}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(markdown(reports, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
