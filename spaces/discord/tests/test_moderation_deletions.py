"""Messages moderators delete by hand in Discord reach the committee's review queue, from the server's audit log.

The fake writes the audit log as Discord does (MESSAGE_DELETE against the author with options.channel_id and
options.count; MESSAGE_BULK_DELETE against the channel with options.count), and every page it answers is checked
against Discord's published description (the `fake` fixture fails on any contract error).
"""

from datetime import timedelta

import pytest

from enforcement.models import ModeratorAction
from spaces.base import Op
from spaces.discord.client import MESSAGE_BULK_DELETE, MESSAGE_DELETE
from spaces.models import ReadCursor
from spaces.polling import poll_connection
from spaces.testing import request
from steward.testing import T0

pytestmark = pytest.mark.django_db


def test_deletions_by_moderators_are_read_from_the_audit_log_and_steward_s_own_and_authors_are_not(discord, fake, channel, clock):
    moderator, troll, chatty = fake.add_user("mod"), fake.add_user("troll"), fake.add_user("chatty")
    insult = fake.add_message(channel, troll, "you are all idiots", at=T0)
    withdrawn = fake.add_message(channel, chatty, "oops, wrong channel", at=T0)
    flagged = fake.add_message(channel, troll, "and stupid", at=T0)
    purged = [fake.add_message(channel, chatty, f"spam {n}", at=T0)["id"] for n in range(3)]
    clock(timedelta(hours=1))
    fake.delete_by_hand(channel, insult["id"], moderator, "Insults")
    fake.delete_by_hand(channel, withdrawn["id"])  # by its author: Discord logs nothing
    discord.apply(request(Op.DELETE_CONTENT, f"https://discord.com/channels/{fake.guild_id}/{channel}/{flagged['id']}"))
    fake.bulk_delete_by_hand(channel, purged, moderator)

    logged = [entry["action_type"] for entry in fake.audit_entries]
    assert logged == [MESSAGE_DELETE, MESSAGE_DELETE, MESSAGE_BULK_DELETE], "Steward's own deletion is in Discord's log too"
    events = list(discord.moderation_log(T0 + timedelta(minutes=30)))
    assert [(event.action, event.actor, event.subject) for event in events] == [
        ("message deleted", (moderator, "mod"), (troll, "troll")),
        ("messages deleted", (moderator, "mod"), ()),
    ]
    link = f"https://discord.com/channels/{fake.guild_id}/{channel}"
    assert events[0].detail == f"1 message(s) by troll ({troll}) deleted in {link}; Insults"
    assert events[1].detail == f"3 message(s) deleted at once in {link}; Discord does not say whose"
    assert events[0].at == T0 + timedelta(hours=1)


def test_a_polled_deletion_is_queued_once_for_review(discord, fake, channel, clock):
    moderator, troll = fake.add_user("mod"), fake.add_user("troll")
    message = fake.add_message(channel, troll, "you are all idiots", at=T0)
    ReadCursor.objects.create(connection=discord.connection, kind=ReadCursor.MODERATION, position=T0)
    clock(timedelta(minutes=5))
    spam = [fake.add_message(channel, troll, f"spam {n}", at=T0)["id"] for n in range(2)]
    fake.delete_by_hand(channel, message["id"], moderator)
    fake.bulk_delete_by_hand(channel, spam, moderator)
    poll_connection(discord.connection)
    ReadCursor.objects.filter(kind=ReadCursor.MODERATION).update(position=T0)  # an overlapping window reads it again
    poll_connection(discord.connection)
    single, bulk = ModeratorAction.objects.order_by("id")
    assert (single.action, single.actor, single.subject) == ("message deleted", f"{moderator}, mod", f"{troll}, troll")
    assert (bulk.action, bulk.subject, bulk.subject_person) == ("messages deleted", "", None)  # whose, Discord does not say
