"""Every GitHub capability against the served fake: apply → HOLDS → revert → ABSENT, idempotence, changes by hand."""

from datetime import timedelta

import pytest
from django.utils import timezone

from spaces.base import Op, PermanentFailure, Verdict
from spaces.registry import platforms
from spaces.testing import request


def test_registered_with_its_capabilities_and_intents():
    space = platforms()["github"]
    assert space.title == "GitHub"
    assert {capability.op for capability in space.capabilities} == {
        Op.BLOCK,
        Op.REMOVE_MEMBER,
        Op.LIMIT_INTERACTIONS,
        Op.HIDE_CONTENT,
        Op.DELETE_CONTENT,
        Op.EDIT_CONTENT,
        Op.LOCK_THREAD,
        Op.CLOSE_CONTRIBUTION,
    }
    assert space.intents == {"ban": (Op.BLOCK,)}
    assert not next(capability for capability in space.capabilities if capability.op == Op.DELETE_CONTENT).reversible
    assert set(space.secret_names) == {"token", "webhook_secret"}


# --- Block --------------------------------------------------------------------------------------------


def test_block_lifecycle(gh, fake):
    fake.add_user("Octocat")
    action = request(Op.BLOCK, "octocat")  # handles arrive casefolded; GitHub takes logins in any case
    assert gh.verify(action, {}).verdict == Verdict.ABSENT

    outcome = gh.apply(action)
    assert outcome.detail == "Blocked octocat from the organisation acme."
    assert not outcome.native_expiry
    assert fake.is_blocked("Octocat")
    assert gh.verify(action, outcome.state).verdict == Verdict.HOLDS

    reverted = gh.revert(action, outcome.state)
    assert "Unblocked octocat" in reverted.detail
    assert not fake.is_blocked("octocat")
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT


def test_block_twice_blocks_once(gh, fake):
    fake.add_user("octocat")
    first = gh.apply(request(Op.BLOCK, "octocat"))
    second = gh.apply(request(Op.BLOCK, "octocat"))
    assert "already blocked" in second.detail
    assert second.state == first.state
    assert len(fake.mutations("PUT", "/blocks/")) == 1


def test_block_race_with_a_block_by_hand_is_success(gh, fake):
    # Blocked by hand between Steward's look (not blocked yet) and its PUT: GitHub answers 422, which is success.
    fake.add_user("octocat")
    fake.inject(404, {"message": "Not Found", "status": "404"}, method="GET", path="/blocks/")
    fake.block_by_hand("octocat")
    outcome = gh.apply(request(Op.BLOCK, "octocat"))
    assert outcome.detail == "Blocked octocat from the organisation acme."
    assert [call.method for call in fake.calls] == ["GET", "PUT", "GET"]
    assert fake.is_blocked("octocat")


def test_block_refused_with_422_for_another_reason_is_permanent(gh, fake):
    fake.add_user("octocat")
    fake.inject(422, {"message": "Validation Failed", "errors": [{"message": "Cannot block this user"}]}, method="PUT")
    with pytest.raises(PermanentFailure, match=r"\(422\): Validation Failed \(Cannot block this user\)"):
        gh.apply(request(Op.BLOCK, "octocat"))


def test_block_refused_for_unknown_user_says_why(gh, fake):
    with pytest.raises(PermanentFailure, match="GitHub has no user nobody, or the token lacks the admin:org scope"):
        gh.apply(request(Op.BLOCK, "nobody"))


def test_block_undone_by_hand_is_seen(gh, fake):
    fake.add_user("octocat")
    outcome = gh.apply(request(Op.BLOCK, "octocat"))
    fake.unblock_by_hand("octocat")
    assert gh.verify(request(Op.BLOCK, "octocat"), outcome.state).verdict == Verdict.ABSENT
    assert "was not blocked" in gh.revert(request(Op.BLOCK, "octocat"), outcome.state).detail
    assert len(fake.mutations("DELETE", "/blocks/")) == 0


def test_not_a_login_is_refused(gh):
    with pytest.raises(PermanentFailure, match="not a GitHub user name"):
        gh.apply(request(Op.BLOCK, "someone@example.org"))


# --- Remove member ----------------------------------------------------------------------------------


