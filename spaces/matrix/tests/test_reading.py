"""Reading Matrix rooms through /sync against the real Synapse: messages, replies and mentions, edits, redactions,
catch-up after downtime, moderation by hand into the committee's review queue, and no-contact watching."""

import uuid
from typing import Any

import pytest

from decisions.tests.conftest import reporter
from enforcement.models import ModeratorAction, WatchAlert
from people.actions import do_link_identity
from people.models import Space
from screening.models import Item as ScreeningItem
from spaces.base import ContentEvent, ContentRemovedEvent, ModeratorActionEvent
from spaces.matrix.client import MatrixClient
from spaces.matrix.reading import TIMELINE_LIMIT, Position
from spaces.matrix.tests.conftest import Community
from spaces.models import ReadCursor
from spaces.polling import poll_connection
from spaces.secrets import env_name
from spaces.tests.helpers import sanctioned

pytestmark = pytest.mark.django_db


def say(client: MatrixClient, room: str, body: str, **content: Any) -> str:
    return client.send(room, "m.room.message", {"msgtype": "m.text", "body": body, **content}, uuid.uuid4().hex)


def edit(client: MatrixClient, room: str, original: str, body: str) -> str:
    replacement = {"m.new_content": {"msgtype": "m.text", "body": body}, "m.relates_to": {"rel_type": "m.replace", "event_id": original}}
    return say(client, room, f"* {body}", **replacement)


def handle(user_id: str) -> str:
    return user_id.removeprefix("@").casefold()


def test_a_message_becomes_a_screening_item_with_its_author_link_and_time(matrix, community: Community):
    alice = community.as_(community.alice)
    room = community.rooms[0]
    event_id = say(alice, room, "plain fallback", format="org.matrix.custom.html", formatted_body="<p>Hello <b>everyone</b></p>")
    result = poll_connection(matrix.connection)
    assert result.failed == [] and result.read == {"matrix-test:sync": 1}
    item = ScreeningItem.objects.get(connection=matrix.connection, external_id=event_id)
    assert item.text == "Hello everyone"  # the formatted body, reduced to text
    assert item.author == handle(community.alice.user_id)
    assert item.url.startswith(f"https://matrix.to/#/{room}/{event_id}")
    assert item.kind == "chat" and item.created_at is not None
    assert Position.parse(ReadCursor.objects.get(connection=matrix.connection).token).since
    # Read again from the stored position: nothing new, nothing twice.
    assert poll_connection(matrix.connection).read == {"matrix-test:sync": 0}


def test_a_reply_and_mentions_are_addressed_and_bots_own_messages_are_not_read(matrix, community: Community):
    bob, alice = community.as_(community.bob), community.as_(community.alice)
    room = community.rooms[0]
    first = say(bob, room, "my proposal")
    reply = say(
        alice,
        room,
        "> <@bob> my proposal\n\nnonsense, and the owner agrees",
        **{"m.relates_to": {"m.in_reply_to": {"event_id": first}}, "m.mentions": {"user_ids": [community.owner.user_id]}},
    )
    say(community.as_(community.bot), room, "Steward's own words")
    batch = matrix.sync("")
    items = {event.item.external_id: event.item for event in batch.events if isinstance(event, ContentEvent)}
    assert set(items) == {first, reply}
    assert items[reply].text == "nonsense, and the owner agrees"  # the quoted fallback is not the reply's words
    assert items[reply].addressed == (handle(community.bob.user_id), handle(community.owner.user_id))
    assert items[reply].thread == room


def test_edits_and_redactions_are_understood(matrix, community: Community):
    alice, bob, moderator = (community.as_(account) for account in (community.alice, community.bob, community.moderator))
    room = community.rooms[0]
    position = matrix.sync("").position
    original = say(alice, room, "first draft")
    edit(alice, room, original, "final words")
    # An "edit" of Alice's message by Bob is no edit: clients ignore it, and so does Steward.
    edit(bob, room, original, "I am a fool")
    rude = say(bob, room, "something rude")
    moderator.redact(room, rude, "spam", uuid.uuid4().hex)
    own = say(alice, room, "oops, wrong room")
    alice.redact(room, own, "", uuid.uuid4().hex)
    bots = say(bob, room, "redacted by Steward")
    community.as_(community.bot).redact(room, bots, "Code of conduct decision", uuid.uuid4().hex)

    batch = matrix.sync(position)
    edits = [event.item for event in batch.events if isinstance(event, ContentEvent) and event.item.external_id == original]
    assert [item.text for item in edits] == ["first draft", "final words"]
    assert {item.author for item in edits} == {(handle(community.alice.user_id),)}
    removed = {event.external_id: event.by for event in batch.events if isinstance(event, ContentRemovedEvent)}
    assert removed == {
        rude: (handle(community.moderator.user_id),),
        own: (handle(community.alice.user_id),),
        bots: (handle(community.bot.user_id),),
    }
    [deleted] = [event for event in batch.events if isinstance(event, ModeratorActionEvent)]
    assert deleted.action == "message deleted" and deleted.subject == (handle(community.bob.user_id),)
    assert deleted.actor == (handle(community.moderator.user_id),) and "spam" in deleted.detail


