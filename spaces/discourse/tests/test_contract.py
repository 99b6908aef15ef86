"""The client and the fake against Discourse's published OpenAPI description (spaces/specs/discourse-openapi.json.gz)."""

import json
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from spaces.base import Op
from spaces.contracts import ContractError, check_request, check_response, operation
from spaces.discourse import fake_shapes
from spaces.discourse.fake import API_KEY, INVALID_KEY
from spaces.testing import request

pytestmark = pytest.mark.django_db

# What the client calls that the published description lacks: the admin UI's own endpoints (see docs/spaces/discourse.md).
UNPUBLISHED = [
    ("PUT", "/admin/users/1/unsilence.json"),
    ("PUT", "/admin/users/1/unsuspend.json"),
    ("PUT", "/posts/1/unhide.json"),
    ("PUT", "/posts/1/recover.json"),
    ("GET", "/posts/by_number/1/2.json"),
    ("GET", "/admin/logs/staff_action_logs.json"),
    ("GET", "/posts/1/revisions/2.json"),
    ("PUT", "/posts/1/revisions/2/hide.json"),
    ("PUT", "/posts/1/revisions/2/show.json"),
    ("PUT", "/posts/1/revisions/2/revert.json"),
]
PUBLISHED = [
    ("GET", "/u/octocat.json"),
    ("GET", "/admin/users/1.json"),
    ("PUT", "/admin/users/1/silence.json"),
    ("PUT", "/admin/users/1/suspend.json"),
    ("GET", "/posts/1.json"),
    ("DELETE", "/posts/1.json"),
    ("POST", "/post_actions.json"),
    ("GET", "/t/1.json"),
    ("PUT", "/t/1/status.json"),
    ("GET", "/posts.json"),
    ("POST", "/posts.json"),
    ("GET", "/t/external_id/steward-notice-k-1.json"),
]


def test_every_call_of_a_full_round_was_checked_against_the_description(forum, fake, url, octocat, reply):
    """Apply, verify and revert everything, read, and look at what went over the wire."""
    week = timezone.now() + timedelta(days=7)
    actions = [
        request(Op.SILENCE, "octocat", ends_at=week, notice="Why: the stewards' reason."),
        request(Op.SUSPEND, "octocat", ends_at=week, notice="Why: the stewards' reason."),
        request(Op.HIDE_CONTENT, f"{url}/t/release-planning/{reply.topic_id}/{reply.post_number}", key="k-hide"),
        request(Op.DELETE_CONTENT, f"post:{reply.id}", key="k-delete"),
        request(Op.LOCK_THREAD, f"topic:{reply.topic_id}"),
    ]
    for action in actions:
        outcome = forum.apply(action)
        forum.verify(action, outcome.state)
        if action.op in forum.notifies:
            forum.post_moderation_notice(action, outcome.state, "Why: the stewards' reason.")
            assert forum.find_moderation_notice(action, outcome.state)
        forum.revert(action, outcome.state)
    assert forum.find_moderation_notice(request(Op.HIDE_CONTENT, "post:1"), {}) == ""  # k-1: none sent, a 404
    list(forum.read(timezone.now() - timedelta(days=1)))
    list(forum.moderation_log(timezone.now() - timedelta(days=1)))

    sent = {(call.method, fake_shapes.template_for(call.method, call.path)) for call in fake.calls if _published(call.method, call.path)}
    assert sent == {(method, fake_shapes.template_for(method, path)) for method, path in PUBLISHED}
    for call in fake.calls:
        if _published(call.method, call.path):
            check_request("discourse", call.method, call.path, json.loads(call.body) if call.body else None)
    # The fake checked every answer it gave too: the fixture asserts contract_problems is empty.


def _published(method: str, path: str) -> bool:
    try:
        operation("discourse", method, path)
    except ContractError:
        return False
    return True


@pytest.mark.parametrize(("method", "path"), UNPUBLISHED)
def test_the_endpoints_taken_from_the_admin_ui_are_still_unpublished(method, path):
    """If Discourse publishes one of these, this fails: check it against the description then."""
    assert not _published(method, path)


def test_the_fake_refuses_a_body_the_description_does_not_allow_as_discourse_would(fake, url, octocat):
    response = httpx.put(
        f"{url}/admin/users/{octocat.id}/suspend.json",
        json={"suspend_until": "2121-02-22"},  # no reason: Discourse answers 400
        headers={"Api-Key": API_KEY, "Api-Username": "system"},
    )
    assert response.status_code == 400
    assert response.json()["error_type"] == "invalid_parameters"
    assert octocat.suspended_till is None
    assert "reason" in fake.contract_problems.pop()


def test_the_fake_checks_the_api_key_and_user(fake, url):
    wrong = httpx.get(f"{url}/posts.json", headers={"Api-Key": "nope", "Api-Username": "system"})
    unknown_user = httpx.get(f"{url}/posts.json", headers={"Api-Key": API_KEY, "Api-Username": "nobody"})
    anonymous = httpx.get(f"{url}/admin/users/1.json")
    assert wrong.status_code == unknown_user.status_code == anonymous.status_code == 403
    assert wrong.json() == {"errors": [INVALID_KEY], "error_type": "invalid_access"}
    assert anonymous.json()["error_type"] == "not_logged_in"


def test_the_description_is_narrower_than_discourse_where_the_fake_says_so(fake, octocat):
    """The admin view of a suspended user carries fields the description does not list: without `as_published`
    the check fails, so the gap is real and kept to the fields named in fake_shapes."""
    octocat.suspended_till = timezone.now() + timedelta(days=1)
    octocat.suspended_at = timezone.now()
    body = fake_shapes.admin_user(octocat, fake.users)
    with pytest.raises(ContractError, match="suspended_till"):
        check_response("discourse", "GET", f"/admin/users/{octocat.id}.json", 200, body)
    published = fake_shapes.as_published("GET", "/admin/users/{id}.json", body)
    check_response("discourse", "GET", f"/admin/users/{octocat.id}.json", 200, published)
    with pytest.raises(ContractError, match="trust_level"):
        check_response("discourse", "GET", f"/admin/users/{octocat.id}.json", 200, {**published, "trust_level": "high"})
