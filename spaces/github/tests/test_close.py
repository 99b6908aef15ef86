"""Rejecting a contribution on GitHub: an issue closed as not planned, a pull request closed, each with the reason
as one comment, reopened on reversal; against the served fake, which keeps the state and state reason."""

import pytest
from githubkit.compat import type_validate_python
from githubkit_schemas.latest import models

from spaces.base import Op, PermanentFailure, Target, TemporaryFailure, Verdict
from spaces.github.close import marker
from spaces.github.space import GitHubSpace
from spaces.testing import request

from .test_contracts import served


def thread_comments(fake, issue):
    return [c for c in fake.world.comments.values() if c.kind == "issue_comment" and c.issue is issue]


def test_an_issue_is_closed_as_not_planned_with_the_reason_and_reopened(gh, fake):
    issue = fake.add_issue("acme/app", "mallory")
    action = request(Op.CLOSE_CONTRIBUTION, issue.html_url, reason="Spam: links to a betting site.")
    assert gh.verify(action, {}).verdict == Verdict.ABSENT

    outcome = gh.apply(action)
    assert outcome.detail == "Closed the issue as not planned acme/app#1, with the reason as a comment."
    assert (issue.state, issue.state_reason) == ("closed", "not_planned")
    [comment] = thread_comments(fake, issue)
    assert comment.author.login == "steward-bot"
    assert "closed as not planned by the community's stewards" in comment.body
    assert "Reason: Spam: links to a betting site." in comment.body
    assert gh.verify(action, outcome.state).verdict == Verdict.HOLDS

    reverted = gh.revert(action, outcome.state)
    assert reverted.detail == "Reopened the issue acme/app#1."
    assert (issue.state, issue.state_reason) == ("open", "reopened")
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT
    assert "already open" in gh.revert(action, outcome.state).detail


def test_a_pull_request_is_closed_unmerged_without_a_state_reason(gh, fake):
    pull = fake.add_issue("acme/app", "mallory", pull=True)
    action = request(Op.CLOSE_CONTRIBUTION, pull.html_url, reason="Generated code submitted in bulk.")
    outcome = gh.apply(action)
    assert (pull.state, pull.state_reason) == ("closed", None)
    assert "pull request" in outcome.detail
    assert "This pull request was closed" in thread_comments(fake, pull)[0].body
    assert gh.verify(action, outcome.state).verdict == Verdict.HOLDS
    gh.revert(action, outcome.state)
    assert pull.state == "open"


def test_a_retry_after_a_crash_posts_the_reason_once(gh, fake):
    issue = fake.add_issue("acme/app", "mallory")
    action = request(Op.CLOSE_CONTRIBUTION, issue.html_url, key="act-77")
    # The worker died after the comment, before the close: the retry finds its comment by the action's key.
    fake.inject(502, {"message": "Server Error"}, method="PATCH", path=r"/issues/\d+$")
    with pytest.raises(TemporaryFailure):
        gh.apply(action)
    assert len(thread_comments(fake, issue)) == 1 and issue.state == "open"
    gh.apply(action)
    assert issue.state == "closed"
    assert [marker("act-77") in c.body for c in thread_comments(fake, issue)] == [True]
    assert "already closed" in gh.apply(action).detail
    assert len(thread_comments(fake, issue)) == 1


def test_an_issue_closed_as_completed_or_reopened_by_hand_does_not_hold(gh, fake):
    issue = fake.add_issue("acme/app", "mallory")
    action = request(Op.CLOSE_CONTRIBUTION, issue.html_url)
    outcome = gh.apply(action)
    fake.reopen_by_hand(issue)
    assert gh.verify(action, outcome.state).verdict == Verdict.ABSENT
    issue.state, issue.state_reason = "closed", "completed"
    assert "not as not planned" in gh.verify(action, outcome.state).detail


def test_a_discussion_is_not_closed_and_not_offered(gh, fake):
    discussion = fake.add_discussion("acme/app", "mallory")
    url = f"https://github.com/acme/app/discussions/{discussion.number}"
    with pytest.raises(PermanentFailure, match="lock the discussion instead"):
        gh.apply(request(Op.CLOSE_CONTRIBUTION, url))
    close = gh.capability(Op.CLOSE_CONTRIBUTION)
    assert close.target == Target.THREAD
    assert not GitHubSpace.takes_subject(close, url)
    assert GitHubSpace.takes_subject(close, "https://github.com/acme/app/issues/4")
    assert GitHubSpace.takes_subject(close, "https://github.com/acme/app/pull/4")
    # Never from one comment: closing the whole contribution is decided on the contribution itself.
    assert not GitHubSpace.takes_subject(close, "https://github.com/acme/app/issues/4#issuecomment-9")


def test_the_new_endpoints_serve_githubs_published_shapes(fake, url):
    issue = fake.add_issue("acme/app", "alice")
    closed = served(fake, url, "PATCH", f"/repos/acme/app/issues/{issue.number}", {"state": "closed", "state_reason": "not_planned"})
    assert closed.status_code == 200
    assert type_validate_python(models.Issue, closed.json()).state_reason == "not_planned"
    created = served(fake, url, "POST", f"/repos/acme/app/issues/{issue.number}/comments", {"body": "Closed."})
    assert created.status_code == 201
    type_validate_python(models.IssueComment, created.json())
    listed = served(fake, url, "GET", f"/repos/acme/app/issues/{issue.number}/comments")
    assert [item.body for item in type_validate_python(list[models.IssueComment], listed.json())] == ["Closed."]
    refused = served(fake, url, "PATCH", f"/repos/acme/app/issues/{issue.number}", {"state_reason": "bored"})
    assert refused.status_code == 422
    type_validate_python(models.ValidationError, refused.json())
