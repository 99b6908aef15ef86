"""Both kinds of secret link stay out of logs and caches: the reporter's and the reported person's."""

import pytest
from django.test import Client

from steward.logging import redact


@pytest.mark.parametrize(
    "path",
    ["/follow-up/R-ABCD-EFGH/s3cr3tToken/", "/party/s3cr3tToken/", "/party/s3cr3tToken/appeal/"],
)
def test_secret_paths_are_redacted_in_log_lines(path):
    cleaned = redact(f'"GET {path} HTTP/1.1" 404 179')
    assert "s3cr3tToken" not in cleaned and "[redacted]" in cleaned


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/follow-up/R-ABCD-EFGH/forged/", "/party/forged-token/"])
def test_secret_paths_are_never_cached(path):
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"
