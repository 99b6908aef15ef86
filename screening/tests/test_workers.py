"""Screening throughput grows with workers: runs spread over idle workers and take their own batches."""

import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections
from django_tasks_db.models import DBTaskResult

from screening.ingest import take_many
from screening.models import Item
from screening.pipeline import BATCH_SIZE, score_pending
from screening.scoring import get_scorer
from screening.tasks import score_items
from screening.tests.scorers import PATH, HeldScorer
from screening.tests.test_ingest import comment
from spaces.models import SpaceConnection

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.fixture
def github(db: Any) -> SpaceConnection:
    return SpaceConnection.objects.create(slug="gh", platform="github", title="GitHub", settings={})


@pytest.fixture
def scorer(settings: Any) -> Iterator[Callable[[str], None]]:
    def use(path: str) -> None:
        settings.STEWARD_SCREENING_SCORER = path
        get_scorer.cache_clear()  # made once per process

    yield use
    get_scorer.cache_clear()


def backlog(connection: SpaceConnection, count: int) -> None:
    take_many(connection, [comment(f"issue_comment:{n}", text=f"Comment {n}") for n in range(count)])
    DBTaskResult.objects.all().delete()  # whatever ingestion queued: the test runs the worker's task itself


@pytest.mark.django_db
def test_a_run_with_a_backlog_queues_a_companion_for_another_worker(github: SpaceConnection, scorer: Callable[[str], None]) -> None:
    scorer(PATH)
    backlog(github, BATCH_SIZE + 1)
    assert score_items.call() == {"scored": BATCH_SIZE + 1}
    companion = DBTaskResult.objects.filter(task_path=score_items.module_path, status="READY")
    assert companion.count() == 1, "an idle worker had a run to pick up while this one scored"
    assert score_items.call() == {"scored": 0}
    assert companion.count() == 1, "nothing left: no further run queued"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (DATABASE_URL): on SQLite one writer takes the batches in turn")
def test_two_workers_scoring_at_once_each_take_their_own_items(github: SpaceConnection, scorer: Callable[[str], None]) -> None:
    scorer("screening.tests.scorers.HeldScorer")
    HeldScorer.arrived.clear()
    HeldScorer.go.clear()
    backlog(github, 20)
    scored: list[int] = []

    def first_worker() -> None:
        try:
            scored.append(score_pending(limit=10, batch_size=10))
        finally:
            connections.close_all()

    first = threading.Thread(target=first_worker, daemon=True)
    first.start()
    assert HeldScorer.arrived.wait(20), "the first worker is scoring its batch"
    try:
        second = score_pending(limit=10, batch_size=10)  # while the first holds its batch
    finally:
        HeldScorer.go.set()
        first.join(30)
    assert second == 10, "the second worker scored items of its own, not waiting for or skipping the first's"
    assert scored == [10]
    assert not Item.objects.filter(scored_at__isnull=True).exists()
