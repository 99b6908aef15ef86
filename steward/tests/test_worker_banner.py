"""Stewards are told in the app when the task worker is down (issue #19): reminders, escalations, mail and
enforcement wait for it, and before this only /health/ said so, to whoever polled it.

The heartbeat is the one /health/ reads (steward.tasks): stale or never seen, every steward's page carries the
banner (an admin's says what to run); fresh from a real worker run, none does. A reporter's pages neither show it
nor pay for it.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from steward.models import WorkerHeartbeat
from steward.tasks import ensure_heartbeat

pytestmark = pytest.mark.django_db(transaction=True)  # the fresh beat comes from a real worker (its own transactions)

DOWN = "Background work is not running: reminders, escalations, mail and enforcement are waiting."
TELL = "Tell your administrator."
WHAT_TO_RUN = "systemctl restart 'steward-worker@*'"


def page(client: Client, user: User | None, url: str = "") -> str:
    if user is not None:
        client.force_login(user)
    response = client.get(url or reverse("cases:queue"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def stale(settings: Any) -> None:
    WorkerHeartbeat.objects.create(beat_at=timezone.now() - timedelta(seconds=settings.STEWARD_WORKER_STALE_SECONDS + 60))


def test_a_steward_is_told_when_the_worker_has_not_beaten(stewards: dict[str, User], client: Client, stale: None) -> None:
    html = page(client, stewards["bob"])
    assert DOWN in html and TELL in html
    assert WHAT_TO_RUN not in html, "what to run is for those who run the site"


def test_an_admin_is_told_what_to_run(stewards: dict[str, User], client: Client, stale: None) -> None:
    html = page(client, stewards["alice"])
    assert DOWN in html and WHAT_TO_RUN in html and "python manage.py db_worker" in html
    assert "has not run for several minutes" in html and TELL not in html


def test_a_worker_never_seen_is_news_too(stewards: dict[str, User], client: Client) -> None:
    assert not WorkerHeartbeat.objects.exists()
    assert DOWN in page(client, stewards["bob"])
    assert "No task worker has run on this site yet." in page(client, stewards["alice"])


def test_no_banner_while_the_worker_beats(stewards: dict[str, User], client: Client, stale: None) -> None:
    ensure_heartbeat()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)  # a real worker runs the heartbeat
    html = page(client, stewards["bob"])
    assert DOWN not in html and TELL not in html
    assert DOWN not in page(client, stewards["alice"])


def test_the_banner_costs_a_steward_one_query_and_a_reporter_none(stewards: dict[str, User], client: Client, stale: None) -> None:
    with CaptureQueriesContext(connection) as steward_page:
        assert DOWN in page(client, stewards["bob"])
    assert sum("steward_workerheartbeat" in query["sql"] for query in steward_page.captured_queries) == 1

    client.logout()
    with CaptureQueriesContext(connection) as reporter_page:
        html = page(Client(), None, reverse("intake:report"))
    assert DOWN not in html
    assert not any("steward_workerheartbeat" in query["sql"] for query in reporter_page.captured_queries)
