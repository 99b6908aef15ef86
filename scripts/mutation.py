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
import functools
import json
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
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue

sys.path.insert(0, str(Path(__file__).resolve().parent))  # a script, not a package: its sibling module
from mutation_fork import WarmPytest
from mutation_operators import Mutant, mutants_for
from mutation_selection import install_plugins, read_trace, statement_lines, tests_reaching

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "mutation.toml"


@dataclass
class Target:
    file: str
    tests: list[str]
    functions: list[str] = field(default_factory=list)
    keyword: str = ""  # a pytest -k expression, to keep a large test file's selection tight
    pytest_args: list[str] = field(default_factory=list)
    timeout: float = 0.0  # seconds per mutant; 0: three times the unmutated run, at least 60 s
    # Survivors judged harmless, each {function, change, why}: matched on the function and the change's description
    # (not the line, which moves), reported apart with the reason. Anything else not caught is open. Where the same
    # change can be made on several lines of a function, `code` (text of the mutated line) says which one is meant.
    harmless: list[dict[str, str]] = field(default_factory=list)

    def harmless_reason(self, mutant: Mutant) -> str:
        for entry in self.harmless:
            if entry["function"] != mutant.function or entry["change"] != mutant.description:
                continue
            if entry.get("code", "") in mutant.mutated_line:
                return entry["why"]
        return ""


def load_targets(path: Path = CONFIG) -> list[Target]:
    data = tomllib.loads(path.read_text())
    return [Target(**entry) for entry in data["target"]]


# ---------------------------------------------------------------- running


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # "caught", "survived", "timeout"
    seconds: float
    note: str = ""  # why a survivor was not run: no test executes the changed statement


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
    (install_plugins(copy) / "steward_mutation_db.py").write_text(DB_PLUGIN)
    return snapshot


