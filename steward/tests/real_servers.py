"""Steward served as production serves it, for the tests about the servers themselves (logs, the proxy).

gunicorn runs with `steward.serving.GUNICORN_ARGS` (the command of `make run` and the docs) on the test
database, in its own process; a browser-like httpx client fills in the real report form (CSRF included).
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from conftest import TEST_AUDIT_KEY
from enforcement.tests.workers import database_url
from steward.serving import GUNICORN_ARGS
from steward.testing import free_port

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REFERENCE = re.compile(r'id="follow-up-reference">([^<]+)<')
CODE = re.compile(r'id="follow-up-code">([^<]+)<')


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_binary(name: str, *also: str) -> str:
    """The binary's path; skips the test when it is missing here, fails in CI (`make system-deps` installs it)."""
    found = shutil.which(name) or next((path for path in also if Path(path).exists()), None)
    if found is None:
        message = f"{name} is not installed (`make system-deps` installs it)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return found


@dataclass
class Served:
    url: str
    port: int
    stdout: Path  # gunicorn's access log (gunicorn.conf.py: accesslog "-")
    stderr: Path  # gunicorn's error log and Django's log
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        stop(self.process)

    def logs(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()


def wait_for(url: str, process: subprocess.Popen[bytes], what: str, log: Path, *, verify: bool = True) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            httpx.get(url, timeout=5, verify=verify)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer at {url}:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers gracefully
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_gunicorn(directory: Path, **env: str) -> Iterator[Served]:
    """gunicorn as `make run` starts it (from the repository, its arguments), on the test database."""
    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "steward.settings",
        "DATABASE_URL": database_url(),
        "STEWARD_EVIDENCE_DIR": str(settings.STEWARD_EVIDENCE_DIR),
        "STEWARD_AUDIT_KEYS": TEST_AUDIT_KEY,
        **env,
    }
    stdout, stderr = directory / "gunicorn.stdout", directory / "gunicorn.stderr"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [gunicorn, *GUNICORN_ARGS, "--bind", f"127.0.0.1:{port}"], cwd=settings.BASE_DIR, env=environment, stdout=out, stderr=err
        )
    served = Served(f"http://127.0.0.1:{port}", port, stdout, stderr, process)
    try:
        wait_for(served.url + "/health/", process, "gunicorn", stderr)
        yield served
    finally:
        served.stop()


def submit_report(browser: httpx.Client, body: str, files: list[tuple[str, bytes, str]] | None = None) -> httpx.Response:
    """What a browser does: load the form (the CSRF cookie and token), then POST it as multipart."""
    form = browser.get("/report/")
    assert form.status_code == 200, form.status_code
    token = CSRF_TOKEN.search(form.text)
    assert token, "the form carries its CSRF token"
    data = {"csrfmiddlewaretoken": token.group(1), "body": body, "anonymous": "on", "website": ""}
    parts = [("evidence", file) for file in files] if files else [("evidence", ("", b"", "application/octet-stream"))]
    return browser.post("/report/", data=data, files=parts, headers={"Referer": str(browser.base_url) + "/report/"})


def receipt(response: httpx.Response) -> tuple[str, str]:
    reference, code = REFERENCE.search(response.text), CODE.search(response.text)
    assert response.status_code == 200 and reference and code, f"no receipt: {response.status_code}"
    return reference.group(1), code.group(1)
