"""What the container image and compose.yaml rely on, checked without a container runtime (docs/container.md).

The image itself is built and run by `make test-image` (scripts/test_image.py); these are the pieces of Steward it
leans on: the worker container's health check (`manage.py health`), /health/ answering plain-HTTP probes when every
other page redirects to HTTPS, the database password read from the secret file the database container also reads,
and static files collected outside the data volume.
"""

import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from steward.models import WorkerHeartbeat

ROOT = Path(settings.BASE_DIR)


def settings_in_a_new_process(env: dict[str, str], expression: str) -> str:
    """The value of `expression` over django.conf.settings in a fresh process with this environment."""
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "steward.settings", **env}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True, timeout=120)
    return done.stdout.strip()


@pytest.mark.django_db
def test_manage_py_health_fails_the_worker_container_until_a_worker_beats() -> None:
    with pytest.raises(CommandError) as never:
        call_command("health", stdout=StringIO())
    assert never.value.returncode == 1 and "db_worker" in str(never.value)
    WorkerHeartbeat.objects.create(beat_at=timezone.now() - timedelta(seconds=settings.STEWARD_WORKER_STALE_SECONDS + 60))
    with pytest.raises(CommandError):
        call_command("health", stdout=StringIO())
    WorkerHeartbeat.objects.update(beat_at=timezone.now())
    out = StringIO()
    call_command("health", stdout=out)
    assert '"worker": "ok"' in out.getvalue()


def test_manage_py_health_says_when_there_is_no_database(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'nothing-here.sqlite3'}"}
    done = subprocess.run([sys.executable, "manage.py", "health"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "database unavailable" in done.stderr


@pytest.mark.django_db
def test_health_answers_a_plain_http_probe_while_pages_redirect_to_https(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/report/").status_code == 301
    assert client.get("/health/").status_code == 200


def test_the_database_password_comes_from_its_own_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "db_password"
    secret.write_text("s3cret-from-a-file\n")
    env = {"DATABASE_URL": "postgres://steward@db:5432/steward", "DATABASE_PASSWORD_FILE": str(secret)}
    assert settings_in_a_new_process(env, 'settings.DATABASES["default"]["PASSWORD"]') == "s3cret-from-a-file"
    env = {"DATABASE_URL": "postgres://steward:in-the-url@db:5432/steward"}
    assert settings_in_a_new_process(env, 'settings.DATABASES["default"]["PASSWORD"]') == "in-the-url"


def test_static_files_can_live_outside_the_data_volume(tmp_path: Path) -> None:
    env = {"STEWARD_VAR_DIR": str(tmp_path / "volume"), "STEWARD_STATIC_ROOT": "/opt/steward/static"}
    assert settings_in_a_new_process(env, "settings.STATIC_ROOT") == "/opt/steward/static"
    assert settings_in_a_new_process({"STEWARD_VAR_DIR": str(tmp_path)}, "settings.STATIC_ROOT") == str(tmp_path / "staticfiles")


def test_the_image_gets_run_time_packages_only() -> None:
    """The Containerfile installs requirements.lock, which holds no test or lint tool (those are requirements-dev.lock)."""
    runtime = {line.split("==")[0].lower() for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line}
    development = {line.split("==")[0].lower() for line in (ROOT / "requirements-dev.lock").read_text().splitlines() if "==" in line}
    assert {"django", "gunicorn", "psycopg", "onnxruntime"} <= runtime
    assert not runtime & {"pytest", "playwright", "ruff", "mypy", "hypothesis", "aiosmtpd"}
    assert {"pytest", "playwright", "ruff", "mypy"} <= development and not runtime & development
    instructions = [line for line in (ROOT / "Containerfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    installed = " ".join(instructions)
    assert "--requirement /opt/steward/requirements.lock" in installed and "requirements-dev" not in installed


def test_a_console_mail_backend_sends_while_the_smtp_settings_are_still_set() -> None:
    """compose.yaml sets EMAIL_HOST, EMAIL_PORT and EMAIL_USE_TLS; choosing the console backend must still send
    (Django refuses options a backend does not take: every mail task failed)."""
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": "587",
        "EMAIL_USE_TLS": "true",
    }
    sent = settings_in_a_new_process(
        env, '__import__("django.core.mail").core.mail.send_mail("Hello", "body", "a@example.org", ["b@example.org"])'
    )
    assert sent.endswith("1"), sent
