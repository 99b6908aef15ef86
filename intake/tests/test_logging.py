"""Follow-up secrets never reach the logs (REQUIREMENTS 2.2, 11): the request log lines are redacted."""

import io
import logging

import pytest

from intake.tests.conftest import FAKE_IP, FAKE_UA, portal_url
from steward.logging import redact


def test_redact_hides_the_secret_in_a_server_log_line():
    line = '"GET /follow-up/R-ABCD-EFGH/s3cr3t-Token_value/?sent=1 HTTP/1.1" 200 5120'
    cleaned = redact(line)
    assert "s3cr3t-Token_value" not in cleaned
    assert "R-ABCD-EFGH" not in cleaned
    assert "/follow-up/[redacted]" in cleaned


@pytest.fixture
def request_log():
    """What the configured django.request handlers write, captured."""
    logger = logging.getLogger("django.request")
    handlers = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    assert handlers, "settings.LOGGING gives django.request a stream handler"
    stream = io.StringIO()
    previous = [h.setStream(stream) for h in handlers]
    yield stream
    for handler, old in zip(handlers, previous, strict=True):
        handler.setStream(old)


@pytest.mark.django_db
def test_request_log_line_for_a_follow_up_url_is_redacted(client, report_with_link, request_log):
    report, secret = report_with_link
    wrong = secret[:-2] + ("yy" if secret.endswith("xx") else "xx")  # never the secret itself
    response = client.get(portal_url(report.reference, wrong), REMOTE_ADDR=FAKE_IP, HTTP_USER_AGENT=FAKE_UA)
    assert response.status_code == 404
    logged = request_log.getvalue()
    assert "Not Found" in logged and "/follow-up/[redacted]" in logged
    assert wrong not in logged and secret[:10] not in logged
    assert report.reference not in logged
    assert FAKE_IP not in logged and FAKE_UA not in logged


@pytest.mark.django_db
def test_flood_refusal_log_line_carries_no_address(client, settings, request_log):
    from intake.tests.conftest import submit

    settings.STEWARD_REPORT_HARD_LIMIT = 0
    response = submit(client)
    assert response.status_code == 429
    logged = request_log.getvalue()
    assert "/report/" in logged
    assert FAKE_IP not in logged and FAKE_UA not in logged
