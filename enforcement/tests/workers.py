"""Real `manage.py db_worker` processes on the test database, for the tests that need more than this process.

Each worker is its own Python process with its own connection, as in production; the tiny forum's Space is
registered in it (the test serves the forum itself on a loopback socket; its token reaches the worker through
the environment, as every space secret does).
"""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

REGISTER_TINY_FORUM = (
    "import django; django.setup();"
    "from spaces import registry; from enforcement.tests.tiny_space import TinySpace; registry.register(TinySpace);"
    "from django.core.management import call_command;"
)


def database_url() -> str:
    """The test database (the one pytest-django created, not the configured one), as a worker process must reach it."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "steward.settings", "DATABASE_URL": database_url(), **extra}


def boot(*args: str) -> list[str]:
    """The command line of one worker process running `db_worker` with `args`."""
    call = ", ".join(repr(arg) for arg in args)
    return [sys.executable, "-c", REGISTER_TINY_FORUM + f"call_command('db_worker', {call}, verbosity=0)"]


@contextmanager
def running_workers(count: int, **env: str) -> Iterator[list[subprocess.Popen[str]]]:
    """`count` long-running workers polling the queue; stopped with SIGTERM (as systemd stops them) on the way out."""
    workers = [
        subprocess.Popen(
            boot("--no-startup-delay", "--interval", "0.05", "--worker-id", f"test-worker-{n}"),
            cwd=settings.BASE_DIR,
            env=worker_env(**env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    try:
        yield workers
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
