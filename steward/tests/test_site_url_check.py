"""`check --deploy` refuses a production site whose follow-up links would lead nowhere (issue 19, item 5).

Without SITE_URL every reporter is sent a link to the address gunicorn listens on (127.0.0.1:8000 by default).
The check runs in a fresh process, as an operator runs it: SITE_URL is read when the settings load.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from steward import checks

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "steward.settings",
    "SECRET_KEY": "a-production-secret-key-" + "x" * 40,
    "DEBUG": "false",
}


def check_deploy(**env: str) -> tuple[int, str]:
    """`manage.py check --deploy --fail-level ERROR`: its exit status and what it printed."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "HOST", "PORT", "DEBUG"}}
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=settings.BASE_DIR,
        env={**clean, **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def test_check_deploy_errors_when_site_url_is_not_set() -> None:
    status, output = check_deploy()
    assert status != 0
    assert "steward.E003" in output and "http://127.0.0.1:8000" in output


def test_check_deploy_accepts_a_public_https_site_url() -> None:
    _, output = check_deploy(SITE_URL="https://conduct.example.org")
    assert "steward.E003" not in output and "steward.W005" not in output


@pytest.mark.parametrize(
    "site_url",
    [
        "http://localhost:8000",
        "https://127.0.0.1",
        "https://127.1.2.3:8443",
        "http://[::1]:8000",
        "http://0.0.0.0:8000",
        "https://steward.local",
        "https://coc.localhost",
        "conduct.example.org",
    ],
)
def test_a_local_or_malformed_site_url_is_an_error(settings, site_url: str) -> None:
    settings.DEBUG, settings.SITE_URL, settings.SITE_URL_CONFIGURED = False, site_url, True
    assert "steward.E003" in {problem.id for problem in checks.steward_deploy_checks(None)}


def test_plain_http_is_a_warning_and_debug_is_left_alone(settings) -> None:
    settings.DEBUG, settings.SITE_URL, settings.SITE_URL_CONFIGURED = False, "http://conduct.example.org", True
    ids = {problem.id for problem in checks.steward_deploy_checks(None)}
    assert "steward.W005" in ids and "steward.E003" not in ids
    settings.DEBUG, settings.SITE_URL_CONFIGURED = True, False
    assert not {"steward.E003", "steward.W005"} & {problem.id for problem in checks.steward_deploy_checks(None)}
