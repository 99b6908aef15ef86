"""Helpers for the case-view tests: cases made the way the report form makes them, and declarations."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import Event
from cases.actions import do_declare_conflict
from cases.evidence import check_upload
from cases.models import Case
from intake.actions import Submission, do_submit_report


def new_case(body: str = "Someone was rude in a review.", **fields: Any) -> Case:
    receipt = do_submit_report(Submission(body=body, **fields))
    return Case.objects.get(code_name=receipt.case_code_name)


def declare(case: Case, level: str, *users: Any) -> None:
    for user in users:
        do_declare_conflict(user, case, level)


def kinds(case: Case) -> list[str]:
    return list(Event.objects.filter(case_id=case.pk).values_list("kind", flat=True))


def text_file(name: str = "chat.txt", content: bytes = b"chat log line one\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


@pytest.fixture
def make_case(stewards: dict[str, Any]) -> Callable[..., Case]:
    """A case; `readers` (user names) have declared no conflict on it."""

    def _make(body: str = "Someone was rude in a review.", readers: tuple[str, ...] = ("dave",), **fields: Any) -> Case:
        case = new_case(body, **fields)
        declare(case, "none", *(stewards[name] for name in readers))
        case.refresh_from_db()
        return case

    return _make


@pytest.fixture
def case_with_file(make_case: Callable[..., Case]) -> Case:
    return make_case(files=[check_upload(text_file())], reporter_name="Rita Reporter", reporter_email="rita@example.net")
