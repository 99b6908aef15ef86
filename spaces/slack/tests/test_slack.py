"""SlackSpace against FakeSlack on a real local socket: every capability applied, checked, undone and checked again."""

from datetime import UTC, datetime

import pytest

from spaces.base import NotConfigured, Op, PermanentFailure, Target, TemporaryFailure, Verdict
from spaces.registry import platforms
from spaces.slack.space import SlackSpace
from spaces.slack.tests.conftest import ALICE, MALLORY
from spaces.testing import request

pytestmark = pytest.mark.django_db


def test_the_space_is_registered_with_its_capabilities():
    assert platforms()["slack"] is SlackSpace
    ops = {capability.op: capability for capability in SlackSpace.capabilities}
    assert set(ops) == {Op.DELETE_CONTENT, Op.REMOVE_FROM_CHANNEL, Op.DEACTIVATE}
    assert ops[Op.DELETE_CONTENT].target == Target.CONTENT and not ops[Op.DELETE_CONTENT].reversible
    assert all(capability.native_expiry is None for capability in SlackSpace.capabilities)
    assert SlackSpace.intents == {"ban": (Op.DEACTIVATE,)}


# Delete a message ------------------------------------------------------------------------------------


def test_delete_a_message_by_permalink(space, fake):
    ts = fake.post("C0RANDOM1", MALLORY, "something awful")
    action = request(Op.DELETE_CONTENT, fake.permalink("C0RANDOM1", ts))
    assert space.verify(action, {}).verdict == Verdict.ABSENT

    outcome = space.apply(action)

    assert not fake.has_message("C0RANDOM1", ts)
    assert outcome.detail == f"Deleted the Slack message {ts} in channel C0RANDOM1."
    assert not outcome.native_expiry
    assert fake.mutations("POST", r"chat\.delete$")[0].headers["authorization"] == f"Bearer {fake.admin_token}"
    assert space.verify(action, outcome.state).verdict == Verdict.HOLDS
    assert space.verify(action, {}).verdict == Verdict.HOLDS  # from the subject alone, as after a crash


def test_deleting_again_is_success_and_changes_nothing(space, fake):
    kept = fake.post("C0RANDOM1", ALICE, "unrelated")
    ts = fake.post("C0RANDOM1", MALLORY, "something awful")
    action = request(Op.DELETE_CONTENT, f"C0RANDOM1/{ts}")
    space.apply(action)

    again = space.apply(action)

    assert again.detail.endswith("was already gone.")
    assert fake.has_message("C0RANDOM1", kept)
    deletes = fake.mutations(path=r"chat\.delete$")
    assert len(deletes) == 2 and deletes[0].body == deletes[1].body  # the same message; the second call found it gone


def test_delete_a_thread_reply_is_checked_in_its_thread(space, fake):
    parent = fake.post("C0RANDOM1", ALICE, "a question")
    reply = fake.post("C0RANDOM1", MALLORY, "an abusive answer", thread_ts=parent)
    later = fake.post("C0RANDOM1", ALICE, "a later answer", thread_ts=parent)
    action = request(Op.DELETE_CONTENT, fake.permalink("C0RANDOM1", reply, thread_ts=parent))
    assert space.verify(action, {}).verdict == Verdict.ABSENT

    outcome = space.apply(action)

    assert outcome.state == {"channel": "C0RANDOM1", "ts": reply, "thread_ts": parent, "user_id": MALLORY}  # the author, to tell them why
    assert space.verify(action, outcome.state).verdict == Verdict.HOLDS
    assert fake.has_message("C0RANDOM1", later) and fake.has_message("C0RANDOM1", parent)
    assert fake.calls[-1].path == "/api/conversations.replies"


def test_a_deleted_thread_parent_leaves_a_tombstone_that_counts_as_gone(space, fake):
    parent = fake.post("C0RANDOM1", MALLORY, "starts a pile-on")
    fake.post("C0RANDOM1", ALICE, "a reply", thread_ts=parent)
    action = request(Op.DELETE_CONTENT, fake.permalink("C0RANDOM1", parent))

    outcome = space.apply(action)

    assert fake.channels["C0RANDOM1"].find(parent)["subtype"] == "tombstone"
    assert space.verify(action, outcome.state).verdict == Verdict.HOLDS


def test_deleting_needs_the_admin_token(make_space, fake):
    ts = fake.post("C0RANDOM1", MALLORY, "something awful")
    space = make_space(slug="acme-chat", secrets={"bot_token": fake.bot_token})

    with pytest.raises(NotConfigured, match="STEWARD_SPACE_ACME_CHAT_ADMIN_TOKEN"):
        space.apply(request(Op.DELETE_CONTENT, f"C0RANDOM1/{ts}"))
    assert fake.has_message("C0RANDOM1", ts)


