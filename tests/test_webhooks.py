"""The webhook endpoint end to end: a signed delivery over HTTP becomes cases, alerts and review items once;
anything not genuine, fresh and well-formed is refused with one clear log line and changes nothing."""

import json
import logging
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import Event
from cases.models import Case, Channel, PartyRole, Report
from enforcement.models import ModeratorAction, ReviewStatus, WatchAlert
from people.models import Identity, Space
from spaces.models import WebhookDelivery
from spaces.tests.helpers import SECRET, hook_connection, item, post_hook, sanctioned
from steward.testing import text_of

pytestmark = pytest.mark.django_db

REPORT = {
    "type": "report",
    "reporter": ["rita-gh", "4021"],
    "reporter_name": "Rita",
    "note": "He keeps doing this in every thread.",
    "item": item("c-77", text="You are a WEBHOOK-TEXT idiot", addressed=()),
}


def nothing_changed() -> bool:
    return not (
        Case.objects.exists() or WebhookDelivery.objects.exists() or WatchAlert.objects.exists() or ModeratorAction.objects.exists()
    )


def refusals(caplog: Any) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "steward.spaces" and r.getMessage().startswith("webhook refused")]


def test_a_reported_message_becomes_a_case_the_reporter_can_follow(client: Client, monkeypatch: Any, stewards: Any) -> None:
    hook_connection(monkeypatch)
    response = post_hook(client, "acme-test", [REPORT])
    assert response.status_code == 200
    answer = response.json()["reports"][0]
    report = Report.objects.get(reference=answer["reference"])
    assert report.channel == Channel.SPACE and not report.anonymous
    assert "You are a WEBHOOK-TEXT idiot" in report.body and "He keeps doing this" in report.body
    assert report.reporter_other_contact == "rita-gh on Acme acme-test"
    assert report.link == "https://example.org/acme/issues/1#c-77"
    roles = {party.role: party.person for party in report.case.parties.all()}
    assert Identity.objects.get(space=Space.GITHUB, handle="ivan-gh").person == roles[PartyRole.REPORTED]
    # Both of the reporter's handles now lead to the same person.
    assert Identity.objects.get(space=Space.GITHUB, handle="4021").person == roles[PartyRole.REPORTER]
    # The secret link in the answer opens the reporter's portal.
    assert answer["follow_up"].startswith("http")
    portal = client.get(urlsplit(answer["follow_up"]).path, follow=True)  # it opens the page, then leads there
    assert portal.status_code == 200 and b"He keeps doing this" in portal.content
    assert WebhookDelivery.objects.get().events == 1


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        ({"secret": "not-the-secret"}, 401, "bad signature"),
        ({"delivery": ""}, 400, "no delivery id"),
    ],
)
def test_a_delivery_that_is_not_genuine_is_refused_with_one_log_line(
    client: Client, monkeypatch: Any, caplog: Any, change: dict[str, str], status: int, reason: str
) -> None:
    hook_connection(monkeypatch)
    with caplog.at_level(logging.INFO):
        response = post_hook(client, "acme-test", [REPORT], **change)
    assert response.status_code == status
    assert refusals(caplog) == [f'webhook refused: connection=acme-test status={status} reason="{reason}"']
    assert not [record for record in caplog.records if record.name == "django.request"], "one line, not Django's second one"
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "WEBHOOK-TEXT" not in logged and SECRET not in logged and "not-the-secret" not in logged
    assert nothing_changed()


def test_a_malformed_payload_is_refused(client: Client, monkeypatch: Any, caplog: Any) -> None:
    hook_connection(monkeypatch)
    body = b'{"events": [{"type": "content"}'
    from spaces.tests.fake_space import sign

    response = client.post(
        reverse("spaces:webhook", kwargs={"slug": "acme-test"}),
        body,
        content_type="application/json",
        headers={"X-Test-Delivery": "d-9", "X-Test-Signature": sign(SECRET, body)},
    )
    assert response.status_code == 400 and response.content == b"malformed payload"
    assert len(refusals(caplog)) == 1
    assert nothing_changed()


