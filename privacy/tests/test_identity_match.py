"""The shared identity matcher on its own: planted identities in every disguise are found and cut out;
ordinary words are not taken for them."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privacy.export import redact
from privacy.identity_match import EMAIL, HANDLE, NAME, PHONE, REDACTED, Matcher, Protected
from privacy.tests import planting

pytestmark = pytest.mark.database_free

PROPERTY = settings(max_examples=200, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ALONE = {  # each detector on its own: a matcher that knows only the one value
    "name": Matcher([Protected(NAME, planting.NAME)]),
    "email": Matcher([Protected(EMAIL, planting.EMAIL)]),
    "handle": Matcher([Protected(HANDLE, planting.HANDLE)]),
    "contact": Matcher([Protected(PHONE, planting.PHONE)]),
}
EVERYTHING = [planting.NAME, planting.EMAIL, planting.HANDLE, planting.PHONE]


@pytest.mark.parametrize("kind", sorted(planting.PLANTS))
def test_every_disguise_is_found_by_its_own_detector_and_redacted(kind: str) -> None:
    @PROPERTY
    @given(planting.letter_with(kind))
    def check(text: str) -> None:
        matcher = ALONE[kind]
        assert matcher.find(text), text
        cleaned = matcher.redact(text)
        assert REDACTED in cleaned
        assert matcher.find(cleaned) == [], cleaned
        # The export's redaction works from bare strings (privacy.export.redact): it finds the same.
        exported = redact(text, EVERYTHING)
        assert all(not detector.find(exported) for detector in ALONE.values()), exported

    check()


@PROPERTY
@given(st.sampled_from(sorted(planting.PLANTS)).flatmap(planting.letter_with))
def test_detectors_do_not_mask_each_other(text: str) -> None:
    """A value of one kind planted is not found by another kind's detector: the test identities share nothing."""
    planted = next(kind for kind, detector in ALONE.items() if detector.find(text))
    assert [kind for kind, detector in ALONE.items() if detector.find(text)] == [planted]


@pytest.mark.parametrize(
    "text",
    [
        "I am Rita",
        "— R i t a —",
        "R.i.t.a wrote",
        "Rі\u200bta",  # Cyrillic i and a zero-width space
        "ＲＩＴＡ",
        "𝐑𝐢𝐭𝐚",
        "Ri-ta",
        "RITA REPORTER",
        "ritareporter",
        "rita_reporter",
        "Rita\u0301",
    ],
)
def test_names_in_the_forms_people_write_them(text: str) -> None:
    assert Matcher([Protected(NAME, "Rita Reporter")]).find(text)


@pytest.mark.parametrize(
    "text",
    [
        "Margarita and Ritalin",  # whole words only
        "this is a test",  # two ordinary words are never joined into one name
        "we met in a café",
        "ask a steward",
    ],
)
def test_ordinary_words_are_not_names(text: str) -> None:
    assert Matcher([Protected(NAME, "Rita Reporter"), Protected(NAME, "Isa"), Protected(NAME, "Ina Bell")]).find(text) == []


@pytest.mark.parametrize("text", ["rita_r", "@rita_r", "rita r", "ritar", "RITA-R", "R i t a r"])
def test_a_handle_with_or_without_its_at_sign_and_separators(text: str) -> None:
    assert Matcher([Protected(HANDLE, "@rita_r")]).find(text)


def test_a_handle_is_not_found_in_longer_words_or_other_numbers() -> None:
    matcher = Matcher([Protected(HANDLE, "rita_r"), Protected(PHONE, "+44 20 7946 0958")])
    assert matcher.find("margarita rolls, invoice 7946 0959, 20 items") == []


def test_redaction_replaces_the_span_in_the_original_text() -> None:
    matcher = Matcher([Protected(NAME, "Rita Reporter"), Protected(PHONE, "+44 20 7946 0958")])
    text = "Dear Mallory, R\u200b і t a said that ＲＥＰＯＲＴＥＲ\u00ad rang: 020 7946 0958 today."
    assert matcher.redact(text) == f"Dear Mallory, {REDACTED} said that {REDACTED} rang: {REDACTED} today."


def test_the_recipients_own_values_are_allowed() -> None:
    """A reporter may read their own name; only the other reporter's is protected, even when they share a surname."""
    matcher = Matcher([Protected(NAME, "Ulla Smith")], allowed=[Protected(NAME, "Ann Smith")])
    assert matcher.find("Dear Ann Smith") == []
    assert matcher.find("Ulla said") != []
