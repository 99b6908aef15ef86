"""Backfill N comments from a served fake GitHub, SIGKILL the run halfway, resume it, check nothing twice or missed.

    .venv/bin/python scripts/backfill_benchmark.py [N]      (default 100000)

Uses a throw-away SQLite database (its own temporary directory) and the real `screening_backfill` command in a
subprocess, so the kill is a real one (no cleanup, no rollback). Prints items/s for each leg. The fake GitHub
serves from this process; its own cost (it filters and sorts every comment on every page) is in the figures.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="steward-backfill-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
os.environ["TASKS_BACKEND"] = "django.tasks.backends.dummy.DummyBackend"  # measure storing, not scoring

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from screening.models import Item  # noqa: E402
from spaces.github.fake import FakeGitHub  # noqa: E402
from spaces.models import SpaceConnection  # noqa: E402
from spaces.secrets import env_name  # noqa: E402

SLUG = "bench"
READ = re.compile(r"(\d+) items read")
COMMAND = [sys.executable, str(ROOT / "manage.py"), "screening_backfill", "--connection", SLUG, "--since", "2025-01-01"]


def leg(env: dict[str, str], kill_at: int | None) -> tuple[float, str]:
    started = time.monotonic()
    process = subprocess.Popen(COMMAND, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)  # noqa: S603 - our own command
    assert process.stderr is not None and process.stdout is not None
    for line in process.stderr:
        found = READ.search(line)  # "[####----] part 1/6 acme/app:issue_comment · 45000 items read, …"
        read = int(found.group(1)) if found else 0
        if kill_at is not None and read >= kill_at:
            process.kill()  # SIGKILL: what a power cut does
            break
    process.wait()
    return time.monotonic() - started, process.stdout.read().strip()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    call_command("migrate", verbosity=0)
    fake = FakeGitHub()
    issues = [fake.add_issue("acme/app", f"opener{n}") for n in range(20)]
    start = datetime(2025, 6, 1, tzinfo=UTC)
    for n in range(count):
        fake.add_comment(issues[n % 20], f"user{n % 500}", f"synthetic comment {n}", created_at=start + timedelta(seconds=n))
    with fake.serve() as url:
        SpaceConnection.objects.create(
            slug=SLUG, platform="github", title="Bench", settings={"org": "acme", "api_url": url, "repositories": ["acme/app"]}
        )
        env = dict(os.environ) | {env_name(SLUG, "token"): fake.token, env_name(SLUG, "webhook_secret"): fake.webhook_secret}
        first, _ = leg(env, kill_at=count // 2)
        stored_at_kill = Item.objects.count()
        print(f"killed after {first:.1f} s with {stored_at_kill} items stored ({stored_at_kill / first:.0f} items/s, start-up included)")
        second, summary = leg(env, kill_at=None)
        print(f"resumed: {summary}")
        print(f"resume leg {second:.1f} s, {(count - stored_at_kill) / second:.0f} new items/s (start-up included)")
    ids = list(Item.objects.filter(external_id__startswith="issue_comment:").values_list("external_id", flat=True))
    assert len(ids) == len(set(ids)) == count, (len(ids), len(set(ids)), count)
    assert Item.objects.count() == count + len(issues)  # and the issues' opening posts, once each
    print(f"OK: {count} items, no duplicates, none missing; total {first + second:.1f} s, {count / (first + second):.0f} items/s")


if __name__ == "__main__":
    main()