def test_catching_up_after_downtime_misses_nothing(matrix, community: Community):
    alice = community.as_(community.alice)
    room = community.rooms[1]
    position = matrix.sync("").position
    sent = [say(alice, room, f"message {number}") for number in range(TIMELINE_LIMIT + 25)]
    batch = matrix.sync(position)
    read = [event.item.external_id for event in batch.events if isinstance(event, ContentEvent)]
    assert read == sent  # every one, once, oldest first, though /sync returned only the last TIMELINE_LIMIT
    assert [event.item.external_id for event in matrix.sync(batch.position).events if isinstance(event, ContentEvent)] == []


def test_moderation_by_hand_reaches_the_review_queue_and_stewards_own_does_not(matrix, community: Community):
    moderator, owner, bot = (community.as_(account) for account in (community.moderator, community.owner, community.bot))
    room = community.rooms[0]
    poll_connection(matrix.connection)
    moderator.ban(room, community.bob.user_id, "harassment")
    moderator.unban(room, community.bob.user_id, "appeal granted")
    moderator.kick(room, community.alice.user_id, "cool down")
    community.as_(community.alice).join(room)
    levels = dict(owner.state(room, "m.room.power_levels") or {})
    owner.put_state(room, "m.room.power_levels", "", levels | {"users": {**levels["users"], community.alice.user_id: -1}})
    bot.ban(community.rooms[1], community.bob.user_id, "Code of conduct decision")  # Steward's own: never queued
    result = poll_connection(matrix.connection)
    assert result.failed == []
    queued = {(item.action, item.actor, item.subject) for item in ModeratorAction.objects.filter(connection=matrix.connection)}
    mod, bob, alice = (handle(account.user_id) for account in (community.moderator, community.bob, community.alice))
    assert queued == {
        ("banned", mod, bob),
        ("unbanned", mod, bob),
        ("kicked", mod, alice),
        ("muted", handle(community.owner.user_id), alice),
    }
    assert "harassment" in ModeratorAction.objects.get(action="banned").detail
    poll_connection(matrix.connection)
    assert ModeratorAction.objects.count() == 4


def test_a_reply_breaking_no_contact_raises_an_alert(matrix, community: Community, stewards: Any):
    made = sanctioned(stewards)  # Ivan under a Warning protecting Rita
    ivan = made.case.parties.get(role="reported").person
    do_link_identity(None, ivan, Space.MATRIX, community.alice.user_id)
    do_link_identity(None, reporter(made.case).person, Space.MATRIX, community.bob.user_id)
    room = community.rooms[0]
    rita_said = say(community.as_(community.bob), room, "I'd rather not be contacted")
    say(community.as_(community.alice), room, "too bad", **{"m.relates_to": {"m.in_reply_to": {"event_id": rita_said}}})
    poll_connection(matrix.connection)
    alert = WatchAlert.objects.get(connection=matrix.connection)
    assert alert.case == made.case and alert.protected == reporter(made.case).person


def test_a_failed_read_leaves_the_position_and_nothing_is_lost(matrix, community: Community, monkeypatch: pytest.MonkeyPatch):
    poll_connection(matrix.connection)
    before = ReadCursor.objects.get(connection=matrix.connection).token
    event_id = say(community.as_(community.alice), community.rooms[0], "said while Steward could not read")
    monkeypatch.setenv(env_name("matrix-test", "access_token"), "not-a-valid-token")
    assert poll_connection(matrix.connection).failed == ["matrix-test:sync"]
    assert ReadCursor.objects.get(connection=matrix.connection).token == before
    monkeypatch.setenv(env_name("matrix-test", "access_token"), community.bot.access_token)
    assert poll_connection(matrix.connection).failed == []
    assert ScreeningItem.objects.filter(connection=matrix.connection, external_id=event_id).exists()
