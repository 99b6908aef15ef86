"""The worker outlives a PostgreSQL restart (issue #19): a real `manage.py db_worker` under a real server restarted.

Before, the first "terminating connection due to administrator command" ended the worker for good, and every
reminder, escalation, mail and enforcement waited until someone noticed. Here the test owns a private cluster
(scripts/postgres.sh in a temporary directory, on a free port; never the suite's shared one), migrates it, starts a
worker on it and stops the server for a few seconds while the worker runs a task. The worker must still be alive
afterwards, run the task it held at the outage once more (and only once more, never alongside itself), run the
task queued just before the outage, and one queued after it.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from steward.serving import GUNICORN_ARGS
from steward.tests.worker_tasks import stop_worker

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="restarts a PostgreSQL server under the worker (its own private cluster); runs with the PostgreSQL suite "
    "(make test-postgres), not on SQLite",
)

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "postgres.sh"
DOWN_SECONDS = 6  # long enough for several failed reconnects (1, 2, 4 s) before the server is back


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = directory, port
        self.url = f"postgres://steward:steward@127.0.0.1:{port}/steward"

    def start(self) -> None:
        subprocess.run([str(SCRIPT), "start", str(self.directory), str(self.port)], check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop", str(self.directory), str(self.port)], check=True, capture_output=True, timeout=120)

    def env(self) -> dict[str, str]:
        return {**os.environ, "DJANGO_SETTINGS_MODULE": "steward.settings", "DATABASE_URL": self.url, "LOG_LEVEL": "INFO"}

    def django(self, code: str) -> str:
        """Run `code` in a Django process on this cluster; return what it printed."""
        done = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup()\n{code}"],
            cwd=settings.BASE_DIR,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        reason = "PostgreSQL's server binaries are not installed (make system-deps)"
        if in_ci():
            pytest.fail(f"{reason}: in CI the database-restart test must run")
        pytest.skip(reason)
    directory = Path(tempfile.mkdtemp(prefix="steward-restart-pg-"))
    owned = Cluster(directory, free_port())
    try:
        owned.start()
        migrate = [sys.executable, "manage.py", "migrate", "--no-input"]
        subprocess.run(migrate, cwd=settings.BASE_DIR, env=owned.env(), check=True, capture_output=True, timeout=600)
        yield owned
    finally:
        owned.stop()
        shutil.rmtree(directory, ignore_errors=True)


def wait_until(condition: object, what: str, worker: subprocess.Popen[str], output: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        if worker.poll() is not None:
            raise AssertionError(f"the worker exited (code {worker.returncode}) before {what}:\n{output.read_text()[-3000:]}")
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting until {what}:\n{output.read_text()[-3000:]}")


def test_the_worker_survives_a_postgresql_restart_and_runs_what_was_queued(cluster: Cluster, tmp_path: Path) -> None:
    log, release, output = tmp_path / "ran.log", tmp_path / "release", tmp_path / "worker.out"
    log.touch()

    def ran() -> list[str]:
        return log.read_text().splitlines()

    def enqueue(call: str) -> str:
        return cluster.django(f"from steward.tests.worker_tasks import note, wait_for\nprint({call}.id)").strip()

    options = ["--no-startup-delay", "--interval", "0.2", "--no-reload", "--worker-id", "restart-test"]
    command = [sys.executable, "manage.py", "db_worker", *options]
    with output.open("w") as sink:
        worker = subprocess.Popen(command, cwd=settings.BASE_DIR, env=cluster.env(), stdout=sink, stderr=subprocess.STDOUT, text=True)
    try:
        held = enqueue(f"wait_for.enqueue({str(release)!r}, {str(log)!r}, 'held')")
        wait_until(lambda: "start held" in ran(), "it took the first task", worker, output)
        before = enqueue(f"note.enqueue({str(log)!r}, 'before')")  # waits behind the task in hand

        cluster.stop()  # "terminating connection due to administrator command" for the worker's connection
        release.touch()  # the task in hand ends during the outage: its result cannot be written
        wait_until(lambda: ran().count("end held") == 1, "the task in hand finished", worker, output)
        time.sleep(DOWN_SECONDS)
        assert worker.poll() is None, f"the worker died with the database:\n{output.read_text()[-3000:]}"
        cluster.start()

        after = enqueue(f"note.enqueue({str(log)!r}, 'after')")
        wait_until(lambda: {"before", "after"} <= set(ran()) and ran().count("end held") == 2, "the queued tasks ran", worker, output)
        assert worker.poll() is None, "the worker is still running"

        rows = json.loads(
            cluster.django(
                "import json; from django_tasks_db.models import DBTaskResult\n"
                f"rows = DBTaskResult.objects.filter(pk__in={[held, before, after]!r})\n"
                "print(json.dumps({str(r.id): [r.status, len(r.worker_ids)] for r in rows}))"
            )
        )
    finally:
        stop_worker(worker)

    # The task in hand at the outage ran once more after it, never alongside itself; the others ran once each.
    # (The put-back task keeps its place in the queue: it was queued first, so it runs first.)
    assert ran() == ["start held", "end held", "start held", "end held", "before", "after"]
    assert ran().count("before") == 1 and ran().count("after") == 1
    assert rows == {held: ["SUCCESSFUL", 2], before: ["SUCCESSFUL", 1], after: ["SUCCESSFUL", 1]}
    text = output.read_text()
    assert "lost the database" in text and "answers again" in text, text[-3000:]
    assert worker.returncode == 0, "stopped by SIGTERM, it exited cleanly"


def test_the_web_server_serves_the_first_request_after_a_postgresql_restart(cluster: Cluster, tmp_path: Path) -> None:
    """gunicorn keeps its database connections between requests; after a restart they are dead. Each request checks
    the connection it reuses (CONN_HEALTH_CHECKS) and opens a new one, so no reporter meets a 500 once the database
    is back (before, every kept connection answered one 500 first)."""
    port = free_port()
    env = {**cluster.env(), "STEWARD_EVIDENCE_DIR": str(tmp_path / "evidence")}
    command = [str(Path(sys.executable).parent / "gunicorn"), *GUNICORN_ARGS, "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    output = tmp_path / "gunicorn.out"
    with output.open("w") as sink:
        server = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=sink, stderr=subprocess.STDOUT, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as browser:
            wait_until(lambda: _answers(browser, "/health/"), "gunicorn answered", server, output)
            for _ in range(8):  # every thread of the worker holds a connection now
                assert browser.get("/report/").status_code == 200
            cluster.stop()
            cluster.start()
            statuses = [browser.get("/report/").status_code for _ in range(8)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert statuses == [200] * 8, f"{statuses}\n{output.read_text()[-3000:]}"


def _answers(browser: httpx.Client, path: str) -> bool:
    try:
        return browser.get(path).status_code == 200
    except httpx.HTTPError:
        return False
