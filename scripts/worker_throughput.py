"""Screening throughput with 1, 2, 3 … `db_worker` processes on one PostgreSQL database.

    DATABASE_URL=postgres://steward:steward@127.0.0.1:54359/steward \
        .venv/bin/python scripts/worker_throughput.py [--items 3000] [--workers 1,2,3]

For each worker count: a fresh backlog of N comments is stored through the real ingestion (`take_many`, which
queues one scoring run, as a poll or a backfill does), then that many real `manage.py db_worker` processes are
started and the clock runs until every item is scored. The scorer is the shipped model (DefaultScorer), loaded
by each worker on its first batch. Two figures per run: the wall time from starting the workers (start-up and
model load included) and the steady rate between the first and the last batch scored.

It works in its own database beside the one DATABASE_URL names (`<name>_worker_bench`, dropped and made
again), so it never touches real data. The figures depend on the machine's free cores: say how many there were.
`STEWARD_SCREENING_THREADS=1` in the environment gives each worker one encoder thread (operations.md).
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dj_database_url  # noqa: E402
import psycopg  # noqa: E402

SLUG = "bench"


def bench_database(url: str) -> str:
    """Drop and create `<name>_worker_bench` on the server of `url`; return its URL."""
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("DATABASE_URL must name a PostgreSQL database: several workers on SQLite take its one write lock in turn.")
    name = f"{config['NAME']}_worker_bench"
    admin = psycopg.connect(
        host=config["HOST"] or "127.0.0.1", port=config["PORT"] or 5432, user=config["USER"], password=config["PASSWORD"], dbname="postgres"
    )
    admin.autocommit = True
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--workers", default="1,2,3")
    args = parser.parse_args()
    url = bench_database(os.environ.get("DATABASE_URL", ""))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Max, Min
    from django_tasks_db.models import DBTaskResult

    from screening.ingest import take_many
    from screening.models import Flag, Item
    from spaces.base import Item as SpaceItem
    from spaces.models import SpaceConnection

    call_command("migrate", verbosity=0)
    space = SpaceConnection.objects.create(slug=SLUG, platform="github", title="Bench", settings={})
    texts = [
        "Thanks for the patch, the tests pass on my machine now.",
        "Could you rebase this on main? The CI config changed last week.",
        "You are an idiot and nobody here wants your code.",
        "Call me at +1 415 555 0134 if the release is blocked again.",
        "I disagree with this design; the cache should live in the client.",
    ]
    threads = os.environ.get("STEWARD_SCREENING_THREADS", "0")
    print(
        f"{args.items} items per run; {os.cpu_count()} CPU cores; load average {os.getloadavg()[0]:.1f} at start; "
        f"STEWARD_SCREENING_THREADS={threads}"
    )
    print("| workers | wall (s, from start) | items/s (wall) | items/s (first to last batch) | items scored by each worker |")
    print("|---|---|---|---|---|")
    for workers in [int(count) for count in args.workers.split(",")]:
        Flag.objects.all().delete()
        Item.objects.all().delete()
        DBTaskResult.objects.all().delete()
        with transaction.atomic():  # as a poll stores what it read: one scoring run queued on commit
            comments = [
                SpaceItem(
                    external_id=f"issue_comment:{n}",
                    author=(f"user{n % 97}",),
                    text=f"{texts[n % len(texts)]} (#{n})",
                    kind="issue_comment",
                )
                for n in range(args.items)
            ]
            take_many(space, comments)
        env = {**os.environ, "DATABASE_URL": url}
        command = [sys.executable, str(ROOT / "manage.py"), "db_worker", "--no-startup-delay", "--interval", "0.1", "--no-reload"]
        started = time.monotonic()
        processes = [
            subprocess.Popen(  # noqa: S603 - our own command
                [*command, "--worker-id", f"bench-{n}"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            for n in range(workers)
        ]
        try:
            while Item.objects.filter(scored_at__isnull=True).exists():
                if any(process.poll() is not None for process in processes):
                    sys.exit("a worker stopped")
                time.sleep(0.2)
            wall = time.monotonic() - started
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
        span = Item.objects.aggregate(first=Min("scored_at"), last=Max("scored_at"))
        batches = Item.objects.values("scored_at").distinct().count()
        steady = (span["last"] - span["first"]).total_seconds()
        # scored_at is the start of each batch's transaction: the last batch's own time is not in the span.
        rate = args.items * (batches - 1) / batches / steady if steady > 0 else float("nan")
        share: dict[str, int] = {}
        for run in DBTaskResult.objects.filter(task_path="screening.tasks.score_items", status="SUCCESSFUL"):
            for worker in run.worker_ids:
                share[worker] = share.get(worker, 0) + int((run.return_value or {}).get("scored", 0))
        split = " / ".join(str(share[worker]) for worker in sorted(share))
        print(f"| {workers} | {wall:.1f} | {args.items / wall:.0f} | {rate:.0f} | {split} |", flush=True)
        connection.close()


if __name__ == "__main__":
    main()
