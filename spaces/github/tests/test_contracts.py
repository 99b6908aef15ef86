"""The fake and the client against GitHub's published descriptions.

1. Every GraphQL document Steward sends validates against GitHub's schema (and the fake refuses one that does not).
2. Every REST body the fake serves parses into githubkit's generated model for that endpoint.
3. Every webhook payload the fake builds parses with githubkit's webhook models.
"""

from typing import Any

import httpx
import pytest
from githubkit.compat import type_validate_python
from githubkit.graphql import GraphQLResponse
from githubkit.webhooks import parse_obj
from githubkit_schemas.latest import models
from pydantic import ValidationError

from spaces.contracts import ContractError, check_graphql
from spaces.github import graphql

pytestmark = pytest.mark.database_free

# --- 1. GraphQL ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(graphql.ALL))
def test_graphql_document_validates(name):
    check_graphql(graphql.ALL[name])


def test_graphql_check_can_fail():
    with pytest.raises(ContractError, match="Cannot query field 'isHidden'"):
        check_graphql(graphql.MINIMIZED_STATE.replace("isMinimized", "isHidden"))
    with pytest.raises(ContractError, match="ReportedContentClassifiers"):
        check_graphql(graphql.MINIMIZE_COMMENT.replace("ReportedContentClassifiers!", "String!"))


def test_fake_refuses_an_invalid_document_in_githubs_shape(fake, url):
    answer = httpx.post(
        f"{url}/graphql",
        json={"query": "query { viewer { nonsense } }"},
        headers={"Authorization": f"Bearer {fake.token}"},
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "errors": [{"message": "Cannot query field 'nonsense' on type 'User'.", "extensions": {"code": "invalidDocument"}}]
    }
    assert GraphQLResponse.model_validate(answer.json()).errors[0].extensions == {"code": "invalidDocument"}


# --- 2. REST bodies ------------------------------------------------------------------------------------


@pytest.fixture
def world(fake):
    issue = fake.add_issue("acme/app", "alice")
    pull = fake.add_issue("acme/app", "bob", pull=True)
    fake.add_member("mona", role="admin")
    fake.add_collaborator("acme/app", "hubot", role="maintain")
    fake.add_user("newcomer")
    return {
        "issue": issue,
        "pull": pull,
        "issue_comment": fake.add_comment(issue, "mallory", "hello"),
        "review_comment": fake.add_comment(pull, "mallory", "hello", kind="review_comment"),
        "review": fake.add_comment(pull, "mallory", "hello", kind="review"),
        "commit_comment": fake.add_comment("acme/app@6dcb09b5b57875f334f61aebed695e2e4193db5e", "mallory", "hello"),
        "commits": [fake.add_commit("acme/app", "mallory", "Fix it"), fake.add_commit("acme/app", None, "Anonymous fix")],
    }


def served(fake, url, method: str, path: str, body: Any = None) -> httpx.Response:
    return httpx.request(method, url + path, json=body, headers={"Authorization": f"token {fake.token}"})


def rest_cases(world) -> list[tuple[str, str, Any, Any, int]]:
    c = world
    return [
        ("GET", f"/repos/acme/app/issues/comments/{c['issue_comment'].id}", None, models.IssueComment, 200),
        ("PATCH", f"/repos/acme/app/issues/comments/{c['issue_comment'].id}", {"body": "x"}, models.IssueComment, 200),
        ("GET", "/repos/acme/app/issues/comments", None, list[models.IssueComment], 200),
        ("GET", "/repos/acme/app/pulls/comments", None, list[models.PullRequestReviewComment], 200),
        ("GET", "/repos/acme/app/comments", None, list[models.CommitComment], 200),
        ("GET", "/repos/acme/app/issues?state=all&sort=updated&direction=asc", None, list[models.Issue], 200),
        ("GET", "/repos/acme/app/commits?since=2026-01-01T00:00:00Z", None, list[models.Commit], 200),
        ("GET", "/orgs/acme/repos", None, list[models.MinimalRepository], 200),
        ("GET", f"/repos/acme/app/pulls/comments/{c['review_comment'].id}", None, models.PullRequestReviewComment, 200),
        ("PATCH", f"/repos/acme/app/pulls/comments/{c['review_comment'].id}", {"body": "x"}, models.PullRequestReviewComment, 200),
        ("GET", f"/repos/acme/app/pulls/{c['pull'].number}/reviews/{c['review'].id}", None, models.PullRequestReview, 200),
        ("PUT", f"/repos/acme/app/pulls/{c['pull'].number}/reviews/{c['review'].id}", {"body": "x"}, models.PullRequestReview, 200),
        ("GET", f"/repos/acme/app/comments/{c['commit_comment'].id}", None, models.CommitComment, 200),
        ("PATCH", f"/repos/acme/app/comments/{c['commit_comment'].id}", {"body": "x"}, models.CommitComment, 200),
        ("GET", f"/repos/acme/app/issues/{c['issue'].number}", None, models.Issue, 200),
        ("GET", f"/repos/acme/app/issues/{c['pull'].number}", None, models.Issue, 200),
        # Rejecting a contribution: close as not planned with one reason comment, reopen on reversal; locking.
        ("GET", f"/repos/acme/app/issues/{c['issue'].number}/comments", None, list[models.IssueComment], 200),
        ("POST", f"/repos/acme/app/issues/{c['issue'].number}/comments", {"body": "Closed: spam."}, models.IssueComment, 201),
        ("PATCH", f"/repos/acme/app/issues/{c['issue'].number}", {"state": "closed", "state_reason": "not_planned"}, models.Issue, 200),
        ("PATCH", f"/repos/acme/app/issues/{c['issue'].number}", {"state": "open", "state_reason": "reopened"}, models.Issue, 200),
        ("PATCH", f"/repos/acme/app/issues/{c['pull'].number}", {"state": "closed"}, models.Issue, 200),
        ("PUT", f"/repos/acme/app/issues/{c['issue'].number}/lock", {"lock_reason": "too heated"}, None, 204),
        ("DELETE", f"/repos/acme/app/issues/{c['issue'].number}/lock", None, None, 204),
        ("GET", "/orgs/acme/memberships/mona", None, models.OrgMembership, 200),
        ("PUT", "/orgs/acme/memberships/newcomer", {"role": "member"}, models.OrgMembership, 200),
        ("GET", "/repos/acme/app/collaborators/hubot/permission", None, models.RepositoryCollaboratorPermission, 200),
        ("PUT", "/repos/acme/app/collaborators/newcomer", {"permission": "push"}, models.RepositoryInvitation, 201),
        ("GET", "/orgs/acme/interaction-limits", None, models.OrgsOrgInteractionLimitsGetResponse200Anyof1, 200),
        ("PUT", "/orgs/acme/interaction-limits", {"limit": "existing_users", "expiry": "one_day"}, models.InteractionLimitResponse, 200),
        ("GET", "/orgs/acme/interaction-limits", None, models.InteractionLimitResponse, 200),
        ("GET", "/repos/acme/app/interaction-limits", None, models.InteractionLimitResponse, 200),
        ("PUT", "/orgs/acme/blocks/mallory", None, None, 204),
        ("PUT", "/orgs/acme/blocks/mallory", None, models.ValidationError, 422),
        ("GET", "/orgs/acme/blocks/nobody", None, models.BasicError, 404),
    ]