def test_remove_member_lifecycle(gh, fake):
    fake.add_member("mona", role="admin")
    action = request(Op.REMOVE_MEMBER, "mona")
    assert gh.verify(action, {}).verdict == Verdict.ABSENT

    outcome = gh.apply(action)
    assert outcome.detail == "Removed mona's membership of the organisation acme."
    assert outcome.state["role"] == "admin"
    assert gh.verify(action, outcome.state).verdict == Verdict.HOLDS

    reverted = gh.revert(action, outcome.state)
    assert "invitation sent" in reverted.detail
    assert reverted.detail == (
        "Invited mona back to the organisation acme as a member (invitation sent); they were an owner, which an owner must restore by hand."
    )
    invite = fake.mutations("PUT", "/memberships/mona")
    assert [call.json() for call in invite] == [{"role": "member"}]
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT  # invited back: pending counts as a member

    assert "already a member" in gh.revert(action, outcome.state).detail
    assert len(fake.mutations("PUT", "/memberships/")) == 1


def test_remove_member_twice_removes_once(gh, fake):
    fake.add_member("mona")
    gh.apply(request(Op.REMOVE_MEMBER, "mona"))
    again = gh.apply(request(Op.REMOVE_MEMBER, "mona"))
    assert "was not a member" in again.detail
    assert len(fake.mutations("DELETE", "/memberships/")) == 1


def test_member_added_back_by_hand_is_seen(gh, fake):
    fake.add_member("mona")
    outcome = gh.apply(request(Op.REMOVE_MEMBER, "mona"))
    fake.add_member("mona")
    assert gh.verify(request(Op.REMOVE_MEMBER, "mona"), outcome.state).verdict == Verdict.ABSENT


def test_remove_collaborator_lifecycle(gh, fake):
    fake.add_collaborator("acme/app", "mona", role="triage")
    action = request(Op.REMOVE_MEMBER, "mona", repository="app")
    outcome = gh.apply(action)
    assert outcome.detail == "Removed mona (triage) from the collaborators of acme/app."
    assert gh.verify(action, outcome.state).verdict == Verdict.HOLDS
    assert "was not a collaborator" in gh.apply(action).detail
    assert len(fake.mutations("DELETE", "/collaborators/")) == 1

    reverted = gh.revert(action, outcome.state)
    assert "invitation sent" in reverted.detail
    assert [call.json() for call in fake.mutations("PUT", "/collaborators/mona")] == [{"permission": "triage"}]
    assert gh.verify(action, outcome.state).verdict == Verdict.HOLDS  # an invitation is not access yet
    fake.accept_invitation("acme/app", "mona")
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT


# --- Interaction limits -----------------------------------------------------------------------------


def test_limit_interactions_lifecycle_with_native_expiry(gh, fake):
    fake.add_repo("acme/app")
    action = request(Op.LIMIT_INTERACTIONS, "acme/app", limit="contributors_only", ends_at=timezone.now() + timedelta(days=7))
    assert gh.verify(action, {}).verdict == Verdict.ABSENT

    outcome = gh.apply(action)
    assert outcome.native_expiry
    assert "Limited interactions in the repository acme/app to contributors_only" in outcome.detail
    assert [call.json() for call in fake.mutations("PUT", "/interaction-limits")] == [{"limit": "contributors_only", "expiry": "one_week"}]
    assert gh.verify(action, outcome.state).verdict == Verdict.HOLDS

    gh.revert(action, outcome.state)
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT
    assert "were not limited any more" in gh.revert(action, outcome.state).detail
    assert len(fake.mutations("DELETE", "/interaction-limits")) == 1


def test_limit_shorter_than_githubs_periods_is_lifted_by_steward(gh, fake):
    action = request(Op.LIMIT_INTERACTIONS, "acme", ends_at=timezone.now() + timedelta(days=2))
    outcome = gh.apply(action)
    sent = [call.json() for call in fake.mutations("PUT", "/orgs/acme/interaction-limits")]
    assert sent == [{"limit": "existing_users", "expiry": "three_days"}]
    assert not outcome.native_expiry
    assert "Steward lifts it at the end" in outcome.detail


def test_limit_longer_than_six_months_says_so(gh, fake):
    outcome = gh.apply(request(Op.LIMIT_INTERACTIONS, "acme", ends_at=timezone.now() + timedelta(days=400)))
    assert fake.mutations("PUT", "/interaction-limits")[0].json()["expiry"] == "six_months"
    assert not outcome.native_expiry
    assert "longer than six months" in outcome.detail


def test_limit_twice_sets_once_and_lift_by_hand_is_seen(gh, fake):
    action = request(Op.LIMIT_INTERACTIONS, "acme", limit="collaborators_only", ends_at=timezone.now() + timedelta(days=1))
    outcome = gh.apply(action)
    assert "already limited" in gh.apply(action).detail
    assert len(fake.mutations("PUT", "/interaction-limits")) == 1
    fake.lift_limit_by_hand("acme")
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT


