"""Reading posts and the staff log, and taking webhook deliveries."""

import json
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from spaces.base import ContentEvent, NotConfigured, Op, ReportEvent, WebhookRefused
from spaces.discourse.fake import API_KEY, WEBHOOK_SECRET
from spaces.discourse.webhooks import signature
from spaces.testing import make_connection, request, space_of

pytestmark = pytest.mark.django_db


def delivered(body: bytes, headers: dict[str, str]):
    return RequestFactory().post("/spaces/hooks/forum/", data=body, content_type="application/json", headers=headers)


# Reading --------------------------------------------------------------------------------------


def test_read_gives_posts_since_a_time_oldest_first_with_who_they_address(forum, fake, bob, octocat):
    long_ago = timezone.now() - timedelta(days=30)
    topic, _ = fake.add_topic("Old news", bob, "Ancient history", created_at=long_ago)
    since = timezone.now() - timedelta(hours=1)
    question = fake.add_post(topic, bob, "Anyone there?")
    answer = fake.add_post(topic, octocat, "Yes @bob, and cc @carol_d. Mail me at octo@example.org", to=question)

    items = list(forum.read(since))

    assert [item.external_id for item in items] == [str(question.id), str(answer.id)]
    last = items[-1]
    assert last.author == (str(octocat.id), "octocat")
    assert last.addressed == ("bob", "carol_d")  # reply_to_user carries the username, not the id
    assert last.thread == str(topic.id)
    assert last.url == f"{forum.base_url}/t/old-news/{topic.id}/{answer.post_number}"
    assert last.text.startswith("Yes @bob")


def test_read_pages_back_through_the_latest_posts_and_keeps_to_the_chosen_categories(db, monkeypatch, url, fake, bob):
    since = timezone.now() - timedelta(hours=1)
    chat, _ = fake.add_topic("Chat", bob, category_id=5)
    other, _ = fake.add_topic("Elsewhere", bob, category_id=9)
    for number in range(60):  # more than one page of 50
        fake.add_post(chat, bob, f"Message {number}")
    fake.add_post(other, bob, "Not watched")
    connection = make_connection(
        monkeypatch, "discourse", slug="cats", settings={"base_url": url, "categories": [5]}, secrets={"api_key": API_KEY}
    )

    items = list(space_of(connection).read(since))

    assert len(items) == 61  # the opening post and sixty replies
    assert items[-1].text == "Message 59"
    assert all(item.text != "Not watched" for item in items)
    newest_page = sorted(fake.posts, reverse=True)[:50]
    pages = [call.query.get("before") for call in fake.calls if call.path == "/posts.json"]
    assert pages[:2] == [None, str(min(newest_page))]  # the second page starts below the first


def test_the_moderation_log_shows_moderators_actions_but_not_stewards_own(forum, fake, octocat, bob):
    since = timezone.now() - timedelta(minutes=1)
    fake.suspend_by_hand("bob", timezone.now() + timedelta(days=3), reason="Spam links")
    forum.apply(request(Op.SILENCE, "octocat", ends_at=timezone.now() + timedelta(days=1)))
    fake.unsilence_by_hand("octocat")

    events = list(forum.moderation_log(since))

    assert [(event.action, event.subject) for event in events] == [
        ("suspended", (str(bob.id), "bob")),
        ("unsilenced", (str(octocat.id), "octocat")),
    ]
    assert events[0].actor == (str(fake.moderator.id), "moderator")
    assert "Spam links" in events[0].detail


def test_the_moderation_log_stops_at_the_time_asked_for_and_pages(forum, fake, bob):
    fake.log_page_size = 2
    for _ in range(3):
        fake.silence_by_hand("bob", timezone.now() + timedelta(days=1))
        fake.unsilence_by_hand("bob")
    assert [event.action for event in forum.moderation_log(timezone.now() - timedelta(minutes=1))].count("silenced") == 3
    assert list(forum.moderation_log(timezone.now() + timedelta(minutes=1))) == []


# Webhooks -------------------------------------------------------------------------------------


def test_a_new_reply_is_content_with_its_author_and_whom_it_addresses(forum, fake, reply, octocat, bob):
    inbound = forum.parse_webhook(delivered(*fake.post_delivery(reply)))

    (event,) = inbound.events
    assert isinstance(event, ContentEvent)
    assert event.item.external_id == str(reply.id)
    assert event.item.author == (str(octocat.id), "octocat")
    assert event.item.addressed == ("bob",)  # replied to, and @mentioned: named once (reply_to_user has no id)
    assert event.item.kind == "post"
    # Deliveries carry no post_url: the address is built from the topic's slug and id and the post's number.
    assert event.item.url == f"{forum.base_url}/t/{fake.topics[reply.topic_id].slug}/{reply.topic_id}/{reply.post_number}"
    assert inbound.delivery_id.startswith("sha256:")


def test_a_delivery_in_the_shape_discourse_sends_is_read(forum, fake, reply):
    """WebHookPostSerializer's fields: reply_to_user is {username, name, avatar_template}, no post_url, no can_*."""
    body, headers = fake.post_delivery(reply)
    post = json.loads(body)["post"]
    assert set(post["reply_to_user"]) == {"username", "name", "avatar_template"} and "post_url" not in post
    assert not {"can_edit", "can_delete", "can_recover"} & set(post)
    (event,) = forum.parse_webhook(delivered(body, headers)).events
    assert "bob" in event.item.addressed and event.item.url.endswith(f"/{reply.topic_id}/{reply.post_number}")


