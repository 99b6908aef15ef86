"""The identity check on its own: what it catches, and what it lets through."""

from typing import Any

import pytest

from cases.actions import do_reporter_reply
from letters.leakcheck import check_text
from letters.tests.conftest import REPORTER_HANDLE, World

pytestmark = pytest.mark.django_db


def kinds(world: World, text: str) -> set[str]:
    return {finding.kind for finding in check_text(world.case, text)}


def test_plain_letters_pass(world: World) -> None:
    text = "We received a report about your behaviour during a meeting. Please tell us what you think happened, in your own words."
    assert check_text(world.case, text) == []


def test_names_and_their_parts_case_insensitively(world: World) -> None:
    assert kinds(world, "ROSALIND was there") == {"name"}
    assert kinds(world, "Ms   Quartermaine") == {"name"}
    assert kinds(world, "Rosalindo is someone else") == set()  # whole words only


def test_email_handle_and_phone(world: World) -> None:
    assert "email" in kinds(world, "Mail Rosalind.Q@Example.net now")
    assert kinds(world, f"github user {REPORTER_HANDLE.upper()}") == {"handle"}
    assert kinds(world, "ring 020 7946 0958 or +44 (20) 7946-0958") == {"contact"}


def test_distinctive_phrases_ignore_case_spacing_and_punctuation(world: World) -> None:
    findings = check_text(world.case, "You MOCKED   my accent, in front of everyone!")
    assert [finding.kind for finding in findings] == ["phrase"]
    assert findings[0].matched == "mocked my accent in front of everyone"
    assert findings[0].why


def test_runs_of_common_words_are_not_distinctive(world: World) -> None:
    assert kinds(world, "and then it was in the general sense fine") == set()
    assert kinds(world, "in front of everyone and then") == set()


def test_the_reporters_later_messages_count_too(world: World, stewards: dict[str, Any]) -> None:
    do_reporter_reply(world.report, "He also renamed the wiki page about onboarding volunteers", [])
    assert kinds(world, "You renamed the wiki page about onboarding volunteers.") == {"phrase"}