def test_limit_outside_the_organisation_is_refused(gh):
    with pytest.raises(PermanentFailure, match="outside the organisation acme"):
        gh.apply(request(Op.LIMIT_INTERACTIONS, "other/app"))


def test_repository_limit_under_an_organisation_limit_is_refused_clearly(gh, fake):
    fake.add_repo("acme/app")
    gh.apply(request(Op.LIMIT_INTERACTIONS, "acme", ends_at=timezone.now() + timedelta(days=1)))
    with pytest.raises(PermanentFailure, match=r"\(409\): Interaction limits are already set at the organization level"):
        gh.apply(request(Op.LIMIT_INTERACTIONS, "acme/app", limit="collaborators_only"))


# --- Hide ---------------------------------------------------------------------------------------------


@pytest.fixture
def comments(fake):
    issue = fake.add_issue("acme/app", "alice")
    pull = fake.add_issue("acme/app", "bob", pull=True)
    discussion = fake.add_discussion("acme/app", "carol")
    first = fake.add_comment(discussion, "dave", "first!")
    return {
        "issue_comment": fake.add_comment(issue, "mallory", "You are all idiots"),
        "review_comment": fake.add_comment(pull, "mallory", "Terrible code, quit", kind="review_comment"),
        "review": fake.add_comment(pull, "mallory", "Never contribute again", kind="review"),
        "commit_comment": fake.add_comment("acme/app@6dcb09b5b57875f334f61aebed695e2e4193db5e", "mallory", "lol"),
        "discussion_comment": fake.add_comment(discussion, "mallory", "Go away", reply_to=first),
    }


KINDS = ["issue_comment", "review_comment", "review", "commit_comment", "discussion_comment"]


@pytest.mark.parametrize("kind", KINDS)
def test_hide_lifecycle(gh, fake, comments, kind):
    comment = comments[kind]
    action = request(Op.HIDE_CONTENT, comment.html_url, classifier="spam")
    assert gh.verify(action, {}).verdict == Verdict.ABSENT

    outcome = gh.apply(action)
    assert outcome.detail.startswith("Hid the ") and outcome.detail.endswith(" as spam.")
    assert outcome.state == {"node_id": comment.node_id}
    assert fake.comment(comment).minimized_reason == "spam"
    assert gh.verify(action, outcome.state).verdict == Verdict.HOLDS
    assert gh.verify(action, {}).verdict == Verdict.HOLDS  # after a crash, without the state

    assert "already hidden" in gh.apply(action).detail
    assert len(fake.graphql_mutations("minimizeComment")) == 1

    gh.revert(action, outcome.state)
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT
    assert fake.graphql_mutations("unminimizeComment") == [{"id": comment.node_id}]


def test_hide_undone_by_hand_and_deleted_comment(gh, fake, comments):
    comment = comments["issue_comment"]
    action = request(Op.HIDE_CONTENT, comment.html_url)
    outcome = gh.apply(action)
    assert fake.graphql_mutations("minimizeComment") == [{"id": comment.node_id, "classifier": "ABUSE"}]
    fake.unminimize_by_hand(comment)
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT
    fake.delete_by_hand(comment)
    assert gh.verify(action, outcome.state).verdict == Verdict.UNKNOWN
    assert "gone" in gh.revert(action, outcome.state).detail


def test_hide_refuses_an_unknown_classifier(gh, comments):
    with pytest.raises(PermanentFailure, match="'RUDE' is not one"):
        gh.apply(request(Op.HIDE_CONTENT, comments["issue_comment"].html_url, classifier="rude"))


def test_hide_refuses_a_url_that_names_no_comment(gh):
    with pytest.raises(PermanentFailure, match="names no comment"):
        gh.apply(request(Op.HIDE_CONTENT, "https://github.com/acme/app/issues/1"))


# --- Delete -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["issue_comment", "review_comment", "commit_comment", "discussion_comment"])
def test_delete_lifecycle(gh, fake, comments, kind):
    comment = comments[kind]
    action = request(Op.DELETE_CONTENT, comment.html_url)
    assert gh.verify(action, {}).verdict == Verdict.ABSENT
    outcome = gh.apply(action)
    assert outcome.detail.startswith("Deleted the ")
    assert comment.body not in str(outcome.state)  # the case keeps the evidence, not the action
    assert fake.comment(comment) is None
    assert gh.verify(action, outcome.state).verdict == Verdict.HOLDS
    assert gh.verify(action, {}).verdict == Verdict.HOLDS
    assert "already deleted" in gh.apply(action).detail
    assert len(fake.mutations()) == 1
    with pytest.raises(PermanentFailure, match="cannot restore a deleted comment"):
        gh.revert(action, outcome.state)


