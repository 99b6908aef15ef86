"""`manage.py rotate_keys` as an operator runs it: in its own process, output to a pipe, killed midway and run again.

Killed with SIGKILL between two batches (steward.failpoints), a run must already have shown what it did (the lines
are flushed as they are written, not lost in a pipe's buffer), must have lost nothing, and the next run finishes the
job; the audit log says a rotation started and finished, with counts and never a key.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from audit.models import Event
from conftest import TEST_AUDIT_KEY
from enforcement.tests.workers import database_url
from privacy.canary import refuse_unless_keys_read
from privacy.tests.conftest import KEY_A, KEY_B
from privacy.tests.test_rotation import read_everything

pytestmark = pytest.mark.django_db(transaction=True)
LIMIT_S = 300  # a bound on a hung run, not a timing assertion


@pytest.fixture
def key_a(settings: Any) -> Any:
    settings.STEWARD_ENCRYPTION_KEYS = KEY_A
    return settings


def rotate_keys(keys: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        # Not PYTHONUNBUFFERED (set in some shells and CI): an operator's Python buffers a pipe.
        **{k: v for k, v in os.environ.items() if not k.startswith("STEWARD_ENCRYPTION_KEYS") and k != "PYTHONUNBUFFERED"},
        "DJANGO_SETTINGS_MODULE": "steward.settings",
        "DATABASE_URL": database_url(),
        "STEWARD_AUDIT_KEYS": TEST_AUDIT_KEY,
        "STEWARD_EVIDENCE_DIR": str(django_settings.STEWARD_EVIDENCE_DIR),
        "STEWARD_ENCRYPTION_KEYS": keys,
        **env,
    }
    command = [sys.executable, "manage.py", "rotate_keys", "--batch-size", "1"]
    # stdout is a pipe, as under systemd, nohup or `| tee`: block-buffered unless the command flushes.
    return subprocess.run(
        command,
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=LIMIT_S,
        check=False,
    )


def test_killed_midway_it_has_shown_its_progress_and_the_next_run_finishes(key_a, make_case, tmp_path: Path) -> None:
    settings = key_a
    case = make_case()
    make_case(body="A second report, so there is more than one batch everywhere")  # the same file: one blob
    marker = tmp_path / "failpoint"
    marker.write_text("rotate-keys-batch")

    killed = rotate_keys(f"{KEY_B},{KEY_A}", STEWARD_FAILPOINT_FILE=str(marker))
    assert killed.returncode == -9, killed.stderr
    lines = killed.stdout.splitlines()
    assert lines[0] == "Re-encrypting with the newest of 2 configured key(s), 1 rows a batch.", killed.stdout
    assert lines[-1].endswith(": 1 row(s) read, 1 re-encrypted so far"), "the batch it committed was shown before the kill"
    assert [e.kind for e in Event.objects.filter(kind__startswith="keys.")] == ["keys.rotation_started"]
    settings.STEWARD_ENCRYPTION_KEYS = KEY_B
    with pytest.raises(Exception, match="Steward refuses to start"):
        refuse_unless_keys_read()  # an unfinished rotation: the new key alone is not enough yet, and the processes say so

    finished = rotate_keys(f"{KEY_B},{KEY_A}")
    assert finished.returncode == 0, finished.stderr
    assert "Everything is encrypted with the newest key" in finished.stdout
    first_model = lines[-1].split(":")[0]
    assert f"{first_model}: 1 row(s) read, 0 re-encrypted so far" in finished.stdout, "it went on where the killed run stopped"
    assert "cases.Report: 2 row(s) re-encrypted" in finished.stdout and "evidence files: 1 re-encrypted" in finished.stdout
    read_everything(case.pk)
    refuse_unless_keys_read()  # the old key can go now

    events = list(Event.objects.filter(kind__startswith="keys.").order_by("id"))
    assert [e.kind for e in events] == ["keys.rotation_started", "keys.rotation_started", "keys.rotated"]
    done = events[-1]
    assert done.actor_label == "operator" and done.data["keys"] == 2
    assert done.data["counts"]["cases.Report"] == 2 and done.data["counts"]["evidence files"] == 1
    assert done.data["counts"]["privacy.KeyCanary"] == 1, "the canary moved last"
    for text in [killed.stdout, killed.stderr, finished.stdout, finished.stderr, *(str(e.data) + e.summary for e in events)]:
        assert KEY_A not in text and KEY_B not in text
