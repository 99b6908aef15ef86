"""HSTS as docs/operations.md describes it: SECURE_HSTS_SECONDS, and subdomains and preload only when asked."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADER = (
    "import django; django.setup(); from django.test import Client;"
    "print(Client().get('/health/', secure=True).headers.get('Strict-Transport-Security', ''))"
)


def hsts_header(database: Path, **env: str) -> str:
    # Its own empty database: /health/ answers 503 there, with the same headers, and touches nothing else.
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SECURE_HSTS")}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    done = subprocess.run(
        [sys.executable, "-c", HEADER],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "steward.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def test_hsts_covers_subdomains_and_asks_for_preload_only_when_configured(tmp_path: Path) -> None:
    database = tmp_path / "empty.sqlite3"
    assert hsts_header(database, SECURE_HSTS_SECONDS="31536000") == "max-age=31536000"
    assert hsts_header(database, SECURE_HSTS_SECONDS="31536000", SECURE_HSTS_INCLUDE_SUBDOMAINS="true", SECURE_HSTS_PRELOAD="true") == (
        "max-age=31536000; includeSubDomains; preload"
    )
