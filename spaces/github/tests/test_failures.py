"""How GitHub's failures reach the executor: temporary (retry, honouring retry_after) or permanent (a clear reason)."""

import threading
import time

import pytest

from spaces.base import NotConfigured, Op, PermanentFailure, TemporaryFailure
from spaces.github import graphql
from spaces.github.client import GitHubClient
from spaces.secrets import missing_secrets
from spaces.testing import make_connection, request, space_of


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_temporary(gh, fake, status):
    fake.add_user("octocat")
    fake.inject(status, {"message": "Server Error"}, path="/blocks/")
    with pytest.raises(TemporaryFailure, match=f"just now \\({status}: Server Error\\)") as caught:
        gh.apply(request(Op.BLOCK, "octocat"))
    assert caught.value.retry_after is None
    assert not fake.is_blocked("octocat")


def test_primary_rate_limit_gives_the_seconds_until_reset(gh, fake):
    fake.add_user("octocat")
    fake.inject_rate_limit(retry_after=30)
    with pytest.raises(TemporaryFailure, match="rate limit") as caught:
        gh.apply(request(Op.BLOCK, "octocat"))
    assert 28 <= caught.value.retry_after <= 31
    assert len(fake.calls) == 1  # githubkit did not retry or sleep by itself
    assert fake.mutations() == []


def test_secondary_rate_limit_gives_retry_after(gh, fake):
    fake.add_user("octocat")
    fake.inject_secondary_rate_limit(retry_after=90, method="PUT")
    with pytest.raises(TemporaryFailure) as caught:
        gh.apply(request(Op.BLOCK, "octocat"))
    assert caught.value.retry_after == 90
    assert gh.apply(request(Op.BLOCK, "octocat")).detail.startswith("Blocked octocat")


def test_plain_429_is_temporary(gh, fake):
    fake.inject(429, {"message": "Too Many Requests"}, {"retry-after": "7"})
    with pytest.raises(TemporaryFailure) as caught:
        gh.verify(request(Op.BLOCK, "octocat"), {})
    assert caught.value.retry_after == 7


def test_graphql_rate_limit_is_temporary(gh, fake):
    issue = fake.add_issue("acme/app", "alice")
    comment = fake.add_comment(issue, "mallory", "...")
    fake.inject_graphql_rate_limit(retry_after=45)
    with pytest.raises(TemporaryFailure) as caught:
        gh.apply(request(Op.HIDE_CONTENT, comment.html_url))
    assert 43 <= caught.value.retry_after <= 46
    assert fake.graphql_mutations() == []


def test_graphql_server_error_is_temporary(gh, fake):
    discussion = fake.add_discussion("acme/app", "carol")
    fake.inject(502, {"message": "Server Error"}, path="^/graphql$")
    with pytest.raises(TemporaryFailure):
        gh.apply(request(Op.LOCK_THREAD, discussion.html_url))


def test_missing_permission_names_what_the_token_needs(gh, fake):
    fake.add_user("octocat")
    fake.inject_forbidden("/blocks/", "organization_user_blocking=write", method="PUT")
    with pytest.raises(PermanentFailure) as caught:
        gh.apply(request(Op.BLOCK, "octocat"))
    assert caught.value.message == (
        "GitHub refused to block octocat from acme: Resource not accessible by personal access token. "
        "The token needs: organization_user_blocking=write."
    )


def test_wrong_token_is_permanent_and_never_shown(db, monkeypatch, fake, url):
    connection = make_connection(
        monkeypatch, "github", slug="example", settings={"org": "acme", "api_url": url}, secrets={"token": "ghp_wrong"}
    )
    with pytest.raises(PermanentFailure, match=r"refused the token .*\(401 Bad credentials\)") as caught:
        space_of(connection).apply(request(Op.BLOCK, "octocat"))
    assert "ghp_wrong" not in caught.value.message
    assert fake.mutations() == []


def test_missing_token_names_the_environment_variable(db, monkeypatch, url):
    connection = make_connection(monkeypatch, "github", slug="example", settings={"org": "acme", "api_url": url})
    assert missing_secrets("example", ["token"]) == ["STEWARD_SPACE_EXAMPLE_TOKEN"]
    with pytest.raises(NotConfigured, match="set STEWARD_SPACE_EXAMPLE_TOKEN"):
        space_of(connection).apply(request(Op.BLOCK, "octocat"))


def test_missing_organisation_is_not_configured(db, monkeypatch, fake, url):
    connection = make_connection(monkeypatch, "github", slug="example", settings={"api_url": url}, secrets={"token": fake.token})
    with pytest.raises(NotConfigured, match="no organisation: set 'org'"):
        space_of(connection).verify(request(Op.BLOCK, "octocat"), {})


def test_unreachable_github_is_temporary(fake):
    with fake.serve() as url:
        pass  # the port is closed again
    with pytest.raises(TemporaryFailure, match="could not reach GitHub"):
        GitHubClient(fake.token, url).is_blocked("acme", "octocat")


def test_timeout_is_temporary(fake, url):
    fake.hold = threading.Event()  # the fake takes the request and does not answer
    started = time.monotonic()
    with pytest.raises(TemporaryFailure, match="did not answer in time"):
        GitHubClient(fake.token, url, timeout=0.3).is_blocked("acme", "octocat")
    assert time.monotonic() - started < 5
    fake.hold.set()


def test_other_client_errors_are_permanent_with_githubs_words(gh, fake):
    issue = fake.add_issue("acme/app", "alice")
    fake.inject(422, {"message": "Validation Failed", "errors": [{"code": "custom", "message": "Issue is too old to lock"}]}, method="PUT")
    with pytest.raises(PermanentFailure, match=r"\(422\): Validation Failed \(Issue is too old to lock\)"):
        gh.apply(request(Op.LOCK_THREAD, issue.html_url))


def test_an_answer_without_githubs_shape_fails_loudly(gh, fake):
    issue = fake.add_issue("acme/app", "alice")
    comment = fake.add_comment(issue, "mallory", "...")
    fake.inject(200, {"id": comment.id, "body": "no node id, no user, no dates"}, method="GET", path="/issues/comments/")
    with pytest.raises(PermanentFailure, match="did not have the published shape"):
        gh.apply(request(Op.EDIT_CONTENT, comment.html_url, body="[removed]"))
    assert fake.mutations() == []


def test_an_invalid_graphql_document_is_refused_by_the_fake_as_by_github(gh, fake):
    with pytest.raises(PermanentFailure, match="Cannot query field 'isHidden'"):
        gh.client.graphql("check", graphql.MINIMIZED_STATE.replace("isMinimized", "isHidden"), {"id": "IC_x"})
    with pytest.raises(PermanentFailure, match="Syntax Error"):
        gh.client.graphql("check", "query { node(id: ", {})


def test_graphql_not_found_for_a_deleted_discussion_comment(gh, fake):
    discussion = fake.add_discussion("acme/app", "carol")
    comment = fake.add_comment(discussion, "mallory", "...")
    fake.delete_by_hand(comment)
    with pytest.raises(PermanentFailure, match="GitHub has no discussion comment"):
        gh.apply(request(Op.HIDE_CONTENT, comment.html_url))
