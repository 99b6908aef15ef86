"""A warm pytest for scripts/mutation.py: Django and the tests imported once, each mutant run in a fork of it.

Starting pytest costs about 3 s here (Python, Django's setup, every app and test module imported) — as much as
many mutants' tests themselves. So, per copy of the repository and per target, one server process runs pytest's
collection once (which imports everything), then for each mutant:

1. the harness writes the mutant to the file on disk (for anything that imports it afresh: a subprocess, a module
   first imported during a test) and sends a request;
2. the server compiles the file and compares it with the code it loaded. Each function whose code changed gets the
   new code in place (`function.__code__ = ...`), found among every live function object from that file, so a
   reference held anywhere (a `from x import f`, a URL pattern, a signal receiver, a decorator's wrapper) runs the
   mutant. A change the swap cannot carry — at module level or in a class body, which ran at import, or one that
   changes a closure's variables — is answered "fallback", and the harness runs that mutant in a fresh process;
3. the server forks; the child swaps the code, runs pytest on the requested tests and exits with pytest's status.
   The parent never runs a test or opens a database, so every child starts from the same clean state.

Protocol: one JSON object per line. The server says {"ready": ...} once, then answers each request {"args": [...],
"env": {...}} with {"fallback": why} or with {"pid": n} followed, when the child has ended, by {"status": code}.
The harness starts it as `python scripts/mutation_fork.py TARGET_FILE PYTEST_ARG...` in the copy, with the plugins on
PYTHONPATH (WarmPytest, below).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import subprocess
import sys
import time
import types
from collections import defaultdict
from pathlib import Path
from typing import Any


def code_tree(source: str, path: Path) -> dict[str, list[types.CodeType]]:
    """Every code object compiled from `source` (the module, class bodies, functions, nested ones), by qualified name."""
    found: dict[str, list[types.CodeType]] = defaultdict(list)
    _walk(compile(source, str(path), "exec", dont_inherit=True), found)
    return found


def _walk(code: types.CodeType, found: dict[str, list[types.CodeType]]) -> None:
    found[code.co_qualname].append(code)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _walk(const, found)


def _shallow(code: types.CodeType) -> tuple[object, ...]:
    """What a module or class body does when it runs, leaving out the functions it defines (their code is swapped)."""
    consts = tuple((type(c).__name__, c) for c in code.co_consts if not isinstance(c, types.CodeType))
    return (code.co_code, code.co_names, code.co_varnames, consts)


Key = tuple[str, int, bytes]
Plan = list[tuple[list[types.FunctionType], types.CodeType]]


def swap_plan(path: Path, old: dict[str, list[types.CodeType]], loaded: dict[Key, list[types.FunctionType]]) -> Plan | str:
    """The functions to give new code for the file as it is now on disk (`old`: the code it was loaded with), or why
    that cannot carry the change."""
    new = code_tree(path.read_text(), path)
    if set(new) != set(old) or any(len(new[name]) != len(old[name]) for name in old):
        return "the change adds or removes a function"
    plan = []
    for name, codes in old.items():
        for before, after in zip(codes, new[name], strict=True):
            if before == after:
                continue
            functions = loaded.get(_key(before), [])
            if functions:
                plan.append((functions, after))
            # A module or class body (or a function no live object holds) ran at import, before any swap; a
            # nested function, generator expression or lambda is made afresh by its enclosing function, whose
            # code holds the new one.
            elif not any(part in name for part in ("<locals>", "<genexpr>", "<lambda>")) and _shallow(before) != _shallow(after):
                return f"the change is in {name or 'the module'}, which ran at import"
    return plan


def _key(code: types.CodeType) -> Key:
    return (code.co_qualname, code.co_firstlineno, code.co_code)


def live_functions(path: Path) -> dict[Key, list[types.FunctionType]]:
    """Every function object made from the file's code, by its code: module functions, methods, closures, wrappers."""
    found: dict[Key, list[types.FunctionType]] = defaultdict(list)
    name = str(path)
    for thing in gc.get_objects():
        if isinstance(thing, types.FunctionType) and thing.__code__.co_filename == name:
            found[_key(thing.__code__)].append(thing)
    return found


SWAP_REFUSED = 97  # the child's exit status when the new code cannot be put in place


def _say(channel: int, message: dict[str, object]) -> None:
    os.write(channel, (json.dumps(message) + "\n").encode())


def _child(args: list[str], env: dict[str, str], plan: Plan) -> None:
    os.setpgid(0, 0)  # the harness kills the whole group on a timeout
    os.environ.update(env)
    try:
        for functions, code in plan:
            for function in functions:
                function.__code__ = code
    except ValueError:  # a closure's free variables changed: the harness runs it afresh
        os._exit(SWAP_REFUSED)
    import pytest

    status = pytest.main(args)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(status))


def serve(target: str, warm_args: list[str]) -> None:
    channel = os.dup(1)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    sys.path.insert(0, os.getcwd())
    path = Path(target).resolve()
    original = code_tree(path.read_text(), path)
    import pytest

    collected = pytest.main(["--collect-only", "-q", *warm_args])
    loaded = live_functions(path)
    # A target no test module imports is imported afresh, mutant and all, by the child that needs it: nothing to swap.
    imported = any(getattr(module, "__file__", None) == str(path) for module in list(sys.modules.values()))
    _say(channel, {"ready": collected == 0})
    for line in sys.stdin:
        request = json.loads(line)
        plan = swap_plan(path, original, loaded) if imported else []
        if isinstance(plan, str):
            _say(channel, {"fallback": plan})
            continue
        pid = os.fork()
        if pid == 0:
            os.close(channel)
            _child(request["args"], request["env"], plan)
        _say(channel, {"pid": pid})
        _, status = os.waitpid(pid, 0)
        _say(channel, {"status": os.waitstatus_to_exitcode(status)})


# ---------------------------------------------------------------- the harness's side


class WarmPytest:
    """A copy's server for one target file; run() forks it for one pytest run."""

    def __init__(self, copy: Path, target: str, warm_args: list[str], env: dict[str, str]) -> None:
        self.target = target
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, __file__, target, *warm_args],
            cwd=copy,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
            start_new_session=True,
        )
        self.ready = bool(self._read(timeout=600).get("ready"))

    def _read(self, timeout: float | None = None) -> dict[str, Any]:
        assert self.process.stdout is not None
        if timeout is not None and not select.select([self.process.stdout], [], [], timeout)[0]:
            return {}
        line = self.process.stdout.readline()
        return json.loads(line) if line else {}

    def run(self, args: list[str], env: dict[str, str], timeout: float) -> tuple[int | None, float] | None:
        """pytest's exit status (None: killed at the timeout) and the seconds; None when a fresh process must run it."""
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps({"args": args, "env": env}) + "\n").encode())
        answer = self._read()
        if "pid" not in answer:
            return None
        started = time.monotonic()
        ended = self._read(timeout=timeout)
        if not ended:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(answer["pid"], signal.SIGKILL)
            self._read()
            return None, time.monotonic() - started
        return None if ended["status"] == SWAP_REFUSED else (ended["status"], time.monotonic() - started)

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
