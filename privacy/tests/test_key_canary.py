"""Wrong or missing keys are found at start, not by users: the processes refuse, with a message that says what to do.

The web process is started for real (gunicorn importing steward.wsgi, on the test database); the worker's check is
the function it calls at start; `check --deploy` reports the same. Data is written with key A throughout.
"""

import io
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from conftest import TEST_AUDIT_KEY
from enforcement.tests.workers import database_url
from privacy.canary import CANARY_TEXT, refuse_unless_keys_read
from privacy.models import KeyCanary
from privacy.tests.conftest import KEY_A, KEY_B

PRODUCTION_SECRET = "production-secret-" + "s" * 40
REFUSAL = "Steward refuses to start"
BOOT_LIMIT_S = 120  # a bound on a hung start, not a timing assertion


@pytest.fixture
def key_a(settings: Any) -> Any:
    settings.SECRET_KEY = PRODUCTION_SECRET
    settings.STEWARD_ENCRYPTION_KEYS = KEY_A
    return settings


def server_env(keys: str | None, evidence_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_ENCRYPTION_KEYS")}
    env.update(
        DJANGO_SETTINGS_MODULE="steward.settings",
        DATABASE_URL=database_url(),
        SECRET_KEY=PRODUCTION_SECRET,
        STEWARD_AUDIT_KEYS=TEST_AUDIT_KEY,
        STEWARD_EVIDENCE_DIR=str(evidence_dir),
    )
    if keys is not None:
        env["STEWARD_ENCRYPTION_KEYS"] = keys
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def boot(keys: str | None, evidence_dir: Path) -> tuple[bool, int | None, str]:
    """Start gunicorn with these keys until it answers /health/ (a page that decrypts nothing) or stops by itself.

    Whether it answered, its exit status if it stopped by itself, and its whole log.
    """
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "steward.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    env = server_env(keys, evidence_dir)
    server = subprocess.Popen(command, cwd=django_settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    answered, deadline = False, time.monotonic() + BOOT_LIMIT_S
    try:
        while not answered and server.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5) as response:
                    answered = response.status == 200
            except OSError:  # refused, reset, or slow to answer on a loaded machine (TimeoutError): ask again
                time.sleep(0.1)
    finally:
        status = server.poll()
        if status is None:
            server.terminate()
        log, _ = server.communicate(timeout=BOOT_LIMIT_S)
    return answered, status, log


def refused_to_boot(keys: str | None, evidence_dir: Path) -> str:
    answered, status, log = boot(keys, evidence_dir)
    assert not answered and status == 3, log  # gunicorn's "Worker failed to boot": the master stops
    return log


def serves(keys: str | None, evidence_dir: Path) -> None:
    answered, _status, log = boot(keys, evidence_dir)
    assert answered, log


def assert_says_what_to_do(log: str) -> None:
    assert REFUSAL in log and "STEWARD_ENCRYPTION_KEYS" in log and "docs/operations.md" in log, log
    assert KEY_A not in log and KEY_B not in log, "never key material"


@pytest.mark.django_db(transaction=True)
def test_the_web_process_refuses_to_start_with_a_wrong_key_and_starts_with_the_right_ones(key_a, make_case, tmp_path) -> None:
    make_case()  # a database from before canaries: its stored values are the judge
    log = refused_to_boot(KEY_B, tmp_path)
    assert_says_what_to_do(log)
    assert "Cannot read values already stored" in log and "rotate_keys" in log
    assert not KeyCanary.objects.exists(), "no canary is written with keys that cannot read the database"
    serves(KEY_A, tmp_path)
    assert KeyCanary.objects.get().value == CANARY_TEXT, "the first start wrote the canary with the right key"
    serves(f"{KEY_B},{KEY_A}", tmp_path)  # during a rotation: the new key first, the old one still there
    log = refused_to_boot(KEY_B, tmp_path)  # the old key dropped before rotate_keys ran: the canary says so
    assert_says_what_to_do(log)
    assert "key canary" in log


@pytest.mark.django_db(transaction=True)
def test_the_web_process_refuses_to_start_without_any_key_in_production(tmp_path) -> None:
    log = refused_to_boot(None, tmp_path)
    assert REFUSAL in log and "STEWARD_ENCRYPTION_KEYS is not set" in log, log


def test_a_database_that_cannot_be_reached_is_no_reason_to_refuse(tmp_path) -> None:
    """Not a key problem: the process starts (and serves its 503 health answer) and says it could not check."""
    env = server_env(KEY_A, tmp_path)
    env["DATABASE_URL"] = f"postgres://nobody:nothing@127.0.0.1:{free_port()}/nowhere"
    done = subprocess.run(
        [sys.executable, "-c", "import steward.wsgi; print('imported')"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=BOOT_LIMIT_S,
        check=False,
    )
    assert done.returncode == 0 and "imported" in done.stdout, done.stderr
    assert "Could not check the encryption keys" in done.stderr


@pytest.mark.django_db
def test_the_worker_check_refuses_wrong_or_missing_keys(key_a, make_case) -> None:
    settings = key_a
    make_case()
    settings.STEWARD_ENCRYPTION_KEYS = KEY_B
    with pytest.raises(ImproperlyConfigured, match=REFUSAL) as refused:
        refuse_unless_keys_read()
    assert "none of the configured keys" in str(refused.value) and KEY_B not in str(refused.value)
    assert not KeyCanary.objects.exists()
    settings.STEWARD_ENCRYPTION_KEYS = ""
    with pytest.raises(ImproperlyConfigured, match="STEWARD_ENCRYPTION_KEYS is not set"):
        refuse_unless_keys_read()
    settings.STEWARD_ENCRYPTION_KEYS = KEY_A
    refuse_unless_keys_read()
    assert KeyCanary.objects.get().value == CANARY_TEXT
    settings.STEWARD_ENCRYPTION_KEYS = f"{KEY_B},{KEY_A}"
    refuse_unless_keys_read()
    settings.STEWARD_ENCRYPTION_KEYS = KEY_B
    with pytest.raises(ImproperlyConfigured, match="key canary"):
        refuse_unless_keys_read()


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_refuses_to_start_with_a_wrong_key(key_a, make_case, tmp_path) -> None:
    """`manage.py db_worker` itself (a real process) stops with the message before it takes any task."""
    make_case()
    command = [sys.executable, "manage.py", "db_worker", "--max-tasks", "1", "--interval", "0.1"]
    done = subprocess.run(
        command, cwd=django_settings.BASE_DIR, env=server_env(KEY_B, tmp_path), capture_output=True, text=True, timeout=BOOT_LIMIT_S
    )
    assert done.returncode != 0, done.stdout + done.stderr
    assert_says_what_to_do(done.stderr)
    assert not KeyCanary.objects.exists()


@pytest.mark.django_db
def test_a_fresh_database_gets_its_canary_from_the_first_start(key_a) -> None:
    assert not KeyCanary.objects.exists()
    refuse_unless_keys_read()
    refuse_unless_keys_read()  # the second start reads the first one's canary
    assert KeyCanary.objects.get().value == CANARY_TEXT


def deploy_check_ids() -> set[str]:
    return {problem.id for problem in run_checks(include_deployment_checks=True) if problem.id}


@pytest.mark.django_db
def test_check_deploy_reports_keys_that_cannot_read_the_database(key_a, make_case) -> None:
    settings = key_a
    make_case()
    settings.STEWARD_ENCRYPTION_KEYS = KEY_B
    assert "privacy.E003" in deploy_check_ids()
    assert not KeyCanary.objects.exists(), "the check writes nothing"
    settings.STEWARD_ENCRYPTION_KEYS = KEY_A
    assert "privacy.E003" not in deploy_check_ids()
    refuse_unless_keys_read()
    settings.STEWARD_ENCRYPTION_KEYS = KEY_B
    assert "privacy.E003" in deploy_check_ids()


@pytest.mark.django_db
def test_rotation_moves_the_canary_last_and_check_deploy_tells_an_unfinished_one(key_a, make_case) -> None:
    settings = key_a
    make_case()
    refuse_unless_keys_read()
    settings.STEWARD_ENCRYPTION_KEYS = f"{KEY_B},{KEY_A}"
    ids = deploy_check_ids()
    assert "privacy.W002" in ids and "privacy.E003" not in ids
    call_command("rotate_keys", batch_size=2, stdout=io.StringIO())
    assert "privacy.W002" not in deploy_check_ids()
    settings.STEWARD_ENCRYPTION_KEYS = KEY_B  # the old key removed after rotating: everything starts
    refuse_unless_keys_read()
    assert "privacy.E003" not in deploy_check_ids()


@pytest.mark.django_db
def test_a_canary_first_written_during_a_rotation_does_not_vouch_for_the_new_key_alone(key_a, make_case) -> None:
    settings = key_a
    make_case()
    settings.STEWARD_ENCRYPTION_KEYS = f"{KEY_B},{KEY_A}"  # upgraded mid-rotation: no canary yet, data still on A
    refuse_unless_keys_read()
    assert "privacy.W002" in deploy_check_ids()
    settings.STEWARD_ENCRYPTION_KEYS = KEY_B  # A dropped before rotate_keys ran: refused, as the data needs A
    with pytest.raises(ImproperlyConfigured, match="key canary"):
        refuse_unless_keys_read()
