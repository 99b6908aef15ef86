"""Silence, suspend, hide, delete and close on a stateful fake forum: apply, verify, revert, by hand, failures."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from spaces.base import NotConfigured, Op, PermanentFailure, TemporaryFailure, Verdict
from spaces.discourse.client import DiscourseClient
from spaces.discourse.fake import API_KEY
from spaces.discourse.space import DiscourseSpace
from spaces.testing import make_connection, request, space_of

pytestmark = pytest.mark.django_db


def week() -> datetime:
    return timezone.now() + timedelta(days=7)


def post_url(url, post):
    return f"{url}/t/release-planning/{post.topic_id}/{post.post_number}"


# People ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("op", "field", "path"), [(Op.SILENCE, "silenced_till", "silence"), (Op.SUSPEND, "suspended_till", "suspend")])
def test_a_penalty_holds_until_lifted_and_discourse_ends_it_itself(forum, fake, octocat, op, field, path):
    ends = week()
    action = request(op, "octocat", reason="Harassment of bob", ends_at=ends)  # handles reach us casefolded

    outcome = forum.apply(action)

    assert outcome.native_expiry is True
    assert outcome.state["user_id"] == octocat.id
    assert getattr(octocat, field).replace(microsecond=0) == ends.replace(microsecond=0)
    assert (octocat.silence_reason or octocat.suspend_reason) == "Harassment of bob"
    assert forum.verify(action, outcome.state).verdict == Verdict.HOLDS
    # Revert and verify use the resolved id: no second look-up by name.
    lookups = len([call for call in fake.calls if call.path.startswith("/u/")])
    reverted = forum.revert(action, outcome.state)
    assert forum.verify(action, outcome.state).verdict == Verdict.ABSENT
    assert len([call for call in fake.calls if call.path.startswith("/u/")]) == lookups
    assert "Lifted" in reverted.detail
    assert len(fake.mutations("PUT", rf"/{path}\.json$")) == 1
    assert len(fake.mutations("PUT", rf"/un{path}\.json$")) == 1


@pytest.mark.parametrize(("op", "path"), [(Op.SILENCE, "silence"), (Op.SUSPEND, "suspend")])
def test_applying_or_lifting_twice_changes_nothing_the_second_time(forum, fake, octocat, op, path):
    action = request(op, "octocat", ends_at=week())
    first = forum.apply(action)
    again = forum.apply(action)

    assert "already" in again.detail
    assert again.native_expiry is True
    assert len(fake.mutations("PUT", rf"/{path}\.json$")) == 1

    forum.revert(action, first.state)
    second = forum.revert(action, first.state)
    assert "no longer" in second.detail
    assert len(fake.mutations("PUT", rf"/un{path}\.json$")) == 1


def test_a_permanent_suspension_is_discourses_for_ever_and_nothing_is_scheduled(forum, octocat):
    outcome = forum.apply(request(Op.SUSPEND, "octocat", ends_at=None))

    assert octocat.suspended_till == datetime(3000, 1, 1, tzinfo=UTC)
    assert outcome.native_expiry is False
    assert "for ever" in outcome.detail


def test_lifting_by_hand_is_seen_by_verify(forum, fake, octocat):
    action = request(Op.SUSPEND, "octocat", ends_at=week())
    outcome = forum.apply(action)

    fake.unsuspend_by_hand("octocat")

    check = forum.verify(action, outcome.state)
    assert check.verdict == Verdict.ABSENT
    assert "not suspended" in check.detail


def test_a_longer_suspension_already_in_place_is_left_alone(forum, fake, octocat):
    fake.suspend_by_hand("octocat", timezone.now() + timedelta(days=30))

    outcome = forum.apply(request(Op.SUSPEND, "octocat", ends_at=week()))

    assert "already suspended" in outcome.detail
    assert fake.mutations("PUT", r"/suspend\.json$") == []


def test_a_shorter_silence_already_in_place_is_replaced_by_the_decided_one(forum, fake, octocat):
    fake.silence_by_hand("octocat", timezone.now() + timedelta(hours=1))
    ends = week()

    outcome = forum.apply(request(Op.SILENCE, "octocat", ends_at=ends))

    assert "replacing a shorter silence" in outcome.detail
    assert octocat.silenced_till.replace(microsecond=0) == ends.replace(microsecond=0)
    assert len(fake.mutations("PUT", r"/unsilence\.json$")) == 1


def test_an_end_already_past_is_refused(forum, octocat):
    with pytest.raises(PermanentFailure, match="has passed"):
        forum.apply(request(Op.SILENCE, "octocat", ends_at=timezone.now() - timedelta(minutes=1)))


def test_an_unknown_user_is_a_clear_permanent_failure(forum):
    with pytest.raises(PermanentFailure, match="has no user named 'nobody'"):
        forum.apply(request(Op.SUSPEND, "nobody", ends_at=week()))


def test_a_long_reason_is_cut_to_what_discourse_keeps(forum, octocat):
    forum.apply(request(Op.SILENCE, "octocat", reason="x" * 400, ends_at=week()))
    assert octocat.silence_reason == "x" * 300


# Posts and topics -----------------------------------------------------------------------------


def test_hiding_a_post_flags_it_with_take_action_and_unhiding_shows_it(forum, fake, url, reply):
    action = request(Op.HIDE_CONTENT, post_url(url, reply))

    outcome = forum.apply(action)

    assert reply.hidden is True
    assert outcome.state["post_id"] == reply.id
    (flag,) = fake.mutations("POST", r"^/post_actions\.json$")
    assert flag.query == {"take_action": "true"}
    assert flag.json() == {"id": reply.id, "post_action_type_id": 4}
    assert forum.verify(action, outcome.state).verdict == Verdict.HOLDS
    forum.revert(action, outcome.state)
    assert reply.hidden is False
    assert forum.verify(action, outcome.state).verdict == Verdict.ABSENT


def test_hiding_twice_flags_once(forum, fake, reply):
    action = request(Op.HIDE_CONTENT, f"post:{reply.id}")
    forum.apply(action)
    assert "already hidden" in forum.apply(action).detail
    assert len(fake.mutations("POST", r"^/post_actions\.json$")) == 1


def test_a_post_unhidden_by_hand_is_seen_and_cannot_be_flagged_twice(forum, fake, reply):
    action = request(Op.HIDE_CONTENT, f"post:{reply.id}")
    outcome = forum.apply(action)

    fake.unhide_by_hand(reply.id)

    assert forum.verify(action, outcome.state).verdict == Verdict.ABSENT
    with pytest.raises(PermanentFailure, match="flag a post only once"):
        forum.apply(action)


def test_deleting_a_post_can_be_undone(forum, fake, url, reply):
    action = request(Op.DELETE_CONTENT, f"{url}/t/{reply.topic_id}/{reply.post_number}")

    outcome = forum.apply(action)
    assert reply.deleted_at is not None
    assert forum.verify(action, outcome.state).verdict == Verdict.HOLDS
    assert "already deleted" in forum.apply(action).detail
    assert len(fake.mutations("DELETE")) == 1

    forum.revert(action, outcome.state)
    assert reply.deleted_at is None
    assert forum.verify(action, outcome.state).verdict == Verdict.ABSENT

    forum.apply(action)
    fake.recover_by_hand(reply.id)
    assert forum.verify(action, outcome.state).verdict == Verdict.ABSENT


def test_deleting_the_first_post_says_the_topic_went_with_it(forum, fake, url, thread):
    topic, _ = thread
    outcome = forum.apply(request(Op.DELETE_CONTENT, f"{url}/t/{topic.slug}/{topic.id}"))
    assert "whole topic" in outcome.detail
    assert topic.deleted_at is not None


def test_closing_a_topic_and_reopening_it(forum, fake, url, thread):
    topic, _ = thread
    action = request(Op.LOCK_THREAD, f"{url}/t/{topic.slug}/{topic.id}")

    outcome = forum.apply(action)
    assert topic.closed is True
    assert forum.verify(action, outcome.state).verdict == Verdict.HOLDS
    assert "already closed" in forum.apply(action).detail
    assert [call.json() for call in fake.mutations("PUT", r"/status\.json$")] == [{"status": "closed", "enabled": "true"}]

    fake.reopen_by_hand(topic.id)
    assert forum.verify(action, outcome.state).verdict == Verdict.ABSENT

    forum.apply(action)
    forum.revert(action, outcome.state)
    assert topic.closed is False
    assert forum.verify(request(Op.LOCK_THREAD, f"topic:{topic.id}"), {}).verdict == Verdict.ABSENT


@pytest.mark.parametrize(
    "subject",
    ["https://elsewhere.example/t/x/1/2", "post:abc", "{url}/c/general/4", "{url}/t/slug/notanumber", "just words"],
)
def test_subjects_that_name_no_post_here_are_refused(forum, url, subject):
    with pytest.raises(PermanentFailure):
        forum.apply(request(Op.HIDE_CONTENT, subject.format(url=url)))


def test_a_missing_post_is_permanent_on_apply_and_unknown_on_verify(forum):
    with pytest.raises(PermanentFailure, match="has no post"):
        forum.apply(request(Op.DELETE_CONTENT, "post:999999"))
    assert forum.verify(request(Op.DELETE_CONTENT, "post:999999"), {}).verdict == Verdict.UNKNOWN


# Failures -------------------------------------------------------------------------------------


def test_server_errors_are_temporary(forum, fake, octocat):
    fake.inject(502, "<html>Bad Gateway</html>", path="/u/")
    with pytest.raises(TemporaryFailure, match="HTTP 502"):
        forum.apply(request(Op.SILENCE, "octocat", ends_at=week()))


def test_rate_limits_are_temporary_and_say_how_long_to_wait(forum, fake, octocat):
    fake.inject_rate_limit(retry_after=7, method="PUT")
    with pytest.raises(TemporaryFailure) as raised:
        forum.apply(request(Op.SUSPEND, "octocat", ends_at=week()))
    assert raised.value.retry_after == 7
    assert "too many times" in raised.value.message
    assert octocat.suspended_till is None


def test_the_middlewares_plain_text_rate_limit_is_read_from_its_header(forum, fake, octocat):
    fake.inject_request_tracker_limit(retry_after=12)
    with pytest.raises(TemporaryFailure) as raised:
        forum.verify(request(Op.SUSPEND, "octocat"), {})
    assert raised.value.retry_after == 12


def test_timeouts_and_unreachable_forums_are_temporary(fake, url):
    fake.hold = threading.Event()  # the fake stalls until it is let go
    try:
        with DiscourseClient(url, API_KEY, "system", timeout=0.2) as client, pytest.raises(TemporaryFailure, match="in time"):
            client.post(1)
    finally:
        fake.hold.set()
    with DiscourseClient("http://127.0.0.1:9", API_KEY, "system") as client, pytest.raises(TemporaryFailure, match="Could not reach"):
        client.post(1)


def test_a_wrong_api_key_is_permanent_and_not_repeated_back(db, monkeypatch, url, octocat):
    connection = make_connection(monkeypatch, "discourse", slug="wrong", settings={"base_url": url}, secrets={"api_key": "not-the-key"})
    with pytest.raises(PermanentFailure) as raised:
        space_of(connection).apply(request(Op.SILENCE, "octocat", ends_at=week()))
    assert "refused the API key" in raised.value.message
    assert "not-the-key" not in raised.value.message


def test_other_refusals_are_permanent_with_discourses_words(forum, fake, reply):
    fake.inject(422, {"errors": ["Post can't be deleted while it is being edited"]}, method="DELETE")
    with pytest.raises(PermanentFailure, match=r"refused to delete post .*being edited"):
        forum.apply(request(Op.DELETE_CONTENT, f"post:{reply.id}"))


def test_a_forbidden_action_says_what_the_key_needs(forum, fake, thread):
    topic, _ = thread
    fake.inject(403, {"errors": ["You are not permitted to view the requested resource."], "error_type": "invalid_access"}, method="PUT")
    with pytest.raises(PermanentFailure, match="admin API key"):
        forum.apply(request(Op.LOCK_THREAD, f"topic:{topic.id}"))


def test_missing_credentials_name_the_environment_variable(db, monkeypatch, url):
    monkeypatch.delenv("STEWARD_SPACE_BARE_API_KEY", raising=False)
    bare = space_of(make_connection(monkeypatch, "discourse", slug="bare", settings={"base_url": url}))
    with pytest.raises(NotConfigured, match="STEWARD_SPACE_BARE_API_KEY"):
        bare.apply(request(Op.SILENCE, "octocat", ends_at=week()))
    nowhere = space_of(make_connection(monkeypatch, "discourse", slug="nowhere", secrets={"api_key": API_KEY}))
    with pytest.raises(NotConfigured, match="base_url"):
        nowhere.verify(request(Op.SILENCE, "octocat"), {})


def test_the_space_describes_itself(forum):
    assert isinstance(forum, DiscourseSpace)
    assert forum.intents == {"ban": (Op.SUSPEND,), "mute": (Op.SILENCE,)}
    assert {cap.op for cap in forum.capabilities} == {
        *(Op.SILENCE, Op.SUSPEND, Op.HIDE_CONTENT, Op.DELETE_CONTENT, Op.LOCK_THREAD),
        *(Op.HIDE_REVISION, Op.REVERT_REVISION),
    }
    assert all(cap.needs_end for cap in forum.capabilities if cap.op in (Op.SILENCE, Op.SUSPEND))
    with pytest.raises(PermanentFailure):
        forum.apply(request(Op.BAN, "octocat"))
