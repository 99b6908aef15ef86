"""Moderation done by hand on github.com reaches the committee's review queue, from deliveries in GitHub's shape.

Each delivery goes through the webhook endpoint as GitHub sends it: the fake changes its world as the web UI
would (a thread locked, a collaborator removed, a comment deleted) and builds the signed delivery.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enforcement.models import ActionStatus, EnforcementAction, ModeratorAction, Plan
from screening.models import Item as ScreenedItem
from spaces.github import fake_json
from spaces.github.fake import FakeGitHub
from spaces.models import SpaceConnection
from spaces.tests.helpers import sanctioned

pytestmark = pytest.mark.django_db


def deliver(fake: FakeGitHub, event: str, payload: dict[str, Any], delivery: str | None = None) -> Any:
    body, headers = fake.signed(event, payload, delivery=delivery)
    answer = Client().post(reverse("spaces:webhook", kwargs={"slug": "example"}), body, content_type="application/json", headers=headers)
    # A redelivery is answered 2xx too (GitHub would otherwise count it a failure), and applies nothing again.
    assert answer.status_code < 300, answer.content
    return answer


def queued() -> list[tuple[str, str, str]]:
    return [(item.action, item.actor, item.subject) for item in ModeratorAction.objects.order_by("id")]


def test_a_thread_locked_by_hand_is_queued_once_however_often_github_redelivers(connection, fake):
    issue = fake.add_issue("acme/app", "Alice")
    event, payload = fake.lock_by_hand(issue, by="Mod-Mary")
    deliver(fake, event, payload, delivery="lock-1")
    deliver(fake, event, payload, delivery="lock-1")  # "Redeliver" in the webhook's settings: the same GUID
    mary, alice = fake.add_user("Mod-Mary"), fake.add_user("Alice")
    assert queued() == [("locked", f"mod-mary, {mary.id}", f"alice, {alice.id}")]
    item = ModeratorAction.objects.get()
    assert issue.html_url in item.detail and "off-topic" in item.detail and item.connection == connection
    event, payload = fake.lock_by_hand(issue, action="unlocked", by="Mod-Mary")
    deliver(fake, event, payload)
    assert [action for action, _, _ in queued()] == ["locked", "unlocked"]


@pytest.mark.parametrize("kind", ["pull", "discussion"])
def test_pull_requests_and_discussions_locked_by_hand_are_queued(connection, fake, kind):
    thread = fake.add_issue("acme/app", "bob", pull=True) if kind == "pull" else fake.add_discussion("acme/app", "bob")
    deliver(fake, *fake.lock_by_hand(thread, by="mod-mary"))
    [(action, actor, subject)] = queued()
    assert (action, actor.split(", ")[0], subject.split(", ")[0]) == ("locked", "mod-mary", "bob")


def test_collaborator_and_member_removals_by_hand_are_queued(connection, fake):
    fake.add_collaborator("acme/app", "Ivan")
    fake.add_member("Ivan")
    deliver(fake, "member", fake.remove_collaborator_by_hand("acme/app", "Ivan", by="an-owner"))
    deliver(fake, "organization", fake.remove_member_by_hand("Ivan", by="an-owner"))
    assert [(action, subject.split(", ")[0]) for action, _, subject in queued()] == [("removed", "ivan"), ("removed", "ivan")]
    details = [item.detail for item in ModeratorAction.objects.order_by("id")]
    assert details == ["an-owner removed Ivan from the repository acme/app.", "an-owner removed Ivan from the GitHub organisation acme."]


def test_a_review_dismissed_by_hand_is_queued_against_the_reviewer(connection, fake):
    pull = fake.add_issue("acme/app", "bob", pull=True)
    review = fake.add_comment(pull, "Mallory", "LGTM, idiot", kind="review")
    deliver(fake, "pull_request_review", fake.dismiss_review_by_hand(review, by="mod-mary"))
    [(action, actor, subject)] = queued()
    assert (action, actor.split(", ")[0], subject.split(", ")[0]) == ("review-dismissed", "mod-mary", "mallory")


def test_a_comment_a_maintainer_deletes_is_queued_and_marks_its_screening_item(connection, fake):
    comment = fake.add_comment(fake.add_issue("acme/app", "alice"), "Mallory", "You are all idiots")
    deliver(fake, *fake.comment_payload(comment))
    screened = ScreenedItem.objects.get(external_id=f"issue_comment:{comment.id}")
    assert screened.removed_at is None
    deliver(fake, *fake.delete_comment_by_hand(comment, by="mod-mary"))
    screened.refresh_from_db()
    assert screened.removed_at is not None and screened.removed_by.startswith("mod-mary")
    assert screened.text == "You are all idiots"  # Steward's copy stays
    [(action, actor, subject)] = queued()
    assert (action, actor.split(", ")[0], subject.split(", ")[0]) == ("deleted", "mod-mary", "mallory")


def test_a_discussion_a_maintainer_deletes_marks_the_item_its_opening_post_was_read_as(connection, fake):
    discussion = fake.add_discussion("acme/app", "Mallory", title="Rant", body="You are all idiots")
    deliver(fake, *fake.discussion_payload(discussion))
    screened = ScreenedItem.objects.get(kind="discussion")
    event, payload = fake.discussion_payload(discussion, "deleted")
    deliver(fake, event, payload | {"sender": fake_json.user(fake.add_user("mod-mary"))})
    screened.refresh_from_db()
    assert screened.removed_at is not None and screened.removed_by.startswith("mod-mary")
    assert [action for action, _, _ in queued()] == ["deleted"]


def test_a_comment_its_author_deletes_marks_the_item_but_is_no_moderation(connection, fake):
    comment = fake.add_comment(fake.add_issue("acme/app", "alice"), "mallory", "oops")
    deliver(fake, *fake.comment_payload(comment))
    deliver(fake, *fake.delete_comment_by_hand(comment, by="mallory"))
    assert ScreenedItem.objects.get(external_id=f"issue_comment:{comment.id}").removed_at is not None
    assert queued() == []


def test_a_lock_steward_itself_made_is_not_queued_as_by_hand(connection, fake, stewards):
    issue = fake.add_issue("acme/app", "ivan-gh")
    made = sanctioned(stewards)
    plan, _ = Plan.objects.get_or_create(sanction=made.sanction, defaults={"case": made.case, "decision": made.sanction.decision})
    EnforcementAction.objects.create(
        plan=plan,
        connection=SpaceConnection.objects.get(pk=connection.pk),
        op="lock-thread",
        subject=issue.html_url,
        status=ActionStatus.APPLIED,
        applied_at=timezone.now() - timedelta(minutes=1),
    )
    event, payload = fake.lock_by_hand(issue, by=fake.steward.login)
    payload["issue"]["updated_at"] = timezone.now().isoformat()
    deliver(fake, event, payload)
    assert queued() == []
