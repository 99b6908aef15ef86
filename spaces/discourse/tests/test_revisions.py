"""Rejecting a wiki edit on Discourse: hiding the edit from the post's history, undoing it (a revert), and both
reversed; against the fake, which keeps each post's revisions as Discourse numbers them (the first edit is 2)."""

import pytest

from spaces.base import Op, PermanentFailure, Verdict
from spaces.discourse.space import DiscourseSpace
from spaces.testing import request


@pytest.fixture
def wiki(fake, thread, bob, octocat):
    _topic, first = thread
    first.wiki = True
    first.raw = "How to release: tag, build, announce."
    number = fake.edit_by_hand(first, "How to release: send your password to octocat.", octocat)
    return first, number


def post_link(url, post):
    return f"{url}/t/release-planning/{post.topic_id}/{post.post_number}"


def test_an_edit_is_hidden_from_the_history_and_shown_again(forum, fake, url, wiki):
    post, number = wiki
    assert number == 2
    action = request(Op.HIDE_REVISION, post_link(url, post), revision=str(number))
    assert forum.verify(action, {}).verdict == Verdict.ABSENT
    outcome = forum.apply(action)
    assert outcome.detail == f"Hid the edit 2 of post {post.id} on {fake.site_url.split('//')[1]} from its history."
    assert post.revisions[0].hidden
    assert post.raw == "How to release: send your password to octocat."  # hiding keeps the text as it is
    assert forum.verify(action, outcome.state).verdict == Verdict.HOLDS
    assert "already hidden" in forum.apply(action).detail
    assert len(fake.mutations("PUT", "/revisions/2/hide")) == 1

    forum.revert(action, outcome.state)
    assert not post.revisions[0].hidden
    assert forum.verify(action, outcome.state).verdict == Verdict.ABSENT


def test_an_edit_is_undone_once_and_put_back_on_reversal(forum, fake, url, wiki, octocat):
    post, number = wiki
    action = request(Op.REVERT_REVISION, f"post:{post.id}", revision=number)
    outcome = forum.apply(action)
    assert outcome.detail.startswith("Undid the edit 2 of post")
    assert post.raw == "How to release: tag, build, announce."
    assert post.revisions[-1].edit_reason == "reverted to version #1"
    assert outcome.state["reverted_by"] == 3
    assert forum.verify(action, outcome.state).verdict == Verdict.HOLDS

    # A retry (the worker died before recording) takes Discourse's "same version" answer: nothing is edited twice.
    again = forum.apply(action)
    assert "already showed its text from before" in again.detail
    assert post.version == 3

    fake.edit_by_hand(post, "Edited again by someone.", octocat)
    assert forum.verify(action, outcome.state).verdict == Verdict.ABSENT
    fake.edit_by_hand(post, "How to release: tag, build, announce.", octocat)

    forum.revert(action, outcome.state)
    assert post.raw == "How to release: send your password to octocat."


def test_an_edit_needs_its_number_and_must_exist(forum, url, wiki):
    post, _number = wiki
    with pytest.raises(PermanentFailure, match="Say which edit"):
        forum.apply(request(Op.REVERT_REVISION, f"post:{post.id}"))
    with pytest.raises(PermanentFailure, match="Discourse has no edit 9"):
        forum.apply(request(Op.HIDE_REVISION, f"post:{post.id}", revision="9"))


def test_both_are_offered_on_a_post_link():
    for op in (Op.HIDE_REVISION, Op.REVERT_REVISION):
        capability = next(item for item in DiscourseSpace.capabilities if item.op == op)
        assert capability.params == ("revision",)
        assert DiscourseSpace.takes_subject(capability, "https://forum.example.org/t/wiki/12/1")
