"""Helpers for the intake tests: submitting the form, reading the receipt, scanning the whole database."""

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases.models import Case, Evidence, Message, Party, Report

FAKE_IP = "203.0.113.77"
FAKE_UA = "Mozilla/5.0 (DistinctiveTestBrowser; zz-ZZ) SnoopyAgent/7.7.7"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 64
PDF = b"%PDF-1.4\n% test document\n"


def png(name: str = "screenshot.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def submit(client: Client, url: str | None = None, **data: Any) -> Any:
    data.setdefault("body", "Someone insulted me in the review thread.")
    return client.post(url or reverse("intake:report"), data, REMOTE_ADDR=FAKE_IP, HTTP_USER_AGENT=FAKE_UA)


def receipt_of(response: Any) -> tuple[str, str]:
    """(reference, secret) as printed on the receipt."""
    text = response.content.decode()
    reference = re.search(r'id="follow-up-reference">([^<]+)<', text)
    secret = re.search(r'id="follow-up-code">([^<]+)<', text)
    assert reference and secret, "the response is not a receipt"
    return reference.group(1), secret.group(1)


def portal_url(reference: str, secret: str) -> str:
    """The link from the receipt and the mails (it opens the report's page in the browser, then leads there)."""
    return reverse("intake:follow_up", kwargs={"reference": reference, "secret": secret})


def page_url(reference: str) -> str:
    """The report's page once opened: no secret in it."""
    return reverse("intake:follow_up_page", kwargs={"reference": reference})


def database_dump() -> str:
    """Every row of every table as text, to prove something is stored nowhere."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def nothing_stored(settings: Any) -> bool:
    evidence_dir = settings.STEWARD_EVIDENCE_DIR
    blobs = [p for p in evidence_dir.rglob("*") if p.is_file()] if evidence_dir.exists() else []
    return not (
        Case.objects.exists()
        or Report.objects.exists()
        or Evidence.objects.exists()
        or Message.objects.exists()
        or Party.objects.exists()
        or blobs
    )


@pytest.fixture
def report_with_link(db: Any, client: Client) -> tuple[Report, str]:
    """A report sent through the form, and its follow-up secret."""
    response = submit(client, body="The original words of my report.")
    reference, secret = receipt_of(response)
    return Report.objects.get(reference=reference), secret


class _Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.label_depth = 0
        self.fieldsets_without_legend = 0
        self._fieldset_stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"] or "")
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
            self.controls.append({**a, "_wrapped": "1" if self.label_depth else ""})
        elif tag == "fieldset":
            self._fieldset_stack.append(False)
        elif tag == "legend" and self._fieldset_stack:
            self._fieldset_stack[-1] = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth -= 1
        elif tag == "fieldset" and self._fieldset_stack and not self._fieldset_stack.pop():
            self.fieldsets_without_legend += 1


def accessibility_problems(html: str) -> list[str]:
    """Form controls without a label, and fieldsets without a legend."""
    parser = _Controls()
    parser.feed(html)
    problems = [f"unlabelled {c.get('name')}" for c in parser.controls if not c["_wrapped"] and (c.get("id") or "") not in parser.label_for]
    if parser.fieldsets_without_legend:
        problems.append(f"{parser.fieldsets_without_legend} fieldsets without a legend")
    return problems
