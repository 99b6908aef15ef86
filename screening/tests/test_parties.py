"""The blind index of an item's parties: written with the item, and what keeps a steward off their own content."""

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from people.models import Identity, Space
from screening.access import access_flag, may_see, visible_flags
from screening.ingest import take, take_many
from screening.models import Flag, Item, ItemParty, PartyRole
from screening.parties import lookup_digests
from screening.tests.flagging import flag, github, scripted  # noqa: F401 (the fixture)
from spaces import base

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted")]


def parties(item: Item) -> set[tuple[str, str]]:
    return set(ItemParty.objects.filter(item=item).values_list("role", "digest"))


def digest(handle: str) -> str:
    return lookup_digests(Space.GITHUB, [handle])[0]


def test_take_writes_the_parties_and_an_edit_rewrites_them(monkeypatch: Any) -> None:
    connection = github(monkeypatch)
    item = take(connection, base.Item("1", ("Ivan-GH",), "hello", addressed=("@rita-gh", "sam")), schedule=False)
    assert item is not None
    assert parties(item) == {
        (PartyRole.AUTHOR, digest("ivan-gh")),
        (PartyRole.ADDRESSED, digest("rita-gh")),
        (PartyRole.ADDRESSED, digest("sam")),
    }
    assert "ivan" not in str(parties(item)).casefold()
    take(connection, base.Item("1", ("Ivan-GH",), "hello, edited", addressed=("sam",)), schedule=False)
    assert parties(item) == {(PartyRole.AUTHOR, digest("ivan-gh")), (PartyRole.ADDRESSED, digest("sam"))}
    take(connection, base.Item("1", ("Ivan-GH",), "hello, edited", addressed=("sam",)), schedule=False)  # a re-delivery
    assert ItemParty.objects.count() == 2


def test_take_many_writes_the_parties_of_new_items(monkeypatch: Any) -> None:
    connection = github(monkeypatch)
    take_many(connection, [base.Item("1", ("ivan",), "a", addressed=("rita",)), base.Item("2", ("sam",), "b")], schedule=False)
    one, two = Item.objects.get(external_id="1"), Item.objects.get(external_id="2")
    assert parties(one) == {(PartyRole.AUTHOR, digest("ivan")), (PartyRole.ADDRESSED, digest("rita"))}
    assert parties(two) == {(PartyRole.AUTHOR, digest("sam"))}


def test_the_migration_fills_the_index_for_items_already_stored(monkeypatch: Any) -> None:
    connection = github(monkeypatch)
    item = take(connection, base.Item("1", ("ivan",), "a", addressed=("rita",)), schedule=False)
    assert item is not None
    expected = parties(item)
    ItemParty.objects.all().delete()
    migration = importlib.import_module("screening.migrations.0003_item_party")
    migration.index_parties(apps, None)
    migration.index_parties(apps, None)  # twice: nothing doubled
    assert parties(item) == expected and ItemParty.objects.count() == 2


def test_a_steward_never_sees_their_own_content_by_any_spelling_of_a_handle_or_by_person(monkeypatch: Any, stewards: Any) -> None:
    connection = github(monkeypatch)
    Identity.objects.create(person=stewards["bob"].steward_profile.person, space=Space.GITHUB, handle="Bob-Alt")
    hidden = [
        flag(connection, "1", author="BOB"),
        flag(connection, "2", author="@bob"),
        flag(connection, "3", addressed="rita-gh, @Bob"),
        flag(connection, "4", addressed="@bob-alt", author="ivan-2"),
        flag(connection, "5", author="someone-else"),
    ]
    Item.objects.filter(pk=hidden[-1].item_id).update(author_person=stewards["bob"].steward_profile.person)
    shown = [flag(connection, "6", author="bobby"), flag(connection, "7", addressed="rita-gh, bob2", author="ivan-3")]
    assert set(visible_flags(stewards["bob"])) == set(shown)
    assert set(visible_flags(stewards["bob"], status="")) == set(shown)
    for each in hidden:
        assert not may_see(stewards["bob"], each)
        with pytest.raises(Exception, match="No such flag"):
            access_flag(stewards["bob"], each.pk, for_update=True)
    for each in shown:
        assert may_see(stewards["bob"], each) and access_flag(stewards["bob"], each.pk) == each
    assert set(visible_flags(stewards["carol"])) == {*hidden, *shown}


def test_the_queue_filters_in_the_database(monkeypatch: Any, stewards: Any, django_assert_max_num_queries: Any) -> None:
    connection = github(monkeypatch)
    for number in range(30):
        flag(connection, f"mine-{number}", author="bob", addressed=f"rita-{number}")
        flag(connection, f"to-me-{number}", author=f"ivan-{number}", addressed="@BOB")
        flag(connection, f"other-{number}", author=f"sam-{number}", addressed=f"rita-{number}")
    assert Flag.objects.count() == 90
    with django_assert_max_num_queries(4), CaptureQueriesContext(db) as queries:
        shown = list(visible_flags(stewards["bob"]))
    assert len(shown) == 30 and {each.item.external_id for each in shown} == {f"other-{number}" for number in range(30)}
    flag_query = next(query["sql"] for query in queries.captured_queries if "screening_flag" in query["sql"])
    assert "screening_itemparty" in flag_query  # the own-content match is part of the one query
    # The single-flag check is the same query shape.
    with django_assert_max_num_queries(4):
        assert not may_see(stewards["bob"], Flag.objects.get(item__external_id="to-me-0"))