def test_a_delivery_taken_before_is_answered_2xx_and_changes_nothing(client: Client, monkeypatch: Any, caplog: Any, stewards: Any) -> None:
    hook_connection(monkeypatch)
    assert post_hook(client, "acme-test", [REPORT], delivery="gh-1").status_code == 200
    with caplog.at_level(logging.INFO):
        again = post_hook(client, "acme-test", [REPORT], delivery="gh-1")
    # A platform's retry: any answer but 2xx is a failure to it (Slack switches events off after repeated ones).
    assert again.status_code == 200 and again.content == b"Already taken."
    assert refusals(caplog) == []
    assert "webhook duplicate: connection=acme-test delivery=gh-1 retry=-" in [r.getMessage() for r in caplog.records]
    assert Case.objects.count() == 1 and WebhookDelivery.objects.count() == 1


def test_the_same_delivery_id_on_another_connection_is_not_a_replay(client: Client, monkeypatch: Any, stewards: Any) -> None:
    hook_connection(monkeypatch)
    hook_connection(monkeypatch, slug="other-test")
    assert post_hook(client, "acme-test", [REPORT], delivery="same").status_code == 200
    assert post_hook(client, "other-test", [REPORT], delivery="same").status_code == 200
    assert Case.objects.count() == 2


def test_unknown_and_disabled_connections_are_not_found(client: Client, monkeypatch: Any) -> None:
    hook_connection(monkeypatch, slug="off-test", enabled=False)
    assert post_hook(client, "nobody", [REPORT]).status_code == 404
    assert post_hook(client, "off-test", [REPORT]).status_code == 404
    assert client.get(reverse("spaces:webhook", kwargs={"slug": "off-test"})).status_code == 405
    assert nothing_changed()


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: Client, monkeypatch: Any, settings: Any, caplog: Any) -> None:
    hook_connection(monkeypatch)
    settings.STEWARD_WEBHOOK_MAX_BYTES = 2000
    response = post_hook(client, "acme-test", [{**REPORT, "note": "x" * 5000}])
    assert response.status_code == 413
    assert refusals(caplog) == ['webhook refused: connection=acme-test status=413 reason="body too large"']
    assert nothing_changed()


def test_a_missing_signing_secret_is_the_operators_to_know_not_the_callers(client: Client, monkeypatch: Any, caplog: Any) -> None:
    connection = hook_connection(monkeypatch)
    monkeypatch.delenv("STEWARD_SPACE_ACME_TEST_SECRET")
    response = post_hook(client, connection.slug, [REPORT])
    # The anonymous caller gets what an unknown connection gets: a bare 404, no variable name, no reason.
    assert response.status_code == 404 and response.content == b"Not found."
    logged = [r for r in caplog.records if r.name == "steward.spaces" and r.levelname == "ERROR"]
    assert len(logged) == 1 and "STEWARD_SPACE_ACME_TEST_SECRET" in logged[0].getMessage()
    assert nothing_changed()


def test_a_space_that_gives_no_delivery_id_is_refused(client: Client, monkeypatch: Any) -> None:
    from spaces.base import Inbound
    from spaces.tests.fake_space import HookSpace

    hook_connection(monkeypatch)
    monkeypatch.setattr(HookSpace, "parse_webhook", lambda self, request: Inbound(delivery_id="", events=()))
    assert post_hook(client, "acme-test", [REPORT]).status_code == 400
    assert nothing_changed()


def test_an_immediate_answer_is_given_and_the_delivery_recorded(client: Client, monkeypatch: Any) -> None:
    hook_connection(monkeypatch)
    response = post_hook(client, "acme-test", [], immediate={"challenge": "abc"})
    assert response.status_code == 200 and response.json() == {"challenge": "abc"}
    assert WebhookDelivery.objects.get().events == 0


