"""The webhook endpoint as platforms really use it: retries of a delivery already taken are answered 2xx and change
nothing (a bad signature is still refused), and each platform's largest delivery is read (GitHub: 25 MB)."""

import logging
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from spaces.github.fake import FakeGitHub
from spaces.models import WebhookDelivery
from spaces.slack.fake import ADMIN_TOKEN, BOT_TOKEN, FakeSlack
from spaces.testing import make_connection

pytestmark = pytest.mark.django_db

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MIB = 1024 * 1024


def hook(slug: str) -> str:
    return reverse("spaces:webhook", kwargs={"slug": slug})


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> FakeSlack:
    workspace = FakeSlack()
    make_connection(
        monkeypatch,
        "slack",
        slug="acme-slack",
        settings={"api_url": "http://127.0.0.1:9", "team_id": workspace.team_id},
        secrets={"bot_token": BOT_TOKEN, "admin_token": ADMIN_TOKEN, "signing_secret": SLACK_SECRET},
    )
    return workspace


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    fake = FakeGitHub()
    make_connection(
        monkeypatch,
        "github",
        slug="acme-gh",
        settings={"org": "acme", "api_url": "http://127.0.0.1:9"},
        secrets={"token": fake.token, "webhook_secret": fake.webhook_secret},
    )
    return fake


def slack_post(client: Client, delivery: Any, **headers: str) -> Any:
    return client.post(hook("acme-slack"), delivery.body, content_type=delivery.content_type, headers={**delivery.headers, **headers})


def test_slacks_retry_of_a_taken_event_is_answered_2xx_and_taken_once(client: Client, slack: FakeSlack, caplog: Any) -> None:
    event = slack.message_event("C0RANDOM1", "U012AB3CD", "hello", "1700000000.000100")
    first = slack.event(event, SLACK_SECRET, event_id="Ev0RETRY01")
    assert slack_post(client, first).status_code == 200
    # Slack's retry: the same event, signed again a little later, with the retry's number and reason.
    retry = slack.event(event, SLACK_SECRET, event_id="Ev0RETRY01")
    with caplog.at_level(logging.INFO, logger="steward.spaces"):
        answer = slack_post(client, retry, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert answer.status_code == 200
    assert WebhookDelivery.objects.get().delivery_id == "Ev0RETRY01"
    assert "webhook duplicate: connection=acme-slack delivery=Ev0RETRY01 retry=1" in [r.getMessage() for r in caplog.records]
    # A replay that is not signed with the signing secret is still refused, before anything is looked up.
    forged = slack.event(event, "not-the-signing-secret", event_id="Ev0RETRY01")
    assert slack_post(client, forged, **{"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"}).status_code == 401


def test_githubs_redelivery_is_answered_2xx_and_taken_once(client: Client, github: FakeGitHub) -> None:
    issue = github.add_issue("acme/app", "mallory", title="Why", body="slow")
    event, payload = github.issue_payload(issue)
    body, headers = github.signed(event, payload, delivery="2c3f6a10-0000-11ef-8000-000000000001")
    assert client.post(hook("acme-gh"), body, content_type="application/json", headers=headers).status_code == 204
    # "Redeliver" in the webhook's Recent Deliveries sends the same body under the same X-GitHub-Delivery.
    again = client.post(hook("acme-gh"), body, content_type="application/json", headers=headers)
    assert 200 <= again.status_code < 300
    assert WebhookDelivery.objects.count() == 1
    _body, forged = github.signed(event, payload, delivery="2c3f6a10-0000-11ef-8000-000000000001", secret="not-the-secret")
    assert client.post(hook("acme-gh"), body, content_type="application/json", headers=forged).status_code == 401


def test_a_github_push_of_several_megabytes_is_read(client: Client, github: FakeGitHub) -> None:
    # Above STEWARD_WEBHOOK_MAX_BYTES (1 MiB) and Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), below GitHub's 25 MB.
    long_message = "Vendor the generated tables\n\n" + "x" * (160 * 1024)
    commits = [github.add_commit("acme/app", "mallory", f"{long_message} {n}") for n in range(20)]
    body, headers = github.signed("push", github.push_payload(commits))
    assert len(body) > 3 * MIB
    answer = client.post(hook("acme-gh"), body, content_type="application/json", headers=headers)
    assert answer.status_code == 204
    assert WebhookDelivery.objects.get().events == 20


def test_githubs_limit_is_25_megabytes_and_other_platforms_keep_theirs(client: Client, github: FakeGitHub, slack: FakeSlack) -> None:
    body, headers = github.signed("ping", github.ping_payload())
    over = {"CONTENT_LENGTH": str(25 * MIB + 1)}  # declared: refused before a byte is read
    assert client.post(hook("acme-gh"), body, content_type="application/json", headers=headers, **over).status_code == 413
    event = slack.message_event("C0RANDOM1", "U012AB3CD", "x" * (MIB + 10), "1700000000.000100")
    assert slack_post(client, slack.event(event, SLACK_SECRET)).status_code == 413
    assert not WebhookDelivery.objects.exists()