def test_a_subject_that_is_not_a_message_is_refused(space):
    with pytest.raises(PermanentFailure, match="not a Slack message link"):
        space.apply(request(Op.DELETE_CONTENT, "https://example.org/some/page"))


# Remove from channels ------------------------------------------------------------------------------


def test_remove_from_every_channel_and_back(space, fake):
    action = request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold())  # handles arrive casefolded
    assert space.verify(action, {}).verdict == Verdict.ABSENT

    outcome = space.apply(action)

    assert outcome.state == {"user_id": MALLORY, "channels": ["C0MODS001", "C0RANDOM1"]}
    assert not fake.is_member("C0RANDOM1", MALLORY) and not fake.is_member("C0MODS001", MALLORY)
    assert fake.is_member("C0GENERAL", MALLORY)  # Slack lets nobody leave #general; it is not asked to
    assert fake.is_member("C0RANDOM1", ALICE)
    assert space.verify(action, outcome.state).verdict == Verdict.HOLDS

    back = space.revert(action, outcome.state)

    assert fake.is_member("C0RANDOM1", MALLORY) and fake.is_member("C0MODS001", MALLORY)
    assert "back in C0MODS001, C0RANDOM1" in back.detail
    assert space.verify(action, outcome.state).verdict == Verdict.ABSENT


def test_remove_from_one_channel_given_as_a_parameter(space, fake):
    action = request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold(), channel="c0random1")

    outcome = space.apply(action)

    assert outcome.state["channels"] == ["C0RANDOM1"]
    assert fake.is_member("C0MODS001", MALLORY)


def test_remove_from_the_configured_channels(make_space, fake):
    space = make_space(settings={"channels": ["C0MODS001"]})

    outcome = space.apply(request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold()))

    assert outcome.state["channels"] == ["C0MODS001"]
    assert fake.is_member("C0RANDOM1", MALLORY)


def test_removing_again_does_not_kick_again(space, fake):
    action = request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold())
    space.apply(action)
    kicks = len(fake.mutations(path=r"conversations\.kick$"))

    again = space.apply(action)

    assert len(fake.mutations(path=r"conversations\.kick$")) == kicks
    assert again.state["channels"] == [] and "already in none" in again.detail


def test_removing_from_a_named_channel_twice_is_success(space, fake):
    action = request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold(), channel="C0RANDOM1")
    space.apply(action)

    again = space.apply(action)

    assert again.state["channels"] == []
    assert not fake.is_member("C0RANDOM1", MALLORY)


def test_a_person_added_back_by_hand_is_seen(space, fake):
    action = request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold())
    outcome = space.apply(action)

    fake.invite_by_hand("C0RANDOM1", MALLORY)

    check = space.verify(action, outcome.state)
    assert check.verdict == Verdict.ABSENT and "C0RANDOM1" in check.detail


def test_undoing_twice_invites_once(space, fake):
    action = request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold(), channel="C0RANDOM1")
    outcome = space.apply(action)
    space.revert(action, outcome.state)

    again = space.revert(action, outcome.state)

    assert "0 re-added" in again.detail
    assert fake.is_member("C0RANDOM1", MALLORY)


def test_a_failure_partway_puts_people_back_so_the_retry_records_every_channel(space, fake, monkeypatch):
    action = request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold())
    handled = fake.handle
    kicks = []

    def second_kick_fails(http_request):
        if http_request.url.path.endswith("conversations.kick"):
            kicks.append(http_request)
            if len(kicks) == 2:
                return fake.reply(503, "upstream unavailable", {"Content-Type": "text/plain"})
        return handled(http_request)

    monkeypatch.setattr(fake, "handle", second_kick_fails)
    with pytest.raises(TemporaryFailure):
        space.apply(action)
    monkeypatch.setattr(fake, "handle", handled)

    assert len(kicks) == 2
    assert fake.is_member("C0MODS001", MALLORY) and fake.is_member("C0RANDOM1", MALLORY)
    outcome = space.apply(action)
    assert outcome.state["channels"] == ["C0MODS001", "C0RANDOM1"]


