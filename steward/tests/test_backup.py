"""`manage.py backup` and `manage.py restore`: one archive, put back into an empty database and evidence directory.

The restore and the checks after it run as separate processes on a new database (a new SQLite file, or a new
PostgreSQL database on the same server), as an operator restores onto a fresh machine: the follow-up link a
reporter holds must open their report there, and the evidence file must read back byte for byte.
"""

import io
import json
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from cases.evidence import check_upload
from conftest import TEST_AUDIT_KEY
from enforcement.tests.workers import database_url, worker_env
from intake.actions import Submission, do_submit_report

pytestmark = pytest.mark.django_db(transaction=True)

EVIDENCE = b"[09:12] someone: I know where you live\n"
CHECK = """
import json, sys, django
django.setup()
from django.test import Client
from cases.evidence import read_blob
from cases.models import Evidence
reference, secret = sys.argv[1], sys.argv[2]
page = Client().get(f"/follow-up/{reference}/{secret}/", follow=True)
blob = read_blob(Evidence.objects.get().sha256)
print(json.dumps({"status": page.status_code, "page": page.content.decode(), "evidence": blob.decode()}))
"""


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database beside the test database."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url().rsplit("/", 1)[0] + f"/{name}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_backup_then_restore_into_an_empty_site(stewards: Any, tmp_path: Path, empty_database: str) -> None:
    receipt = do_submit_report(
        Submission(body="Backed up: a threat in the chat.", files=[check_upload(SimpleUploadedFile("chat.txt", EVIDENCE))])
    )
    archive = tmp_path / "backup.tar.gz"
    out = io.StringIO()
    call_command("backup", str(archive), stdout=out)
    assert "1 evidence files" in out.getvalue() and archive.stat().st_mode & 0o077 == 0

    env = worker_env(
        DATABASE_URL=empty_database, STEWARD_EVIDENCE_DIR=str(tmp_path / "restored-evidence"), STEWARD_AUDIT_KEYS=TEST_AUDIT_KEY
    )
    restored = manage("restore", str(archive), env=env)
    assert restored.returncode == 0, restored.stderr
    assert "Every file matched its hash; the audit chain verifies" in restored.stdout

    checked = subprocess.run(
        [sys.executable, "-c", CHECK, receipt.reference, receipt.secret],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    result = json.loads(checked.stdout.strip().splitlines()[-1])
    assert result["status"] == 200 and "Backed up: a threat in the chat." in result["page"]
    assert result["evidence"] == EVIDENCE.decode()
    verified = manage("verify_audit", env=env)
    assert verified.returncode == 0 and "Audit chain intact" in verified.stdout

    # Never over a site that has data.
    again = manage("restore", str(archive), env=env)
    assert again.returncode != 0 and "not empty" in again.stderr


def test_a_damaged_archive_is_refused_before_anything_is_written(stewards: Any, tmp_path: Path, empty_database: str) -> None:
    do_submit_report(Submission(body="Backed up.", files=[check_upload(SimpleUploadedFile("chat.txt", EVIDENCE))]))
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            content = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("evidence/"):
                content = content[:-1] + bytes([content[-1] ^ 1])
            target.addfile(member, io.BytesIO(content))
    evidence_dir = tmp_path / "restored-evidence"
    env = worker_env(DATABASE_URL=empty_database, STEWARD_EVIDENCE_DIR=str(evidence_dir), STEWARD_AUDIT_KEYS=TEST_AUDIT_KEY)
    refused = manage("restore", str(damaged), env=env)
    assert refused.returncode != 0 and "does not match its SHA-256" in refused.stderr
    assert not evidence_dir.exists()