def test_every_rest_body_the_fake_serves_has_githubs_published_shape(fake, url, world):
    for method, path, body, model, status in rest_cases(world):
        answer = served(fake, url, method, path, body)
        assert answer.status_code == status, (method, path, answer.text)
        if model is None:
            assert answer.content == b""
        else:
            type_validate_python(model, answer.json())


def test_the_shape_check_can_fail(fake, url, world):
    body = served(fake, url, "GET", f"/repos/acme/app/issues/comments/{world['issue_comment'].id}").json()
    del body["node_id"]
    with pytest.raises(ValidationError):
        type_validate_python(models.IssueComment, body)


def test_wrong_token_gets_githubs_401(fake, url):
    answer = httpx.get(f"{url}/orgs/acme/blocks/x", headers={"Authorization": "token nope"})
    assert answer.status_code == 401
    assert answer.json()["message"] == "Bad credentials"
    type_validate_python(models.BasicError, answer.json())


# --- 3. Webhook payloads -------------------------------------------------------------------------------


def test_every_webhook_payload_the_fake_builds_parses_with_githubs_models(fake):
    issue = fake.add_issue("acme/app", "alice")
    pull = fake.add_issue("acme/app", "bob", pull=True)
    discussion = fake.add_discussion("acme/app", "carol")
    comments = [
        fake.add_comment(issue, "mallory", "hi"),
        fake.add_comment(pull, "mallory", "hi", kind="issue_comment"),
        fake.add_comment(pull, "mallory", "hi", kind="review_comment"),
        fake.add_comment(discussion, "mallory", "hi"),
        fake.add_comment("acme/app@6dcb09b5b57875f334f61aebed695e2e4193db5e", "mallory", "hi"),
    ]
    for comment in comments:
        for action in ("created", "edited") if comment.kind != "commit_comment" else ("created",):
            event, payload = fake.comment_payload(comment, action)
            parsed = parse_obj(event, payload)
            assert parsed.action == action
    review = fake.add_comment(pull, "mallory", "hi", kind="review")
    for action in ("submitted", "edited"):
        event, payload = fake.comment_payload(review, action)
        assert parse_obj(event, payload).review.id == review.id
    for action in ("blocked", "unblocked"):
        assert parse_obj("org_block", fake.org_block_payload("spammer", action=action)).blocked_user.login == "spammer"
    assert parse_obj("ping", fake.ping_payload()).hook_id == 4242
    for thread in (issue, pull, discussion):
        for action in ("locked", "unlocked"):
            event, payload = fake.lock_by_hand(thread, action=action)
            assert parse_obj(event, payload).action == action
    fake.add_collaborator("acme/app", "ivan")
    assert parse_obj("member", fake.remove_collaborator_by_hand("acme/app", "ivan")).member.login == "ivan"
    assert parse_obj("organization", fake.remove_member_by_hand("ivan")).membership.user.login == "ivan"
    assert parse_obj("pull_request_review", fake.dismiss_review_by_hand(review)).review.state == "dismissed"
    for comment in comments[:4]:
        event, payload = fake.delete_comment_by_hand(comment)
        assert parse_obj(event, payload).action == "deleted"
    for opened in (issue, pull):
        for action in ("opened", "edited", "reopened"):
            event, payload = fake.issue_payload(opened, action)
            assert parse_obj(event, payload).action == action
    for action in ("created", "edited"):
        event, payload = fake.discussion_payload(discussion, action)
        assert parse_obj(event, payload).discussion.number == discussion.number
    pushed = [fake.add_commit("acme/app", "mallory", "Fix it"), fake.add_commit("acme/app", None, "Anonymous fix")]
    assert [commit.id for commit in parse_obj("push", fake.push_payload(pushed)).commits] == [commit.sha for commit in pushed]


def test_the_webhook_shape_check_can_fail(fake):
    issue = fake.add_issue("acme/app", "alice")
    event, payload = fake.comment_payload(fake.add_comment(issue, "mallory", "hi"))
    del payload["repository"]["full_name"]
    with pytest.raises(ValidationError):
        parse_obj(event, payload)