def test_delete_of_a_submitted_review_is_refused_with_an_alternative(gh, comments):
    with pytest.raises(PermanentFailure, match="hide or edit it instead"):
        gh.apply(request(Op.DELETE_CONTENT, comments["review"].html_url))


# --- Edit ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_edit_lifecycle(gh, fake, comments, kind):
    comment = comments[kind]
    original = comment.body
    action = request(Op.EDIT_CONTENT, comment.html_url, body="[Removed by the moderators]")
    assert gh.verify(action, {}).verdict == Verdict.ABSENT

    outcome = gh.apply(action)
    assert outcome.state["original_body"] == original
    assert fake.comment(comment).body == "[Removed by the moderators]"
    assert gh.verify(action, outcome.state).verdict == Verdict.HOLDS

    assert "already showed the new text" in gh.apply(action).detail
    mutations = len(fake.mutations())
    assert mutations == 1

    reverted = gh.revert(action, outcome.state)
    assert "Restored the original text" in reverted.detail
    assert fake.comment(comment).body == original
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT


def test_edit_changed_by_hand_is_seen_and_needs_a_body(gh, fake, comments):
    comment = comments["issue_comment"]
    action = request(Op.EDIT_CONTENT, comment.html_url, body="[Removed]")
    outcome = gh.apply(action)
    fake.edit_by_hand(comment, "I take it back")
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT
    with pytest.raises(PermanentFailure, match="needs the new text"):
        gh.apply(request(Op.EDIT_CONTENT, comment.html_url))


def test_revert_of_an_edit_whose_original_is_unknown_says_so(gh, comments):
    comment = comments["issue_comment"]
    action = request(Op.EDIT_CONTENT, comment.html_url, body=comment.body)
    outcome = gh.apply(action)
    with pytest.raises(PermanentFailure, match=r"original text .* is not known"):
        gh.revert(action, outcome.state)


# --- Lock ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pull", [False, True])
def test_lock_issue_lifecycle(gh, fake, pull):
    issue = fake.add_issue("acme/app", "alice", pull=pull)
    action = request(Op.LOCK_THREAD, issue.html_url, lock_reason="off-topic")
    assert gh.verify(action, {}).verdict == Verdict.ABSENT
    outcome = gh.apply(action)
    assert outcome.detail == f"Locked the issue acme/app#{issue.number} as off-topic."
    assert [call.json() for call in fake.mutations("PUT", "/lock")] == [{"lock_reason": "off-topic"}]
    assert gh.verify(action, outcome.state).verdict == Verdict.HOLDS
    assert "already locked" in gh.apply(action).detail
    assert len(fake.mutations("PUT", "/lock")) == 1

    gh.revert(action, outcome.state)
    assert not issue.locked
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT
    assert "already unlocked" in gh.revert(action, outcome.state).detail
    assert len(fake.mutations("DELETE", "/lock")) == 1


def test_lock_discussion_lifecycle(gh, fake):
    discussion = fake.add_discussion("acme/app", "carol")
    action = request(Op.LOCK_THREAD, discussion.html_url)
    outcome = gh.apply(action)
    assert fake.graphql_mutations("lockLockable") == [{"id": discussion.node_id, "reason": "TOO_HEATED"}]
    assert discussion.locked
    assert gh.verify(action, outcome.state).verdict == Verdict.HOLDS
    fake.unlock_by_hand(discussion)
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT
    gh.apply(action)
    gh.revert(action, outcome.state)
    assert fake.graphql_mutations("unlockLockable") == [{"id": discussion.node_id}]
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT


def test_lock_of_a_missing_thread_is_a_clear_refusal(gh, fake):
    fake.add_repo("acme/app")
    with pytest.raises(PermanentFailure, match="GitHub found nothing when trying to read issue acme/app#99"):
        gh.apply(request(Op.LOCK_THREAD, "https://github.com/acme/app/issues/99"))
    assert gh.verify(request(Op.LOCK_THREAD, "https://github.com/acme/app/discussions/98"), {}).verdict == Verdict.UNKNOWN
