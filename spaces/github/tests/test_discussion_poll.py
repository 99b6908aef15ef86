"""The poll reads GitHub discussions: opening posts and comments started or edited since the cursor.

Discussions exist only in GitHub's GraphQL API; the fake executes the reader's documents against GitHub's
published schema (spaces.contracts.check_graphql), so a field GitHub lacks fails here as it would there.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from screening.models import Item as ScreenedItem
from spaces.github import graphql
from spaces.models import ReadCursor
from spaces.polling import poll_connection

SINCE = datetime(2026, 2, 1, tzinfo=UTC)
BEFORE = datetime(2026, 1, 20, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return SINCE + timedelta(days=1, minutes=minutes)


def recent_calls(fake) -> list[dict]:
    return [call.json() for call in fake.calls if call.path == "/graphql" and "StewardReadRecentDiscussions" in call.json()["query"]]


def test_the_poll_reads_discussions_opening_posts_comments_and_replies_since_the_cursor(gh, fake):
    old = fake.add_discussion("acme/app", "olga", title="Old news", body="Long ago", created_at=BEFORE)
    fresh = fake.add_discussion("acme/app", "Mallory", title="Rant", body="You are all idiots, @bob", created_at=at(1))
    untouched = fake.add_discussion("acme/app", "quiet", created_at=BEFORE)
    fake.add_comment(untouched, "old", "before the window", created_at=BEFORE)
    early = fake.add_comment(old, "eve", "an old comment", created_at=BEFORE)
    reply = fake.add_comment(fresh, "bob", "calm down", created_at=at(2))
    answer = fake.add_comment(fresh, "mallory", "no", reply_to=reply, created_at=at(3))
    fake.edit_by_hand(early, "edited to insult @olga", at=at(4))  # an old comment edited inside the window
    edited = fake.add_discussion("acme/app", "dan", title="Plan", body="v1", created_at=BEFORE)
    fake.edit_discussion_by_hand(edited, "v2, now rude", at=at(5))

    items = list(gh.read(SINCE))
    discussion_items = [item for item in items if item.kind in ("discussion", "discussion_comment")]
    assert [item.external_id for item in discussion_items] == [
        f"discussion:acme/app#{edited.number}",  # both created long ago: sorted by creation, as every reader does
        f"discussion_comment:{early.id}",
        f"discussion:acme/app#{fresh.number}",
        f"discussion_comment:{reply.id}",
        f"discussion_comment:{answer.id}",
    ]
    opening = discussion_items[2]
    assert opening.text == "Rant\n\nYou are all idiots, @bob" and opening.url == fresh.html_url
    assert opening.author == ("mallory", str(fresh.author.id)) and opening.addressed == ("bob",)
    assert opening.created_at == at(1)
    assert discussion_items[4].addressed == ()  # the starter answering in their own discussion
    assert discussion_items[3].addressed == ("mallory",) and discussion_items[3].thread == fresh.html_url
    assert discussion_items[0].text == "Plan\n\nv2, now rude"
    assert discussion_items[1].text == "edited to insult @olga" and discussion_items[1].addressed == ("olga",)


def test_paging_stops_at_the_first_discussion_modified_before_the_cursor(gh, fake):
    for n in range(30):
        fake.add_discussion("acme/app", f"old{n}", created_at=BEFORE)
    recent = [fake.add_discussion("acme/app", f"new{n}", created_at=at(n)) for n in range(30)]  # more than a page of 25
    busy = recent[0]
    comments = [fake.add_comment(busy, "bob", f"comment {n}", created_at=at(100 + n)) for n in range(60)]  # more than 50

    items = [item for item in gh.read(SINCE) if item.kind in ("discussion", "discussion_comment")]
    assert len([item for item in items if item.kind == "discussion"]) == 30
    assert [item.external_id for item in items if item.kind == "discussion_comment"] == [
        f"discussion_comment:{comment.id}" for comment in comments
    ]
    calls = recent_calls(fake)
    assert len(calls) == 2, "the second page holds the first discussion modified before the cursor: no third"
    assert all(call["query"] == graphql.READ_RECENT_DISCUSSIONS for call in calls)
    comment_pages = [
        call.json()["variables"]["number"]
        for call in fake.calls
        if call.path == "/graphql" and "StewardReadDiscussionComments" in call.json()["query"]
    ]
    assert sorted(comment_pages) == sorted([busy.number, *(discussion.number for discussion in recent)]), (
        "only the discussions modified since are read further; the busy one takes two pages"
    )
    assert fake.mutations() == []


def _deliver(fake, event, payload):
    body, headers = fake.signed(event, payload)
    answer = Client().post(reverse("spaces:webhook", kwargs={"slug": "example"}), body, content_type="application/json", headers=headers)
    assert answer.status_code < 300, answer.content


@pytest.mark.django_db
def test_a_webhook_and_a_poll_of_the_same_discussion_are_one_screening_item(connection, fake):
    ReadCursor.objects.create(connection=connection, kind=ReadCursor.CONTENT, position=SINCE)
    started = fake.add_discussion("acme/app", "Mallory", title="Rant", body="You are all idiots", created_at=at(1))
    comment = fake.add_comment(started, "bob", "please stop", created_at=at(2))
    _deliver(fake, *fake.discussion_payload(started))
    _deliver(fake, *fake.comment_payload(comment))
    assert ScreenedItem.objects.filter(connection=connection).count() == 2

    result = poll_connection(connection)
    assert result.failed == [] and result.read[f"{connection.slug}:{ReadCursor.CONTENT}"] == 2
    assert sorted(ScreenedItem.objects.values_list("external_id", flat=True)) == sorted(
        [f"discussion:acme/app#{started.number}", f"discussion_comment:{comment.id}"]
    )


@pytest.mark.django_db
def test_a_rate_limited_discussion_read_leaves_the_cursor_where_it_was(connection, fake):
    cursor = ReadCursor.objects.create(connection=connection, kind=ReadCursor.CONTENT, position=SINCE)
    fake.add_discussion("acme/app", "Mallory", created_at=at(1))
    fake.inject_graphql_rate_limit(retry_after=45)
    result = poll_connection(connection)
    assert f"{connection.slug}:{ReadCursor.CONTENT}" in result.failed
    cursor.refresh_from_db()
    assert cursor.position == SINCE and not ScreenedItem.objects.exists()


def test_a_token_refused_discussions_still_polls_the_rest_and_says_why(gh, fake, caplog):
    issue = fake.add_issue("acme/app", "alice", title="Crash", created_at=at(1))
    refused = {
        "data": {"repository": {"discussions": None}},
        "errors": [
            {
                "type": "FORBIDDEN",
                "path": ["repository", "discussions"],
                "locations": [{"line": 3, "column": 5}],
                "message": "Resource not accessible by personal access token",
            }
        ],
    }
    fake.inject(200, refused, method="POST", path="^/graphql$")
    with caplog.at_level("WARNING", logger="steward.spaces"):
        items = list(gh.read(SINCE))
    assert [item.external_id for item in items] == [f"issue:acme/app#{issue.number}"]
    assert "poll skipped discussions: repository=acme/app" in caplog.text and "Resource not accessible" in caplog.text