def test_a_flag_delivery_has_reviewables_editable_fields(fake, reply, bob):
    body, _ = fake.flag_delivery(reply, bob)
    reviewable = json.loads(body)["reviewable"]
    assert reviewable["editable_fields"] == [] and "editable_field_ids" not in reviewable


def test_edits_and_private_messages_are_content_too(forum, fake, octocat, bob):
    _, message = fake.add_topic("Hello", octocat, "@bob you again", archetype="private_message")
    (event,) = forum.parse_webhook(delivered(*fake.post_delivery(message, "post_edited"))).events
    assert event.item.kind == "private_message"
    assert event.item.addressed == ("bob",)


def test_a_flag_is_a_report_by_the_person_who_flagged(forum, fake, reply, octocat, bob):
    inbound = forum.parse_webhook(delivered(*fake.flag_delivery(reply, bob)))

    (event,) = inbound.events
    assert isinstance(event, ReportEvent)
    assert event.reporter == (str(bob.id), "bob")  # looked up by id: the payload has none of the names
    assert event.reporter_name == "Bob"
    assert event.item.external_id == str(reply.id)
    assert event.item.author == (str(octocat.id), "octocat")
    assert event.item.text == reply.raw


def test_flags_by_stewards_own_account_or_the_system_are_not_reports(forum, fake, reply):
    steward = fake.add_user("steward-bot")
    forum.settings["api_username"] = "steward-bot"
    assert forum.parse_webhook(delivered(*fake.flag_delivery(reply, steward))).events == ()
    assert forum.parse_webhook(delivered(*fake.flag_delivery(reply, fake.users[-1]))).events == ()


def test_when_names_cannot_be_looked_up_the_report_still_comes_with_ids(forum, fake, reply, bob):
    fake.inject(503, "Maintenance", times=5)
    (event,) = forum.parse_webhook(delivered(*fake.flag_delivery(reply, bob))).events
    assert event.reporter == (str(bob.id),)


def test_pings_and_other_events_bring_nothing(forum, fake, octocat):
    assert forum.parse_webhook(delivered(*fake.ping_delivery())).events == ()
    body, headers = fake.delivery("user", "user_suspended", {"id": octocat.id, "username": "OctoCat"})
    assert forum.parse_webhook(delivered(body, headers)).events == ()


def test_the_delivery_id_comes_from_the_signed_body_not_the_unsigned_header(forum, fake, reply):
    body, headers = fake.post_delivery(reply)
    first = forum.parse_webhook(delivered(body, headers)).delivery_id
    replayed = forum.parse_webhook(delivered(body, {**headers, "X-Discourse-Event-Id": "999"})).delivery_id
    reply.raw = "Edited: never mind."
    edited = forum.parse_webhook(delivered(*fake.post_delivery(reply, "post_edited"))).delivery_id
    assert first == replayed
    assert edited != first


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("unsigned", "no X-Discourse-Event-Signature"),
        ("zeros", "does not match"),
        ("other secret", "does not match"),
        ("tampered", "does not match"),
        ("not json", "not valid JSON"),
        ("a list", "one top-level key"),
        ("type header lies", "carries a 'post' payload"),
    ],
)
def test_unsigned_forged_or_malformed_deliveries_are_refused(forum, fake, reply, case, reason):
    body, headers = fake.post_delivery(reply)
    unsigned = {key: value for key, value in headers.items() if key != "X-Discourse-Event-Signature"}
    deliveries = {
        "unsigned": (body, unsigned),
        "zeros": (body, {**headers, "X-Discourse-Event-Signature": "sha256=" + "0" * 64}),
        "other secret": fake.delivery("post", "post_created", {"id": 1}, secret="some-other-secret"),
        "tampered": (body.replace(b"Never", b"Always"), headers),
        "not json": (b"{not json", {**headers, "X-Discourse-Event-Signature": signature(WEBHOOK_SECRET, b"{not json")}),
        "a list": (b"[1, 2]", {**headers, "X-Discourse-Event-Signature": signature(WEBHOOK_SECRET, b"[1, 2]")}),
        "type header lies": (body, {**headers, "X-Discourse-Event-Type": "ping"}),
    }
    with pytest.raises(WebhookRefused) as refused:
        forum.parse_webhook(delivered(*deliveries[case]))
    assert reason in refused.value.reason
    assert refused.value.status == (401 if reason in ("does not match", "no X-Discourse-Event-Signature") else 400)


def test_without_a_webhook_secret_every_delivery_is_refused(db, monkeypatch, url, fake, reply):
    monkeypatch.delenv("STEWARD_SPACE_NOHOOK_WEBHOOK_SECRET", raising=False)
    space = space_of(make_connection(monkeypatch, "discourse", slug="nohook", settings={"base_url": url}, secrets={"api_key": API_KEY}))
    with pytest.raises(NotConfigured, match="no webhook secret"):
        space.parse_webhook(delivered(*fake.post_delivery(reply)))


def test_the_body_shape_discourse_sends_is_what_the_parser_reads(fake, reply):
    body, headers = fake.post_delivery(reply)
    assert set(json.loads(body)) == {"post"}
    assert headers["X-Discourse-Event-Signature"] == signature(WEBHOOK_SECRET, body)