def test_an_unknown_event_is_ignored_with_a_log_line(client: Client, monkeypatch: Any, caplog: Any) -> None:
    hook_connection(monkeypatch)
    with caplog.at_level(logging.INFO, logger="steward.spaces"):
        response = post_hook(client, "acme-test", [{"type": "odd"}])
    assert response.status_code == 204
    assert "inbound event ignored: connection=acme-test kind=OddEvent" in caplog.text


def test_a_delivery_that_fails_halfway_is_not_kept_and_its_retry_is_taken(client: Client, monkeypatch: Any, stewards: Any) -> None:
    hook_connection(monkeypatch)
    import enforcement.watching

    def broken(*args: Any) -> None:
        raise RuntimeError("database trouble")

    client.raise_request_exception = False
    with monkeypatch.context() as patched:
        patched.setattr(enforcement.watching, "check_content", broken)
        assert post_hook(client, "acme-test", [REPORT, {"type": "content", "item": item()}], delivery="d-x").status_code == 500
    assert nothing_changed(), "the report of the first event is rolled back with the delivery"
    assert post_hook(client, "acme-test", [REPORT, {"type": "content", "item": item()}], delivery="d-x").status_code == 200
    assert Case.objects.count() == 1


def test_a_no_contact_breach_alerts_the_stewards_once(
    client: Client, monkeypatch: Any, stewards: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    hook_connection(monkeypatch)
    made = sanctioned(stewards, levels={"alice": "none", "dave": "none", "erin": "none", "bob": "hard"})
    content = {"type": "content", "item": item("c-5", text="BREACH-TEXT hello again")}
    with django_capture_on_commit_callbacks(execute=True):
        assert post_hook(client, "acme-test", [content], delivery="d-1").status_code == 204
    alert = WatchAlert.objects.get()
    assert (alert.case, alert.sanction, alert.protected.code_name) == (made.case, made.sanction, made.sanction.no_contact.get().code_name)
    mails = smtp.mails
    assert sorted(rcpt for rcpts, _ in mails for rcpt in rcpts) == ["alice@example.org", "dave@example.org", "erin@example.org"]
    body = text_of(mails[0][1])
    assert made.case.code_name in body and "BREACH-TEXT" not in body and "ivan-gh" not in body and "rita" not in body.lower()
    # The same comment, edited and delivered again: no second alert, no second mail.
    with django_capture_on_commit_callbacks(execute=True):
        assert post_hook(client, "acme-test", [content], delivery="d-2").status_code == 204
    assert WatchAlert.objects.count() == 1 and len(smtp.mails) == 3
    assert Event.objects.filter(kind="watch.alert").count() == 1


def test_a_block_made_on_the_platform_is_queued_for_review(
    client: Client, monkeypatch: Any, stewards: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    hook_connection(monkeypatch)
    moderation = {"type": "moderation", "action": "blocked", "actor": ["mod-mary"], "subject": ["ivan-gh", "9001"], "detail": "spam"}
    with django_capture_on_commit_callbacks(execute=True):
        assert post_hook(client, "acme-test", [moderation], delivery="blk-1").status_code == 204
    queued = ModeratorAction.objects.get()
    assert (queued.status, queued.subject, queued.actor, queued.delivery_id) == (ReviewStatus.PENDING, "ivan-gh, 9001", "mod-mary", "blk-1")
    assert len(smtp.mails) == 5  # every active steward
    assert all("ivan-gh" not in text_of(mail) for _, mail in smtp.mails)


def test_json_answers_carry_no_cookies(client: Client, monkeypatch: Any, stewards: Any) -> None:
    hook_connection(monkeypatch)
    response = post_hook(client, "acme-test", [REPORT])
    assert not response.cookies
    assert json.loads(response.content)["reports"][0]["reference"].startswith("R-")
