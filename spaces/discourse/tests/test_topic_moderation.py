"""Topics staff close, archive or unlist on the forum reach the committee's review queue.

Discourse records a close or an archive in the staff action log (topic_closed, topic_archived… with the acting
user and topic id, no target user) and posts a small action in the topic ("closed.enabled"); unlisting
("visible.disabled") has the small action only. The fake does the same (spaces.discourse.topics explains
which record Steward reads for what).
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enforcement.models import ModeratorAction
from screening.models import Item as ScreenedItem
from spaces.base import Op
from spaces.models import ReadCursor
from spaces.polling import poll_connection
from spaces.testing import request

pytestmark = pytest.mark.django_db


def deliver(body: bytes, headers: dict[str, str]) -> None:
    answer = Client().post(reverse("spaces:webhook", kwargs={"slug": "forum"}), body, content_type="application/json", headers=headers)
    assert answer.status_code < 300, answer.content


def test_closing_and_archiving_by_staff_are_read_from_the_staff_log_against_the_topics_owner(forum, fake, thread, bob, url):
    topic, _ = thread
    mary = fake.add_user("mod_mary", moderator=True)
    own, _ = fake.add_topic("My own thread", bob, "Closing it myself")
    steward_closed, _ = fake.add_topic("Flame war", bob, "…")
    since = timezone.now() - timedelta(minutes=1)
    fake.set_status_by_hand(topic, "closed", True, by="mod_mary")
    fake.set_status_by_hand(topic, "archived", True, by="mod_mary")
    fake.set_status_by_hand(topic, "closed", False, by="mod_mary")
    fake.set_status_by_hand(own, "closed", True, by="bob")  # an owner closing their own topic: no moderation
    forum.apply(request(Op.LOCK_THREAD, f"{url}/t/{steward_closed.slug}/{steward_closed.id}"))  # Steward's own

    events = list(forum.moderation_log(since))
    assert sorted((event.action, event.actor, event.subject) for event in events) == sorted(
        [(action, (str(mary.id), "mod_mary"), (str(bob.id), "bob")) for action in ("closed", "archived", "reopened")]
    )
    closed = next(event for event in events if event.action == "closed")
    topic_url = f"{url}/t/{topic.slug}/{topic.id}"
    assert closed.detail == f"mod_mary closed bob's topic {topic_url}."
    assert topic_url in closed.targets and closed.at is not None and closed.at >= since
    assert [row["action_name"] for row in fake.staff_log].count("topic_closed") == 3, "Discourse logs all three closes"


def test_a_polled_close_is_queued_once_with_whose_topic_it_was(forum, fake, thread, bob):
    topic, _ = thread
    fake.add_user("mod_mary", moderator=True)
    ReadCursor.objects.create(connection=forum.connection, kind=ReadCursor.MODERATION, position=timezone.now() - timedelta(minutes=5))
    fake.set_status_by_hand(topic, "closed", True, by="mod_mary")
    poll_connection(forum.connection)
    ReadCursor.objects.filter(kind=ReadCursor.MODERATION).update(position=timezone.now() - timedelta(minutes=5))
    poll_connection(forum.connection)  # an overlapping window
    [queued] = ModeratorAction.objects.all()
    assert (queued.action, queued.subject) == ("closed", f"{bob.id}, bob")


def test_unlisting_by_staff_comes_from_its_small_action_delivery_and_closing_deliveries_add_nothing(forum, fake, thread, bob, url):
    topic, _ = thread
    mary = fake.add_user("mod_mary", moderator=True)
    deliver(*fake.set_status_by_hand(topic, "visible", False, by="mod_mary"))
    deliver(*fake.set_status_by_hand(topic, "closed", True, by="mod_mary"))  # read from the staff log, not twice
    [queued] = ModeratorAction.objects.all()
    assert (queued.action, queued.actor, queued.subject) == ("unlisted", f"{mary.id}, mod_mary", f"{bob.id}, bob")
    assert queued.detail == f"mod_mary unlisted bob's topic {url}/t/{topic.slug}/{topic.id}."
    assert not ScreenedItem.objects.exists(), "a small action is nobody's words: nothing to screen"
    deliver(*fake.set_status_by_hand(topic, "visible", True, by="mod_mary"))
    assert list(ModeratorAction.objects.order_by("id").values_list("action", flat=True)) == ["unlisted", "listed"]
