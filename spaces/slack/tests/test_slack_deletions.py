"""Messages deleted in Slack: the screening item is marked, and a deleted flagged message goes to the committee.

Slack's `message_deleted` event names the deleted message but never who deleted it (its author or an admin), so
Steward cannot tell an admin's deletion from the author's own: it marks the item, and puts the deletion of a
message screening had flagged before the committee, the deleter unknown.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft202012Validator

from enforcement.models import ActionStatus, EnforcementAction, ModeratorAction, Plan
from screening.models import Flag
from screening.models import Item as ScreenedItem
from spaces.models import SpaceConnection
from spaces.slack.tests.conftest import MALLORY, SIGNING_SECRET
from spaces.tests.helpers import sanctioned

pytestmark = pytest.mark.django_db

# The event's documented fields (docs.slack.dev/reference/events/message/message_deleted and @slack/types).
MESSAGE_DELETED = {
    "type": "object",
    "required": ["type", "subtype", "hidden", "channel", "ts", "deleted_ts"],
    "properties": {
        "type": {"const": "message"},
        "subtype": {"const": "message_deleted"},
        "hidden": {"const": True},
        "channel": {"type": "string", "pattern": "^[CGD][A-Z0-9]+$"},
        "ts": {"type": "string", "pattern": r"^\d+\.\d{6}$"},
        "deleted_ts": {"type": "string", "pattern": r"^\d+\.\d{6}$"},
        "event_ts": {"type": "string"},
        "channel_type": {"enum": ["channel", "group", "im", "mpim"]},
        "previous_message": {"type": "object", "required": ["type", "ts"]},
    },
    "additionalProperties": False,
}


def deliver(fake, event, event_id):
    delivery = fake.event(event, SIGNING_SECRET, event_id=event_id)
    url = reverse("spaces:webhook", kwargs={"slug": "test-slack"})
    answer = Client().post(url, delivery.body, content_type=delivery.content_type, headers=delivery.headers)
    assert answer.status_code < 300, answer.content  # a redelivery too: answered 2xx, nothing applied again


def posted(fake, text):
    ts = fake.post("C0RANDOM1", MALLORY, text)
    deliver(fake, fake.message_event("C0RANDOM1", MALLORY, text, ts), f"Ev{ts.replace('.', '')}")
    return ts, ScreenedItem.objects.get(external_id=f"C0RANDOM1/{ts}")


def test_the_fakes_deletion_event_has_slacks_documented_shape(fake):
    ts = fake.post("C0RANDOM1", MALLORY, "hello")
    Draft202012Validator(MESSAGE_DELETED).validate(fake.delete_by_hand("C0RANDOM1", ts))
    with pytest.raises(Exception):  # the check can fail
        Draft202012Validator(MESSAGE_DELETED).validate({**fake.deleted_event("C0RANDOM1", {"ts": ts}, ts), "user": MALLORY})


def test_a_deleted_message_marks_its_screening_item_and_nothing_goes_for_review_unflagged(space, fake):
    ts, item = posted(fake, "never mind")
    deliver(fake, fake.delete_by_hand("C0RANDOM1", ts), "Ev0DELETED1")
    item.refresh_from_db()
    assert item.removed_at is not None and item.removed_by == "" and item.text == "never mind"
    assert not ModeratorAction.objects.exists()


def test_a_deleted_flagged_message_goes_for_review_once(space, fake):
    ts, item = posted(fake, "you people are vermin")
    Flag.objects.create(item=item, category="harassment", score=0.97, threshold=0.8, priority=0.97)
    event = fake.delete_by_hand("C0RANDOM1", ts)
    deliver(fake, event, "Ev0DELETED2")
    deliver(fake, event, "Ev0DELETED2")  # Slack's retry of the same event
    [action] = ModeratorAction.objects.all()
    assert (action.action, action.actor, action.subject) == ("deleted", "", item.author)
    assert "does not say whether" in action.detail


def test_a_flagged_message_steward_deleted_itself_is_not_queued(space, fake, stewards):
    ts, item = posted(fake, "you people are vermin")
    Flag.objects.create(item=item, category="harassment", score=0.97, threshold=0.8, priority=0.97)
    made = sanctioned(stewards)
    plan, _ = Plan.objects.get_or_create(sanction=made.sanction, defaults={"case": made.case, "decision": made.sanction.decision})
    EnforcementAction.objects.create(
        plan=plan,
        connection=SpaceConnection.objects.get(slug="test-slack"),
        op="delete-content",
        subject=f"C0RANDOM1/{ts}",  # a message subject as a steward gives it: channel/ts (or its permalink)
        status=ActionStatus.APPLIED,
        applied_at=timezone.now() - timedelta(minutes=1),
    )
    event = fake.delete_by_hand("C0RANDOM1", ts)
    event["ts"] = f"{int(timezone.now().timestamp())}.000300"
    deliver(fake, event, "Ev0DELETED3")
    item.refresh_from_db()
    assert item.removed_at is not None
    assert not ModeratorAction.objects.exists()
