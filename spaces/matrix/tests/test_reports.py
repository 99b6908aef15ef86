"""Reports from Matrix against the real Synapse: a direct message to the bot, answered once in the chat with the case
reference and the private follow-up link; and, with an admin token, the homeserver's event reports (Element's "Report")."""

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection as database
from django.urls import reverse
from django.utils import timezone

from cases.access import access_report_by_link
from cases.models import PartyRole, Report
from people.models import Identity, Space
from spaces.matrix import reports
from spaces.matrix.client import CLIENT, MatrixClient, q
from spaces.matrix.events import permalink
from spaces.matrix.tests.conftest import Account, Community, Homeserver
from spaces.models import SpaceReply
from spaces.polling import poll_connection
from spaces.testing import make_connection, space_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def taken_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report is taken once its writer has been quiet for reports.QUIET; these tests read right after writing."""
    monkeypatch.setattr(reports, "QUIET", timedelta(0))


def say(client: MatrixClient, room: str, body: str) -> str:
    return client.send(room, "m.room.message", {"msgtype": "m.text", "body": body}, uuid.uuid4().hex)


def handle(user_id: str) -> str:
    return user_id.removeprefix("@").casefold()


def open_direct_chat(client: MatrixClient, bot: str) -> str:
    """What Element does for "Start chat" with someone: a private room, the invitation marked is_direct."""
    return client.create_room({"preset": "trusted_private_chat", "is_direct": True, "invite": [bot]})


def notices(client: MatrixClient, room: str, sender: str) -> list[str]:
    chunk = client.messages(room, start=None, direction="b", limit=100)["chunk"]
    said = [event for event in reversed(chunk) if event["sender"] == sender and event["type"] == "m.room.message"]
    assert all(event["content"]["msgtype"] == "m.notice" for event in said), "a bot speaks in notices, which other bots ignore"
    return [event["content"]["body"] for event in said]


def reported_party(report: Report) -> set[str]:
    person = report.case.parties.get(role=PartyRole.REPORTED).person
    return {identity.handle for identity in Identity.objects.filter(person=person, space=Space.MATRIX)}


def reporter_party(report: Report) -> set[str]:
    person = report.case.parties.get(role=PartyRole.REPORTER).person
    return {identity.handle for identity in Identity.objects.filter(person=person, space=Space.MATRIX)}


def test_a_direct_message_becomes_a_case_and_the_reporter_is_answered_once(
    matrix, community: Community, stewards: Any, django_capture_on_commit_callbacks: Any
):
    alice, bob = community.as_(community.alice), community.as_(community.bob)
    room = community.rooms[0]
    poll_connection(matrix.connection)
    rude = say(bob, room, "get lost, nobody wants you here")
    chat = open_direct_chat(alice, community.bot.user_id)
    words = f"Bob was rude to me: {permalink(room, rude, 'steward.test')}"
    say(alice, chat, words)
    poll_connection(matrix.connection)  # the invitation is accepted
    assert community.as_(community.bot).membership(chat, community.bot.user_id) == "join"
    with django_capture_on_commit_callbacks(execute=True):
        assert poll_connection(matrix.connection).failed == []

    report = Report.objects.get()
    assert reporter_party(report) == {handle(community.alice.user_id)}
    assert reported_party(report) == {handle(community.bob.user_id)}
    assert "get lost, nobody wants you here" in report.body and words in report.body
    displayname = alice.state(chat, "m.room.member", community.alice.user_id)["displayname"]
    assert displayname and report.reporter_name == displayname, "the reporter's name as the chat shows it"
    [answer] = notices(alice, chat, community.bot.user_id)
    assert report.reference in answer
    link = answer.split(" at ", 1)[1].split()[0]
    prefix = settings.SITE_URL + reverse("intake:follow_up_start") + report.reference + "/"
    assert access_report_by_link(report.reference, link.removeprefix(prefix).rstrip("/")) == report
    reply = SpaceReply.objects.get(connection=matrix.connection)
    assert reply.sent_at is not None and reply.text == "" and reply.external_ref

    with django_capture_on_commit_callbacks(execute=True):
        poll_connection(matrix.connection)  # read again (and the chat's history paged again): no second case or answer
    assert Report.objects.count() == 1 and len(notices(alice, chat, community.bot.user_id)) == 1


def test_several_messages_written_in_a_row_are_one_report_taken_once_the_writer_stops(
    matrix, community: Community, stewards: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
):
    alice, bob = community.as_(community.alice), community.as_(community.bob)
    room = community.rooms[0]
    poll_connection(matrix.connection)
    rude = say(bob, room, "nobody asked for your opinion, go away")
    chat = open_direct_chat(alice, community.bot.user_id)
    poll_connection(matrix.connection)
    monkeypatch.setattr(reports, "QUIET", timedelta(hours=1))  # still writing
    say(alice, chat, "Hi, I need to report something")
    poll_connection(matrix.connection)
    say(alice, chat, f"this message: {permalink(room, rude, 'steward.test')}")
    poll_connection(matrix.connection)
    assert Report.objects.count() == 0 and notices(alice, chat, community.bot.user_id) == []

    monkeypatch.setattr(reports, "QUIET", timedelta(0))  # she has stopped: nothing new arrives, the chat is looked at again
    with django_capture_on_commit_callbacks(execute=True):
        assert poll_connection(matrix.connection).failed == []
    report = Report.objects.get()
    assert "I need to report something" in report.body and "nobody asked for your opinion" in report.body
    assert reported_party(report) == {handle(community.bob.user_id)}
    [answer] = notices(alice, chat, community.bot.user_id)
    assert report.reference in answer

    say(alice, chat, "Thanks!")  # after the answer: a new report of its own, not lost and not merged into the first
    with django_capture_on_commit_callbacks(execute=True):
        poll_connection(matrix.connection)
        poll_connection(matrix.connection)
    assert Report.objects.count() == 2 and len(notices(alice, chat, community.bot.user_id)) == 2


def test_a_writer_is_quiet_only_from_their_last_message(matrix, community: Community, stewards: Any, monkeypatch: pytest.MonkeyPatch):
    alice = community.as_(community.alice)
    poll_connection(matrix.connection)
    chat = open_direct_chat(alice, community.bot.user_id)
    poll_connection(matrix.connection)
    first = alice.event(chat, say(alice, chat, "Hi, I need to report something"))
    time.sleep(0.05)  # two messages a few milliseconds apart on the homeserver's clock
    last = alice.event(chat, say(alice, chat, "it happened in the general room"))
    started, stopped = first["origin_server_ts"], last["origin_server_ts"]
    assert stopped > started
    # Quiet for half the time she took between her first and last message, and QUIET is that whole time: still writing.
    monkeypatch.setattr(reports, "QUIET", timedelta(milliseconds=stopped - started))
    with time_machine.travel(datetime.fromtimestamp((stopped + (stopped - started) / 2) / 1000, tz=UTC), tick=False):
        assert poll_connection(matrix.connection).failed == []
    assert Report.objects.count() == 0 and notices(alice, chat, community.bot.user_id) == []
    monkeypatch.setattr(reports, "QUIET", timedelta(0))
    poll_connection(matrix.connection)
    assert Report.objects.count() == 1


def test_an_answer_owed_when_the_worker_stopped_after_the_commit_is_sent_by_the_next_read(matrix, community: Community, stewards: Any):
    alice = community.as_(community.alice)
    poll_connection(matrix.connection)
    chat = open_direct_chat(alice, community.bot.user_id)
    poll_connection(matrix.connection)
    say(alice, chat, "Someone keeps messaging me in private after I asked them to stop.")
    poll_connection(matrix.connection)  # the commit's callbacks never run here: as if the worker died right after it
    report = Report.objects.get()
    reply = SpaceReply.objects.get(connection=matrix.connection, sent_at__isnull=True)
    with database.cursor() as cursor:
        cursor.execute("SELECT text FROM spaces_spacereply WHERE id = %s", [reply.pk])
        stored = cursor.fetchone()[0]
    assert report.reference not in stored and "follow" not in stored  # encrypted at rest
    assert notices(alice, chat, community.bot.user_id) == []
    poll_connection(matrix.connection)
    poll_connection(matrix.connection)
    [answer] = notices(alice, chat, community.bot.user_id)
    assert report.reference in answer and Report.objects.count() == 1
    # Sent is sent: a later round owes nothing. (Asked of Steward, not of the chat: the homeserver would quietly drop a
    # second send with the same transaction id for a while, and hide a resend from the chat.)
    assert reports.send_replies(matrix) == 0


def test_an_answer_to_a_chat_the_bot_is_out_of_is_given_up_and_its_link_not_kept(matrix, community: Community, stewards: Any):
    alice = community.as_(community.alice)
    poll_connection(matrix.connection)
    chat = open_direct_chat(alice, community.bot.user_id)
    poll_connection(matrix.connection)
    say(alice, chat, "Someone keeps messaging me in private after I asked them to stop.")
    poll_connection(matrix.connection)  # taken; the worker stops before the answer goes
    # The chat is gone for the bot before the next read (it is out of it: the chat was shut down, or left by hand).
    community.as_(community.bot).leave(chat)
    later = open_direct_chat(alice, community.bot.user_id)  # another report, in another chat, comes after it
    poll_connection(matrix.connection)
    say(alice, later, "And one more thing, about someone else.")
    poll_connection(matrix.connection)
    poll_connection(matrix.connection)
    first, second = SpaceReply.objects.filter(connection=matrix.connection).order_by("pk")
    assert first.sent_at is not None and first.text == "" and first.external_ref == "", "given up, and the link not kept"
    assert second.sent_at is not None and second.text == "" and second.external_ref, "the answers behind it still go"
    assert Report.objects.count() == 2 and len(notices(alice, later, community.bot.user_id)) == 1


def test_a_report_whose_answer_was_given_up_is_not_taken_again(matrix, community: Community, stewards: Any):
    alice = community.as_(community.alice)
    user = q(community.alice.user_id)
    alice._call("PUT", f"{CLIENT}/profile/{user}/displayname", "naming", body={"displayname": ""})  # she has no display name
    poll_connection(matrix.connection)
    chat = open_direct_chat(alice, community.bot.user_id)
    poll_connection(matrix.connection)
    say(alice, chat, "Hi")
    say(alice, chat, "someone keeps sending me insults in private")
    poll_connection(matrix.connection)  # taken; the worker stops before the answer goes
    # What send_replies leaves when the homeserver refuses the answer: given up, nothing of it kept, nothing in the chat.
    SpaceReply.objects.filter(connection=matrix.connection).update(sent_at=timezone.now(), text="")
    say(alice, chat, "and now they write to my friends")  # a new report, and only this message is in it
    assert poll_connection(matrix.connection).failed == []
    assert poll_connection(matrix.connection).failed == []
    first, second = Report.objects.order_by("pk")
    assert "insults" in first.body and "friends" in second.body
    assert first.reporter_name == second.reporter_name == "", "no display name: none recorded (not the word None)"
    assert "insults" not in second.body, "the messages a report covers are not taken again"


def test_an_edit_or_a_change_to_the_chat_after_the_answer_is_no_new_report(
    matrix, community: Community, stewards: Any, django_capture_on_commit_callbacks: Any
):
    alice = community.as_(community.alice)
    poll_connection(matrix.connection)
    chat = open_direct_chat(alice, community.bot.user_id)
    poll_connection(matrix.connection)
    said = say(alice, chat, "someone keeps sending me insults in private")
    with django_capture_on_commit_callbacks(execute=True):
        poll_connection(matrix.connection)
    assert Report.objects.count() == 1 and len(notices(alice, chat, community.bot.user_id)) == 1
    edit = {
        "msgtype": "m.text",
        "body": "* someone keeps sending me insults in private messages",
        "m.new_content": {"msgtype": "m.text", "body": "someone keeps sending me insults in private messages"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": said},
    }
    alice.send(chat, "m.room.message", edit, uuid.uuid4().hex)  # she fixes a typo in what she reported
    alice.put_state(chat, "m.room.topic", "", {"topic": "reporting"})  # and names the chat
    with django_capture_on_commit_callbacks(execute=True):
        assert poll_connection(matrix.connection).failed == []
        assert poll_connection(matrix.connection).failed == []
    assert Report.objects.count() == 1 and len(notices(alice, chat, community.bot.user_id)) == 1


def another_connection_owing_an_answer(
    monkeypatch: pytest.MonkeyPatch, community: Community, reporter: MatrixClient
) -> tuple[Any, Account, str]:
    """A second Matrix connection with a bot of its own (say, another community's), which has taken a report the
    reporter wrote to it in a direct chat and owes the answer: the worker stopped before it went. (connection, its
    bot, the chat)"""
    other_bot = community.homeserver.register("other-bot")
    other = make_connection(
        monkeypatch,
        "matrix",
        slug="matrix-other",
        settings={"homeserver": community.homeserver.url, "rooms": list(community.rooms)},
        secrets={"access_token": other_bot.access_token},
    )
    poll_connection(other)
    chat = open_direct_chat(reporter, other_bot.user_id)
    poll_connection(other)
    say(reporter, chat, "Someone keeps messaging me in private after I asked them to stop.")
    poll_connection(other)  # taken; in a test's transaction the answer is not sent (it goes after a commit)
    return other, other_bot, chat


def test_each_connection_sends_only_its_own_answers(matrix, community: Community, stewards: Any, monkeypatch: pytest.MonkeyPatch):
    """Two Matrix connections (say, two communities' homeservers, each with its bot): an answer owed by one is never
    tried, and so never given up, by the other's bot."""
    alice = community.as_(community.alice)
    other, other_bot, chat = another_connection_owing_an_answer(monkeypatch, community, alice)
    assert poll_connection(matrix.connection).failed == []  # the first connection's read
    owed = SpaceReply.objects.get(connection=other)
    assert owed.sent_at is None and owed.text, "still owed, by its own connection"
    poll_connection(other)
    [answer] = notices(alice, chat, other_bot.user_id)
    assert Report.objects.get().reference in answer


def test_answers_owed_by_two_connections_each_reach_only_their_own_reporter(
    matrix, community: Community, stewards: Any, monkeypatch: pytest.MonkeyPatch
):
    """One connection owes an answer to a homeserver report (its direct chat is made when it is sent), another owes
    one in a chat already open: each answer, with its private link, reaches its own reporter and no one else, and
    sending the first neither redirects nor marks the second."""
    bob = community.as_(community.bob)
    other, other_bot, chat = another_connection_owing_an_answer(monkeypatch, community, bob)
    for_alice = "Thank you — your report reached the community's stewards. Its reference is R-ALICE."
    owed = SpaceReply.objects.create(
        connection=matrix.connection, source=f"{reports.EVENT_REPORT}1", where=community.alice.user_id, text=for_alice
    )

    assert reports.send_replies(matrix) == 1
    alices_chat = SpaceReply.objects.get(pk=owed.pk).where
    assert notices(community.as_(community.bot), alices_chat, community.bot.user_id) == [for_alice]
    bobs = SpaceReply.objects.get(connection=other)
    assert (bobs.where, bobs.sent_at) == (chat, None), "the other connection's answer is still owed, to Bob's chat"
    poll_connection(other)
    [answer] = notices(bob, chat, other_bot.user_id)
    assert Report.objects.get().reference in answer
    assert notices(community.as_(community.bot), alices_chat, other_bot.user_id) == []


def test_only_invitations_to_direct_chats_are_accepted(matrix, community: Community):
    owner = community.as_(community.owner)
    elsewhere = owner.create_room({"preset": "private_chat", "invite": [community.bot.user_id]})
    poll_connection(matrix.connection)
    poll_connection(matrix.connection)
    assert elsewhere not in community.as_(community.bot).joined_rooms()
    assert community.as_(community.owner).membership(elsewhere, community.bot.user_id) == "invite"


def test_a_report_in_a_chat_with_others_in_it_is_not_taken(matrix, community: Community, stewards: Any):
    alice = community.as_(community.alice)
    poll_connection(matrix.connection)
    chat = open_direct_chat(alice, community.bot.user_id)
    poll_connection(matrix.connection)
    alice._call("POST", f"{CLIENT}/rooms/{q(chat)}/invite", "inviting", body={"user_id": community.bob.user_id})
    community.as_(community.bob).join(chat)
    say(alice, chat, "Bob, look what I am reporting")
    assert poll_connection(matrix.connection).failed == []
    assert Report.objects.count() == 0
    [answer] = notices(alice, chat, community.bot.user_id)
    assert "other people in this chat" in answer
    community.as_(community.bob).leave(chat)
    say(alice, chat, "Now it is just us: someone insulted me in the general room")
    assert poll_connection(matrix.connection).failed == []
    report = Report.objects.get()  # what she wrote since the bot last spoke, not what it refused to take
    assert "insulted me" in report.body and "Bob, look" not in report.body


def test_an_encrypted_message_is_answered_once_that_it_cannot_be_read(matrix, community: Community, stewards: Any):
    alice = community.as_(community.alice)
    poll_connection(matrix.connection)
    chat = open_direct_chat(alice, community.bot.user_id)
    poll_connection(matrix.connection)
    ciphertext = {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEnAC", "session_id": "s", "device_id": "D"}
    alice.send(chat, "m.room.encrypted", ciphertext, uuid.uuid4().hex)  # what Element sends in an encrypted chat
    assert poll_connection(matrix.connection).failed == []
    assert poll_connection(matrix.connection).failed == []
    assert Report.objects.count() == 0
    [answer] = notices(alice, chat, community.bot.user_id)
    assert "cannot read encrypted messages" in answer
    alice.send(chat, "m.room.encrypted", ciphertext | {"ciphertext": "AwgBEnAD"}, uuid.uuid4().hex)  # she tries again
    assert poll_connection(matrix.connection).failed == []
    assert len(notices(alice, chat, community.bot.user_id)) == 2, "each encrypted message is answered, once"
    assert Report.objects.count() == 0


def test_a_report_in_a_chat_someone_else_is_invited_to_is_not_taken(matrix, community: Community, stewards: Any):
    """An invited person reads the chat's history once they join (Element's direct chats let members read what came
    before they joined): they are as good as in it, and would read the private link."""
    alice = community.as_(community.alice)
    poll_connection(matrix.connection)
    chat = open_direct_chat(alice, community.bot.user_id)
    poll_connection(matrix.connection)
    alice._call("POST", f"{CLIENT}/rooms/{q(chat)}/invite", "inviting", body={"user_id": community.bob.user_id})
    say(alice, chat, "Bob, have a look at this when you join")
    poll_connection(matrix.connection)
    poll_connection(matrix.connection)  # (an answer owed would go now)
    bob = community.as_(community.bob)
    bob.join(chat)
    seen = notices(bob, chat, community.bot.user_id)
    assert not any("/follow-up/" in text or " at http" in text for text in seen), "no private link where Bob reads it"
    assert Report.objects.count() == 0
    [answer] = seen
    assert "other people in this chat" in answer


@pytest.fixture
def admin_matrix(db: Any, monkeypatch: pytest.MonkeyPatch, synapse: Homeserver, community: Community):
    """The community's connection with a Synapse admin's token: the homeserver's event reports come in."""
    admin = synapse.register("admin", admin=True)
    connection = make_connection(
        monkeypatch,
        "matrix",
        slug="matrix-admin",
        settings={"homeserver": synapse.url, "rooms": list(community.rooms)},
        secrets={"access_token": community.bot.access_token, "admin_token": admin.access_token},
    )
    return space_of(connection)


def test_an_element_report_to_the_homeserver_becomes_a_case_once_and_the_reporter_is_answered(
    admin_matrix, community: Community, stewards: Any, django_capture_on_commit_callbacks: Any
):
    alice, bob = community.as_(community.alice), community.as_(community.bob)
    room = community.rooms[1]
    poll_connection(admin_matrix.connection)
    rude = say(bob, room, "you people are idiots")
    path = f"{CLIENT}/rooms/{q(room)}/report/{q(rude)}"
    alice._call("POST", path, "reporting", body={"reason": "insulting everyone", "score": -100})  # what Element sends
    with django_capture_on_commit_callbacks(execute=True):
        assert poll_connection(admin_matrix.connection).failed == []
    report = Report.objects.get()
    assert reporter_party(report) == {handle(community.alice.user_id)}
    assert reported_party(report) == {handle(community.bob.user_id)}
    assert "you people are idiots" in report.body and "insulting everyone" in report.body
    # The bot opened a direct chat with the reporter and answered there, as Discord's "Report message" answers.
    [chat] = [reply.where for reply in SpaceReply.objects.filter(connection=admin_matrix.connection)]
    alice.join(chat)
    [answer] = notices(alice, chat, community.bot.user_id)
    assert report.reference in answer and "homeserver's administrators" in answer
    with django_capture_on_commit_callbacks(execute=True):
        poll_connection(admin_matrix.connection)
    assert Report.objects.count() == 1 and len(notices(alice, chat, community.bot.user_id)) == 1


def test_the_bot_joins_a_moderated_room_it_is_invited_to_and_keeps_every_direct_chat(monkeypatch, community: Community):
    """An invite-only moderated room is joined as a room, never taken for a direct chat (where what people write would
    be read as reports to the bot); and a person's second direct chat with the bot leaves their first one read."""
    owner, alice = community.as_(community.owner), community.as_(community.alice)
    private = owner.create_room({"name": "maintainers", "preset": "private_chat", "invite": [community.bot.user_id]})
    connection = make_connection(
        monkeypatch,
        "matrix",
        slug="matrix-private",
        settings={"homeserver": community.homeserver.url, "rooms": [*community.rooms, private]},
        secrets={"access_token": community.bot.access_token},
    )
    assert poll_connection(connection).failed == []
    bot = community.as_(community.bot)
    assert private in bot.joined_rooms()
    first = open_direct_chat(alice, community.bot.user_id)
    assert poll_connection(connection).failed == []
    second = open_direct_chat(alice, community.bot.user_id)  # Element opens a new chat when the old one is hidden
    assert poll_connection(connection).failed == []
    direct = bot.account_data(reports.DIRECT)
    assert direct == {community.alice.user_id: [first, second]}, "both her chats, and no moderated room"
    assert {first, second} <= set(bot.joined_rooms())