def _invocation(
    copy: Path, target: Target, *, trace_to: Path | None = None, select: list[str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """pytest's arguments for one run of the target's tests, and the environment it adds (see _pytest)."""
    args = ["-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *target.pytest_args]
    env: dict[str, str] = {}
    if trace_to is not None:
        env |= {"STEWARD_MUTATION_TRACE": str(copy / target.file), "STEWARD_MUTATION_TRACE_OUT": str(trace_to)}
        args += ["-p", "steward_mutation_trace"]
    if select is not None:
        chosen = copy / "var" / "mutation-select.json"
        chosen.parent.mkdir(parents=True, exist_ok=True)
        chosen.write_text(json.dumps(select))
        env["STEWARD_MUTATION_SELECT"] = str(chosen)
        args += ["-p", "steward_mutation_select"]
    snapshot = copy / "var" / "mutation-snapshot.sqlite3"
    if snapshot.exists():
        database = copy / "var" / "mutation-test.sqlite3"
        for leftover in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(snapshot, database)
        env["STEWARD_MUTATION_DB"] = str(database)
        args += ["-p", "steward_mutation_db", "--reuse-db"]
    if target.keyword:
        args += ["-k", target.keyword]
    return [*args, *target.tests], env


def _environment(copy: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": "0", **extra}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the copy's own pytest.ini decides
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(install_plugins(copy)), os.environ.get("PYTHONPATH")]))
    return env


def _verdict(returncode: int) -> str:
    return {0: "survived", 5: "no tests"}.get(returncode, "caught")


def _pytest(
    copy: Path, target: Target, timeout: float, *, trace_to: Path | None = None, select: list[str] | None = None, fresh: bool = False
) -> tuple[str, float]:
    """One run of the target's tests: all of them (recording the lines each executes when trace_to is given) or the selected ones.

    It runs in a fork of the copy's warm pytest where there is one (mutation_fork), else in a new process.
    """
    args, extra = _invocation(copy, target, trace_to=trace_to, select=select)
    warm = None if fresh or trace_to is not None else _WARM.get(copy)
    if warm is not None and warm.target == target.file:
        result = warm.run(args, extra, timeout)
        if result is not None:
            RUNS["warm fork"] += 1
            returncode, seconds = result
            return ("timeout" if returncode is None else _verdict(returncode)), seconds
    RUNS["new process"] += 1
    started = time.monotonic()
    command = [sys.executable, "-m", "pytest", *args]
    process = subprocess.Popen(  # noqa: S603
        command, cwd=copy, env=_environment(copy, extra), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return "timeout", time.monotonic() - started
    except BaseException:  # interrupted: leave no test run behind
        os.killpg(process.pid, signal.SIGKILL)
        raise
    return _verdict(returncode), time.monotonic() - started


RUNS: Counter[str] = Counter()  # how the test runs were made, for the summary
_WARM: dict[Path, WarmPytest] = {}  # each copy's server, for the target it last ran


def _warm_for(copy: Path, target: Target) -> None:
    """Starts the copy's server for this target (closing one for another target); leaves none if it cannot start."""
    warm = _WARM.get(copy)
    if warm is not None and warm.target == target.file:
        return
    if warm is not None:
        warm.close()
        del _WARM[copy]
    args, extra = _invocation(copy, target)
    warm = WarmPytest(copy, target.file, [arg for arg in args if arg not in {"-x", "-q"}], _environment(copy, extra))
    if warm.ready:
        _WARM[copy] = warm
    else:
        warm.close()


def _forget_bytecode(path: Path) -> None:
    # A mutant of the same size written in the same second would otherwise run from the previous mutant's .pyc.
    for cached in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
        cached.unlink(missing_ok=True)


def _run_mutant(
    copy: Path, target: Target, mutant: Mutant, timeout: float, select: list[str] | None = None, *, fresh: bool = False
) -> Outcome:
    path = copy / target.file
    original = path.read_text()
    try:
        path.write_text(mutant.source)
        _forget_bytecode(path)
        status, seconds = _pytest(copy, target, timeout, select=select, fresh=fresh)
    finally:
        path.write_text(original)
        _forget_bytecode(path)
    return Outcome(mutant, status, seconds)


def _run_mutant_in(copy: Path, *, target: Target, mutant: Mutant, timeout: float, select: list[str] | None, warm: bool = True) -> Outcome:
    if select == []:
        return Outcome(mutant, "survived", 0.0, note="no test executes this statement")
    # A statement that runs at import (or outside any test) runs every test (select is None), in a new process: a
    # warm fork has imported the original, so only what runs during tests can be changed in it.
    warm = warm and select is not None
    if warm:
        _warm_for(copy, target)
    outcome = _run_mutant(copy, target, mutant, timeout, select, fresh=not warm)
    if outcome.status == "survived" and not target.harmless_reason(mutant):
        # Not caught is the verdict that matters, so it is always given by a fresh process running every test: the
        # trace can miss a test that depends on the statement without executing it in its own run (a value cached
        # by an earlier test, a module imported lazily by the first test), and a fork shares its parent's imports.
        # A change recorded harmless needs no such proof: caught or not, it is not open.
        confirmed = _run_mutant(copy, target, mutant, timeout, fresh=True)
        return Outcome(mutant, confirmed.status, outcome.seconds + confirmed.seconds)
    return outcome


def run(
    targets: list[Target],
    *,
    root: Path = ROOT,
    jobs: int = 2,
    limit: int = 0,
    warm: bool = True,
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
                # The unmutated run must pass, or every mutant would look caught. It also records which test
                # executes which line, so each mutant runs only the tests that reach it (mutation_selection).
                copy = copies.get()
                trace_file = Path(scratch) / "trace.json"
                trace_file.unlink(missing_ok=True)
                target_warm = warm
                try:
                    status, report.baseline_seconds = _pytest(copy, target, timeout=1800, trace_to=trace_file)
                    if status == "survived" and warm:
                        # The forks must pass unmutated too, or their every verdict would be "caught" for nothing.
                        _warm_for(copy, target)
                        target_warm = _pytest(copy, target, timeout=1800)[0] == "survived" and copy in _WARM
                        if not target_warm:
                            progress(f"{target.file}: the warm pytest did not pass unmutated; each mutant runs in a new process")
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
                trace, seconds = read_trace(trace_file) if trace_file.exists() else ({}, {})
                for mutant in mutants:
                    select = tests_reaching(trace, statement_lines(source, mutant.line), seconds) if trace else None
                    work = functools.partial(_run_mutant_in, target=target, mutant=mutant, timeout=timeout, select=select, warm=target_warm)
                    pool.submit(with_copy, work).add_done_callback(finished)
        for server in _WARM.values():
            server.close()
        _WARM.clear()
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
        note = f" ({outcome.note})" if outcome.note else ""
        lines.append(f"{mutant.file}:{mutant.line}{where}: {mutant.description}{note}\n    {mutant.mutated_line}{why}")
    if harmless:
        return "\n".join(lines)
    for outcome in report.outcomes:
        if outcome.status == "no tests":
            lines.append(f"{outcome.mutant.file}:{outcome.mutant.line}: {outcome.mutant.description} (no test was collected)")
    return "\n".join(lines)


def markdown(reports: list[Report], summary: str = "") -> str:
    parts = [table(reports), ""]
    if summary:
        parts += [summary, ""]
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
    parser.add_argument("--fresh", action="store_true", help="run every mutant in a new pytest process (slower; no warm fork)")
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
    reports = run(
        targets, jobs=args.jobs, limit=args.limit, warm=not args.fresh, on_done=on_done, progress=lambda line: print(line, flush=True)
    )
    seconds = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage.ru_utime + usage.ru_stime) / 60
    runs = ", ".join(f"{count} in a {how}" for how, count in sorted(RUNS.items()))
    summary = f"Run time: {seconds / 60:.1f} min on {args.jobs} workers ({cpu:.0f} CPU-minutes in the test runs; test runs: {runs})."
    print(f"\n{table(reports)}\n\n{summary}")
    for report in reports:
        text = survivors_text(report)
        if text:
            print(f"\nNot caught in {report.target.file}:\n{text}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(markdown(reports, summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