def test_the_default_channel_cannot_be_left_and_says_so(make_space, fake):
    with pytest.raises(PermanentFailure, match="nobody be removed from the workspace's default channel C0GENERAL"):
        make_space().apply(request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold(), channel="C0GENERAL"))

    outcome = make_space(settings={"channels": ["C0GENERAL", "C0RANDOM1"]}).apply(request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold()))

    assert outcome.state["channels"] == ["C0RANDOM1"]
    assert (
        outcome.detail
        == "Removed Slack user U012AB3CD from 1 channel(s): C0RANDOM1 (Slack lets nobody leave the default channel C0GENERAL)."
    )


def test_removing_where_the_bot_is_not_a_member_says_so(space, fake):
    fake.add_channel("C0NOBOT01", "elsewhere", {MALLORY}, bot_member=False)

    with pytest.raises(PermanentFailure, match="the Steward bot must be a member of the channel"):
        space.apply(request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold(), channel="C0NOBOT01"))


def test_a_person_named_by_email_is_looked_up_once(space, fake):
    action = request(Op.REMOVE_FROM_CHANNEL, "mallory@example.org", channel="C0RANDOM1")

    outcome = space.apply(action)

    assert outcome.state["user_id"] == MALLORY
    lookups = len([call for call in fake.calls if call.path.endswith("users.lookupByEmail")])
    space.verify(action, outcome.state)
    space.revert(action, outcome.state)
    assert len([call for call in fake.calls if call.path.endswith("users.lookupByEmail")]) == lookups == 1


def test_an_unknown_email_is_a_clear_refusal(space):
    with pytest.raises(PermanentFailure, match=r"no member with the e-mail address nobody@example\.org"):
        space.apply(request(Op.REMOVE_FROM_CHANNEL, "nobody@example.org"))


def test_a_handle_that_is_not_a_slack_id_is_refused(space):
    with pytest.raises(PermanentFailure, match="neither a Slack user id"):
        space.apply(request(Op.REMOVE_FROM_CHANNEL, "octocat"))


def test_removing_needs_the_bot_token(make_space):
    space = make_space(slug="acme-chat", secrets={})

    with pytest.raises(NotConfigured, match="STEWARD_SPACE_ACME_CHAT_BOT_TOKEN"):
        space.apply(request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold()))


# Deactivate -------------------------------------------------------------------------------------------


def test_deactivate_and_reactivate(space, fake):
    action = request(Op.DEACTIVATE, MALLORY.casefold())
    assert space.verify(action, {}).verdict == Verdict.ABSENT

    outcome = space.apply(action)

    assert not fake.is_active(MALLORY)
    assert outcome.state == {"user_id": MALLORY} and not outcome.native_expiry
    assert space.verify(action, outcome.state).verdict == Verdict.HOLDS

    space.revert(action, outcome.state)

    assert fake.is_active(MALLORY)
    assert space.verify(action, outcome.state).verdict == Verdict.ABSENT
    patch = fake.mutations("PATCH")[0].json()
    assert patch["Operations"] == [{"op": "replace", "path": "active", "value": True}]


def test_deactivating_and_reactivating_again_call_slack_once_each(space, fake):
    action = request(Op.DEACTIVATE, MALLORY.casefold())
    outcome = space.apply(action)
    again = space.apply(action)
    space.revert(action, outcome.state)
    space.revert(action, outcome.state)

    assert "already deactivated" in again.detail
    assert len(fake.mutations("DELETE")) == 1 and len(fake.mutations("PATCH")) == 1


def test_a_reactivation_by_hand_is_seen(space, fake):
    action = request(Op.DEACTIVATE, MALLORY.casefold())
    outcome = space.apply(action)

    fake.reactivate_by_hand(MALLORY)

    assert space.verify(action, outcome.state).verdict == Verdict.ABSENT


def test_deactivating_someone_scim_does_not_know_is_refused(space):
    with pytest.raises(PermanentFailure, match="has no user U0NOBODY1"):
        space.apply(request(Op.DEACTIVATE, "u0nobody1"))


def test_a_wrong_admin_token_is_refused_by_scim(make_space, fake):
    space = make_space(secrets={"bot_token": fake.bot_token, "admin_token": "xoxp-wrong"})

    with pytest.raises(PermanentFailure, match=r"refused the admin token \(HTTP 401.*admin scope"):
        space.apply(request(Op.DEACTIVATE, MALLORY.casefold()))
    assert fake.is_active(MALLORY)


# Failures -------------------------------------------------------------------------------------------------


def test_a_rate_limit_is_temporary_and_says_when_to_retry(space, fake):
    fake.inject_rate_limit(retry_after=7, path=r"conversations\.kick$")

    with pytest.raises(TemporaryFailure) as raised:
        space.apply(request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold(), channel="C0RANDOM1"))

    assert raised.value.retry_after == 7
    assert fake.is_member("C0RANDOM1", MALLORY)


