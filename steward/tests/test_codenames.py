"""Code names that do not run out: millions of pronounceable names, each found with one lookup however
full the short names are, and the names given before still valid (issue #12 item 6)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from people.models import Person
from steward import codenames
from steward.codenames import ADJECTIVES, NOUNS, random_code_name, tier_size, unique_code_name
from steward.testing import declare, new_case

WORDS = set(ADJECTIVES) | set(NOUNS)
SHAPES = [
    re.compile(r"^([a-z]+)-([a-z]+)-(\d{2})$"),
    re.compile(r"^([a-z]+)-([a-z]+)-([a-z]+)-(\d{2})$"),
    re.compile(r"^([a-z]+)-([a-z]+)-([a-z]+)-(\d{3,4})$"),
]


def tier_of(name: str) -> int:
    return next(tier for tier, shape in enumerate(SHAPES) if shape.match(name))


def test_the_name_space_holds_millions_of_names_made_of_words_and_a_number():
    assert tier_size(0) == 150_930  # the names every community had before
    assert tier_size(0) + tier_size(1) > 6_000_000
    assert sum(tier_size(tier) for tier in range(codenames.TIERS)) > 500_000_000
    for tier in range(codenames.TIERS):
        for _ in range(200):
            name = random_code_name(tier)
            match = SHAPES[tier].match(name)
            assert match, name
            *words, number = match.groups()
            assert set(words) <= WORDS and len(set(words)) == len(words)
            assert 10 <= int(number) <= 9999


def test_with_the_short_names_all_taken_one_lookup_finds_a_longer_one():
    lookups: list[list[str]] = []

    def taken_among(names: list[str]) -> set[str]:
        lookups.append(names)
        return {name for name in names if tier_of(name) == 0}  # every short name is taken

    name = unique_code_name(taken_among)
    assert len(lookups) == 1
    assert tier_of(name) == 1


def test_a_short_name_is_kept_while_there_is_room():
    assert tier_of(unique_code_name(lambda names: set())) == 0


@pytest.mark.django_db
def test_a_new_case_costs_one_name_lookup_even_when_the_short_names_are_nearly_gone(monkeypatch):
    # Make tier 0 small enough to fill in a test: three adjectives, one noun, ninety numbers (270 names).
    monkeypatch.setattr(codenames, "ADJECTIVES", ("amber", "brisk", "calm"))
    monkeypatch.setattr(codenames, "NOUNS", ("otter",))
    Person.objects.bulk_create(
        Person(code_name=f"{adjective}-otter-{number}") for adjective in ("amber", "brisk") for number in range(10, 100)
    )
    Person.objects.bulk_create(Person(code_name=f"calm-otter-{number}") for number in range(10, 99))  # one short name left
    with CaptureQueriesContext(connection) as captured:
        person = Person.objects.create()
    name_lookups = [query for query in captured.captured_queries if "code_name" in query["sql"] and query["sql"].startswith("SELECT")]
    assert len(name_lookups) == 1
    assert person.code_name == "calm-otter-99" or tier_of(person.code_name) == 1


@pytest.mark.django_db
def test_names_given_before_stay_valid(stewards, login):
    case = new_case()
    Case.objects.filter(pk=case.pk).update(code_name="amber-otter-42-0f3c")  # the old fallback's shape
    declare(case, "none", stewards["dave"])
    response = login(stewards["dave"]).get("/cases/amber-otter-42-0f3c/")
    assert response.status_code == 200
