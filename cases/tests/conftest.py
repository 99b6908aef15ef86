"""Helpers for the case-view tests: cases made the way the report form makes them, and declarations."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import Event
from cases.evidence import check_upload
from cases.models import Case
from steward.testing import declare, new_case


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
