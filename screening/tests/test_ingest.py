"""Taking items in: once per connection and id, edits rescored, authors matched, kinds mapped, only watched spaces."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from people.actions import do_link_identity, person_for_identity
from people.models import Space
from screening.ingest import screening_kind, take, take_many
from screening.models import Item
from spaces.base import ContentEvent
from spaces.base import Item as SpaceItem
from spaces.models import SpaceConnection
from spaces.routing import dispatch

pytestmark = pytest.mark.django_db

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def github() -> SpaceConnection:
    return SpaceConnection.objects.create(slug="gh", platform="github", title="GitHub", settings={})


def comment(external_id: str = "issue_comment:1", text: str = "Thanks for the patch", **kwargs: Any) -> SpaceItem:
    fields: dict[str, Any] = {"author": ("octocat", "583231"), "created_at": T, "kind": "issue_comment", "addressed": ("newbie",)}
    return SpaceItem(external_id=external_id, text=text, **(fields | kwargs))


def test_an_item_is_stored_once_and_a_redelivery_changes_nothing(github: SpaceConnection) -> None:
    first = take(github, comment())
    assert first is not None
    Item.objects.filter(pk=first.pk).update(scored_at=T, scorer_version="v1")
    again = take(github, comment())
    assert again is not None and again.pk == first.pk
    stored = Item.objects.get()
    assert stored.scored_at == T and stored.text == "Thanks for the patch"
    assert stored.author == "octocat,583231" and stored.addressed == "newbie" and stored.kind == "issue_comment"


def test_an_edit_replaces_the_text_and_asks_for_a_new_score(github: SpaceConnection) -> None:
    first = take(github, comment())
    assert first is not None
    Item.objects.filter(pk=first.pk).update(scored_at=T)
    take(github, comment(text="Edited: you are wrong"))
    stored = Item.objects.get()
    assert stored.text == "Edited: you are wrong" and stored.scored_at is None


def test_the_author_is_matched_to_a_person_through_identities(github: SpaceConnection) -> None:
    person = person_for_identity(Space.GITHUB, "octocat")
    do_link_identity(None, person, Space.GITHUB, "583231")
    stored = take(github, comment())
    assert stored is not None and stored.author_person == person
    assert take(github, comment("issue_comment:2", author=("stranger",))).author_person is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("platform", "kind", "expected"),
    [
        ("github", "review_comment", "code_review"),
        ("github", "commit_comment", "code_review"),
        ("github", "discussion_comment", "discussion"),
        ("slack", "message", "chat"),
        ("discourse", "post", "forum_post"),
        ("mailman", "", "email"),
        ("zulip", "", "chat"),
    ],
)
def test_platform_kinds_map_to_the_scorers_kinds(platform: str, kind: str, expected: str) -> None:
    assert screening_kind(SpaceConnection(platform=platform), kind) == expected


def test_unwatched_connections_are_not_screened(github: SpaceConnection) -> None:
    github.watch = False
    github.save()
    assert take(github, comment()) is None
    assert take_many(github, [comment()]).created == 0
    assert not Item.objects.exists()


def test_a_content_event_is_stored_through_dispatch_and_scoring_is_queued_after_commit(
    github: SpaceConnection, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(github, ContentEvent(comment()))
        dispatch(github, ContentEvent(comment()))
    assert Item.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path="screening.tasks.score_items").count() == 1  # one waiting run at most


def test_a_batch_stores_new_items_once_and_counts_the_rest(github: SpaceConnection) -> None:
    taken = take_many(github, [comment("a"), comment("b"), comment("a")])
    assert (taken.created, taken.edited, taken.unchanged) == (2, 0, 1)
    taken = take_many(github, [comment("a"), comment("b", text="changed"), comment("c")])
    assert (taken.created, taken.edited, taken.unchanged) == (1, 1, 1)
    assert sorted(Item.objects.values_list("external_id", flat=True)) == ["a", "b", "c"]
    assert Item.objects.get(external_id="b").text == "changed"