def test_a_scim_rate_limit_is_temporary_too(space, fake):
    fake.inject_rate_limit(retry_after=30, path=r"^/scim/")

    with pytest.raises(TemporaryFailure) as raised:
        space.apply(request(Op.DEACTIVATE, MALLORY.casefold()))

    assert raised.value.retry_after == 30


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_temporary(space, fake, status):
    fake.inject(status, "<html>Slack is having trouble</html>", {"Content-Type": "text/html"}, path=r"chat\.delete$")
    ts = fake.post("C0RANDOM1", MALLORY, "something awful")

    with pytest.raises(TemporaryFailure, match=f"HTTP {status}"):
        space.apply(request(Op.DELETE_CONTENT, f"C0RANDOM1/{ts}"))
    assert fake.has_message("C0RANDOM1", ts)


def test_slack_internal_errors_are_temporary(space, fake):
    fake.inject(200, {"ok": False, "error": "internal_error"}, path=r"conversations\.kick$")

    with pytest.raises(TemporaryFailure, match="internal_error"):
        space.apply(request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold(), channel="C0RANDOM1"))


def test_an_unreachable_slack_is_temporary(make_space):
    space = make_space(settings={"api_url": "http://127.0.0.1:9"})  # the discard port: nothing listens

    with pytest.raises(TemporaryFailure, match="could not be reached"):
        space.apply(request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold(), channel="C0RANDOM1"))


@pytest.mark.parametrize("status", [400, 403, 404])
def test_client_errors_are_permanent(space, fake, status):
    fake.inject(status, {"ok": False, "error": "invalid_request"}, path=r"conversations\.kick$")

    with pytest.raises(PermanentFailure, match=f"Slack refused conversations.kick \\(HTTP {status}\\)"):
        space.apply(request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold(), channel="C0RANDOM1"))


def test_a_missing_scope_is_named(space, fake):
    fake.revoke_scope(fake.bot_token, "channels:manage")

    with pytest.raises(PermanentFailure, match="the bot token lacks the channels:manage scope"):
        space.apply(request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold(), channel="C0RANDOM1"))


def test_a_wrong_bot_token_is_named(make_space, fake):
    space = make_space(secrets={"bot_token": "xoxb-wrong"})

    with pytest.raises(PermanentFailure, match=r"the bot token is not valid \(invalid_auth\)"):
        space.apply(request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold(), channel="C0RANDOM1"))


# Reading ------------------------------------------------------------------------------------------------


def test_read_gives_peoples_messages_since_a_time_oldest_first(make_space, fake):
    space = make_space(settings={"channels": "C0RANDOM1,C0MODS001", "workspace_url": "https://acme.slack.com"})
    old = fake.post("C0RANDOM1", ALICE, "before")
    first = fake.post("C0MODS001", MALLORY, f"hey <@{ALICE}>")
    second = fake.post("C0RANDOM1", ALICE, "hello")
    fake.channels["C0RANDOM1"].messages.append(
        {"type": "message", "subtype": "channel_join", "user": ALICE, "ts": f"{int(float(second)) + 1}.000100"}
    )
    fake.channels["C0RANDOM1"].messages.append(
        {"type": "message", "bot_id": "B1", "user": "UBOTSTEWARD", "text": "beep", "ts": f"{int(float(second)) + 2}.000100"}
    )
    since = datetime.fromtimestamp(float(old) + 0.5, tz=UTC)

    items = list(space.read(since))

    assert [item.external_id for item in items] == [f"C0MODS001/{first}", f"C0RANDOM1/{second}"]
    assert items[0].author == (MALLORY.casefold(),) and items[0].addressed == (ALICE.casefold(),)
    assert items[0].url == f"https://acme.slack.com/archives/C0MODS001/p{first.replace('.', '')}"
    assert items[0].created_at == datetime.fromtimestamp(int(float(first)), tz=UTC).replace(microsecond=100)


def test_read_without_configured_channels_reads_every_channel_the_bot_is_in(space, fake):
    fake.add_channel("C0NOBOT01", "elsewhere", {MALLORY}, bot_member=False)
    posted = {fake.post(channel, MALLORY, "hi") for channel in ("C0GENERAL", "C0RANDOM1", "C0MODS001")}

    items = list(space.read(datetime(2020, 1, 1, tzinfo=UTC)))

    assert {item.external_id.split("/")[1] for item in items} == posted
