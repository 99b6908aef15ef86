"""Cases made the way the report form makes them, full of recognisable personal data, and a scanner
that reads the database the way someone holding only a dump (no keys) would."""

import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cases.actions import InvolvedPerson, do_declare_conflict
from cases.evidence import check_upload
from cases.models import Case, PartyRole
from intake.actions import Submission, do_submit_report
from people.models import Space

BODY = "PLAINTEXT-BODY Morgan shouted at me in the hallway track"
REPORTER_NAME = "Rita Quietreporter"
REPORTER_EMAIL = "rita.quiet@example.net"
WITNESS_NAME = "Walter Witnessman"
WITNESS_HANDLE = "walter-witness-gh"
REPORTED_HANDLE = "morgan-reported-gh"
FILE_TEXT = b"PLAINTEXT-EVIDENCE chat log: you are worthless"
SECRETS = [BODY, REPORTER_NAME, REPORTER_EMAIL, WITNESS_NAME, WITNESS_HANDLE, REPORTED_HANDLE, FILE_TEXT.decode()]

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def submit(body: str = BODY, **fields: Any) -> Case:
    fields.setdefault("reporter_name", REPORTER_NAME)
    fields.setdefault("reporter_email", REPORTER_EMAIL)
    fields.setdefault("witnesses", f"{WITNESS_NAME} saw it")
    fields.setdefault(
        "involved_people",
        [
            InvolvedPerson(PartyRole.REPORTED, "Morgan Reported", Space.GITHUB, REPORTED_HANDLE),
            InvolvedPerson(PartyRole.WITNESS, WITNESS_NAME, Space.GITHUB, WITNESS_HANDLE),
        ],
    )
    fields.setdefault("files", [check_upload(SimpleUploadedFile("log.txt", FILE_TEXT))])
    fields.setdefault("categories", ["harassment"])
    fields.setdefault("space", "github")
    receipt = do_submit_report(Submission(body=body, **fields))
    return Case.objects.get(code_name=receipt.case_code_name)


@pytest.fixture
def make_case(stewards: dict[str, Any]) -> Callable[..., Case]:
    def _make(body: str = BODY, **fields: Any) -> Case:
        case = submit(body, **fields)
        do_declare_conflict(stewards["dave"], case, "none")
        case.refresh_from_db()
        return case

    return _make


def table_dump() -> str:
    """Every column of every table, as text, through a raw cursor: what a database dump shows."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                chunks.append(" ".join(bytes(v).decode("latin-1") if isinstance(v, (bytes, memoryview)) else str(v) for v in row))
    return "\n".join(chunks)


def database_file_bytes() -> bytes | None:
    """SQLite only: a page-for-page copy of the database file (free pages included)."""
    if connection.vendor != "sqlite":
        return None
    connection.ensure_connection()
    with tempfile.TemporaryDirectory() as folder:
        target = sqlite3.connect(Path(folder) / "copy.sqlite3")
        connection.connection.backup(target)
        target.close()
        return (Path(folder) / "copy.sqlite3").read_bytes()


def evidence_bytes() -> bytes:
    root = Path(settings.STEWARD_EVIDENCE_DIR)
    return b"".join(path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()) if root.exists() else b""


def found_anywhere(needles: list[str]) -> list[str]:
    dump = table_dump().casefold()
    raw = (database_file_bytes() or b"").lower()
    files = evidence_bytes().lower()
    return [n for n in needles if n.casefold() in dump or n.lower().encode() in raw or n.lower().encode() in files]
