"""Tasks for the worker tests: each run leaves a line in a file, so a test sees what ran and how many times.

They live in an importable module because the worker under test is another process: it finds a task by its path.
"""

import signal
import subprocess
import time
from pathlib import Path

from django.db import OperationalError
from django.tasks import task


@task
def note(log: str, label: str) -> str:
    with Path(log).open("a") as out:
        out.write(f"{label}\n")
    return label


@task
def wait_for(release: str, log: str, label: str) -> str:
    """Note the start, wait until the file `release` exists (a test lets the task go), note the end."""
    with Path(log).open("a") as out:
        out.write(f"start {label}\n")
    deadline = time.monotonic() + 300
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    with Path(log).open("a") as out:
        out.write(f"end {label}\n")
    return label


@task
def interrupted_once(log: str, label: str) -> str:
    """Fails the way a lost database fails a task the first time it runs, then works."""
    with Path(log).open("a") as out:
        out.write(f"{label}\n")
    if Path(log).read_text().splitlines().count(label) == 1:
        raise OperationalError("server closed the connection unexpectedly")
    return label


@task
def always_interrupted(log: str, label: str) -> str:
    with Path(log).open("a") as out:
        out.write(f"{label}\n")
    raise OperationalError("server closed the connection unexpectedly")


@task
def broken(log: str, label: str) -> str:
    """A task's own bug: not an interruption, so never retried."""
    with Path(log).open("a") as out:
        out.write(f"{label}\n")
    raise ValueError("a bug in the task")


def stop_worker(worker: "subprocess.Popen[str]") -> None:
    """SIGTERM (it finishes its task and exits), then SIGKILL if it has not within 30 s."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
