"""Posts deleted by staff on the forum reach the committee's review queue; any deletion marks the screening item.

The deliveries are `post_destroyed` as Discourse sends them: the post serialised for the system user (a staff
viewer), so it carries `deleted_by`.
"""

import pytest
from django.test import Client
from django.urls import reverse

from enforcement.models import ModeratorAction
from screening.models import Item as ScreenedItem

pytestmark = pytest.mark.django_db


def deliver(body: bytes, headers: dict[str, str]) -> None:
    answer = Client().post(reverse("spaces:webhook", kwargs={"slug": "forum"}), body, content_type="application/json", headers=headers)
    assert answer.status_code < 300, answer.content  # a redelivery too: answered 2xx, nothing applied again


def test_a_post_staff_deletes_is_queued_and_marks_its_screening_item(forum, fake, reply, octocat):
    deliver(*fake.post_delivery(reply))
    moderator = fake.add_user("mod_mary", moderator=True)
    body, headers = fake.delete_post_by_hand(reply, by="mod_mary")
    deliver(body, headers)
    deliver(body, headers)  # Discourse's "redeliver": the same body, nothing twice
    screened = ScreenedItem.objects.get(external_id=str(reply.id))
    assert screened.removed_at is not None and screened.removed_by == f"{moderator.id}, mod_mary"
    assert screened.text == reply.raw  # Steward's copy stays
    [action] = ModeratorAction.objects.all()
    assert (action.action, action.actor, action.subject) == ("deleted", f"{moderator.id}, mod_mary", f"{octocat.id}, octocat")
    assert f"mod_mary deleted {octocat.username}'s post" in action.detail


def test_a_post_its_author_deletes_marks_the_item_but_is_no_moderation(forum, fake, reply, octocat):
    deliver(*fake.post_delivery(reply))
    deliver(*fake.delete_post_by_hand(reply, by=octocat.username))
    assert ScreenedItem.objects.get(external_id=str(reply.id)).removed_at is not None
    assert not ModeratorAction.objects.exists()


def test_a_post_stewards_own_account_deletes_is_not_queued_as_by_hand(forum, fake, reply):
    deliver(*fake.post_delivery(reply))
    fake.add_user(forum.api_username, admin=True)
    deliver(*fake.delete_post_by_hand(reply, by=forum.api_username))
    assert ScreenedItem.objects.get(external_id=str(reply.id)).removed_at is not None
    assert not ModeratorAction.objects.exists()
