"""Slack's signed requests: Events API messages, the url_verification handshake, and the report message shortcut."""

import json
import logging
import time
from datetime import UTC, datetime

import pytest
from django.test import RequestFactory

from spaces.base import ContentEvent, Handled, NotConfigured, ReportEvent, WebhookRefused
from spaces.slack.tests.conftest import ALICE, MALLORY, SIGNING_SECRET

pytestmark = pytest.mark.django_db

HOOK_PATH = "/spaces/hooks/test-slack/"
TS = "1700000000.000100"


def http(delivery, *, headers=None):
    sent = {**delivery.headers, **(headers or {})}
    sent = {key: value for key, value in sent.items() if value is not None}
    return RequestFactory().post(HOOK_PATH, data=delivery.body, content_type=delivery.content_type, headers=sent)


def test_url_verification_is_answered_with_the_challenge(space, fake):
    inbound = space.parse_webhook(http(fake.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", SIGNING_SECRET)))

    assert inbound.events == ()
    response = space.webhook_response(inbound, [])
    assert response.status_code == 200
    assert json.loads(response.content) == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_a_new_message_becomes_content_with_whom_it_addresses(make_space, fake):
    space = make_space(settings={"workspace_url": "https://acme.slack.com"})
    event = fake.message_event("C0RANDOM1", MALLORY, f"<@{ALICE}> you again", TS, thread_ts="1699999999.000100", parent_user_id="U0BOB0001")

    inbound = space.parse_webhook(http(fake.event(event, SIGNING_SECRET, event_id="Ev0MALLORY1")))

    assert inbound.delivery_id == "Ev0MALLORY1"
    [found] = inbound.events
    assert isinstance(found, ContentEvent)
    assert found.item.author == ("u012ab3cd",)
    assert found.item.addressed == ("u0bob0001", "u0alice01")
    assert found.item.external_id == f"C0RANDOM1/{TS}" and found.item.thread == "C0RANDOM1"
    assert found.item.text == f"<@{ALICE}> you again"
    assert found.item.url == "https://acme.slack.com/archives/C0RANDOM1/p1700000000000100?thread_ts=1699999999.000100&cid=C0RANDOM1"
    assert found.item.created_at == datetime(2023, 11, 14, 22, 13, 20, 100, tzinfo=UTC)


def test_a_reply_sent_to_the_channel_addresses_the_thread_starter(space, fake):
    event = fake.message_event(
        "C0RANDOM1", MALLORY, "also to the channel", TS, subtype="thread_broadcast", root={"user": ALICE, "ts": "1.0"}
    )

    [found] = space.parse_webhook(http(fake.event(event, SIGNING_SECRET))).events

    assert found.item.addressed == ("u0alice01",)


def test_an_edit_is_content_with_the_new_text(space, fake):
    event = fake.edited_event("C0RANDOM1", MALLORY, f"now with <@{ALICE}>", TS, old_text="harmless")

    [found] = space.parse_webhook(http(fake.event(event, SIGNING_SECRET))).events

    assert found.item.text == f"now with <@{ALICE}>" and found.item.external_id == f"C0RANDOM1/{TS}"
    assert found.item.addressed == ("u0alice01",)


@pytest.mark.parametrize(
    "event",
    [
        {"type": "message", "subtype": "bot_message", "bot_id": "B1", "text": "beep", "ts": TS, "channel": "C0RANDOM1"},
        {"type": "message", "user": "UBOTSTEWARD", "bot_id": "B1", "text": "beep", "ts": TS, "channel": "C0RANDOM1"},
        {"type": "message", "subtype": "channel_join", "user": MALLORY, "text": "has joined", "ts": TS, "channel": "C0RANDOM1"},
        {"type": "reaction_added", "user": MALLORY, "reaction": "thumbsup", "item": {"type": "message", "channel": "C0RANDOM1", "ts": TS}},
    ],
    ids=["bot-message", "bot-user", "join", "reaction"],
)
def test_what_no_person_wrote_is_not_content(space, fake, event):
    inbound = space.parse_webhook(http(fake.event(event, SIGNING_SECRET)))

    assert inbound.events == ()


def test_the_report_shortcut_becomes_a_report_and_the_reporter_is_thanked_privately(space, fake, url):
    message = {"type": "message", "user": MALLORY, "ts": TS, "text": "you people are worthless"}
    delivery = fake.message_shortcut(
        SIGNING_SECRET, reporter=ALICE, reporter_name="alice", channel="C0RANDOM1", message=message, response_url=fake.response_url(url)
    )

    inbound = space.parse_webhook(http(delivery))

    [report] = inbound.events
    assert isinstance(report, ReportEvent)
    assert report.reporter == ("u0alice01",) and report.reporter_name == "alice"
    assert report.item.author == ("u012ab3cd",) and report.item.text == "you people are worthless"
    assert report.item.url == "https://acme.slack.com/archives/C0RANDOM1/p1700000000000100"
    assert inbound.delivery_id.startswith("sha256:")
    assert space.parse_webhook(http(delivery)).delivery_id == inbound.delivery_id  # a replay is recognisable

    response = space.webhook_response(
        inbound, [Handled(report, report_reference="R-2024-0042", follow_up_url="https://steward.example/f/abc")]
    )

    assert response.status_code == 200 and response.content == b""
    [posted] = fake.responses
    assert posted["response_type"] == "ephemeral" and posted["replace_original"] is False
    assert posted["text"] == (
        "Thanks — your report reached the stewards. Reference R-2024-0042. Follow it up privately at https://steward.example/f/abc"
    )


def test_a_failed_thanks_is_logged_and_never_an_error_response(space, fake, url, caplog):
    message = {"type": "message", "user": MALLORY, "ts": TS, "text": "worthless"}
    delivery = fake.message_shortcut(
        SIGNING_SECRET, reporter=ALICE, reporter_name="alice", channel="C0RANDOM1", message=message, response_url=fake.response_url(url)
    )
    inbound = space.parse_webhook(http(delivery))
    fake.inject(500, "oops", path=r"^/hooks/")

    with caplog.at_level(logging.WARNING, logger="steward.spaces.slack"):
        response = space.webhook_response(inbound, [Handled(inbound.events[0], report_reference="R-1")])

    assert response.status_code == 200
    assert fake.responses == []
    assert "Could not confirm a report" in caplog.text


def test_a_response_url_off_slack_is_not_posted_to(space, fake, url, caplog):
    # The same fake under another name: reachable, but not Slack's hooks host nor the configured API host.
    elsewhere = fake.response_url(url.replace("127.0.0.1", "localhost"))
    message = {"type": "message", "user": MALLORY, "ts": TS, "text": "worthless"}
    delivery = fake.message_shortcut(
        SIGNING_SECRET, reporter=ALICE, reporter_name="alice", channel="C0RANDOM1", message=message, response_url=elsewhere
    )
    inbound = space.parse_webhook(http(delivery))

    with caplog.at_level(logging.WARNING, logger="steward.spaces.slack"):
        response = space.webhook_response(inbound, [Handled(inbound.events[0], report_reference="R-1", follow_up_url="https://s/f/secret")])

    assert response.status_code == 200
    assert fake.responses == []
    assert "not on Slack's hooks host" in caplog.text and "secret" not in caplog.text


def test_other_shortcuts_and_interactions_carry_no_events(space, fake):
    message = {"type": "message", "user": MALLORY, "ts": TS, "text": "fine"}
    delivery = fake.message_shortcut(
        SIGNING_SECRET,
        reporter=ALICE,
        reporter_name="alice",
        channel="C0RANDOM1",
        message=message,
        response_url="https://hooks.slack.com/app/x",
        callback_id="translate_message",
    )

    assert space.parse_webhook(http(delivery)).events == ()


# Refusals -------------------------------------------------------------------------------------------------


def test_a_wrong_signature_is_refused(space, fake):
    delivery = fake.event(fake.message_event("C0RANDOM1", MALLORY, "hi", TS), "not-the-signing-secret")

    with pytest.raises(WebhookRefused, match="signature does not match"):
        space.parse_webhook(http(delivery))


def test_a_changed_body_is_refused(space, fake):
    delivery = fake.event(fake.message_event("C0RANDOM1", MALLORY, "hi", TS), SIGNING_SECRET)
    delivery.body = delivery.body.replace(b"hi", b"ho")

    with pytest.raises(WebhookRefused, match="signature does not match"):
        space.parse_webhook(http(delivery))


@pytest.mark.parametrize("missing", ["X-Slack-Signature", "X-Slack-Request-Timestamp"])
def test_a_missing_signature_is_refused(space, fake, missing):
    delivery = fake.event(fake.message_event("C0RANDOM1", MALLORY, "hi", TS), SIGNING_SECRET)

    with pytest.raises(WebhookRefused, match="no Slack signature") as refused:
        space.parse_webhook(http(delivery, headers={missing: None}))
    assert refused.value.status == 401


@pytest.mark.parametrize("age", [301, -301, 3600])
def test_a_stale_request_is_refused(space, fake, age):
    delivery = fake.event(fake.message_event("C0RANDOM1", MALLORY, "hi", TS), SIGNING_SECRET, timestamp=int(time.time()) - age)

    with pytest.raises(WebhookRefused, match="more than 5 minutes old"):
        space.parse_webhook(http(delivery))


def test_a_request_just_inside_five_minutes_is_taken(space, fake):
    delivery = fake.event(fake.message_event("C0RANDOM1", MALLORY, "hi", TS), SIGNING_SECRET, timestamp=int(time.time()) - 290)

    assert len(space.parse_webhook(http(delivery)).events) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"{not json", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "not a JSON object"),
        (b'{"type": "event_callback", "team_id": "T0STEWARD"}', "application/json", "no event_id"),
        (b"payload=%7Bbroken", "application/x-www-form-urlencoded", "not valid JSON"),
        (b"command=%2Freport&text=hi", "application/x-www-form-urlencoded", "no payload field"),
    ],
    ids=["broken-json", "json-list", "no-event-id", "broken-payload", "no-payload"],
)
def test_malformed_requests_are_refused(space, fake, body, content_type, reason):
    delivery = fake.signed(body, SIGNING_SECRET, content_type)

    with pytest.raises(WebhookRefused, match=reason):
        space.parse_webhook(http(delivery))


def test_a_request_for_another_workspace_is_refused(make_space, fake):
    space = make_space(settings={"team_id": "T0OTHER01"})
    delivery = fake.event(fake.message_event("C0RANDOM1", MALLORY, "hi", TS), SIGNING_SECRET)

    with pytest.raises(WebhookRefused, match="not the connected workspace T0OTHER01"):
        space.parse_webhook(http(delivery))


def test_without_a_signing_secret_nothing_is_accepted(make_space, fake):
    space = make_space(slug="acme-chat", secrets={"bot_token": fake.bot_token})
    delivery = fake.event(fake.message_event("C0RANDOM1", MALLORY, "hi", TS), SIGNING_SECRET)

    with pytest.raises(NotConfigured, match="STEWARD_SPACE_ACME_CHAT_SIGNING_SECRET is not set"):
        space.parse_webhook(http(delivery))


# Shapes from Slack's published message event types (slackapi/node-slack-sdk packages/types/src/events/message.ts:
# FileShareMessageEvent, MeMessageEvent, MessageChangedEvent) and the message subtypes reference.
FILE_SHARE = {
    "type": "message",
    "subtype": "file_share",
    "text": f"look what <@{ALICE}> did",
    "files": [
        {
            "id": "F0PICTURE1",
            "created": 1700000000,
            "name": "screenshot.png",
            "title": "screenshot.png",
            "mimetype": "image/png",
            "filetype": "png",
            "pretty_type": "PNG",
            "user": MALLORY,
            "editable": False,
            "size": 48213,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": True,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": "https://files.slack.com/files-pri/T0-F0PICTURE1/screenshot.png",
            "permalink": "https://acme.slack.com/files/U012AB3CD/F0PICTURE1/screenshot.png",
        }
    ],
    "upload": True,
    "display_as_bot": False,
    "user": MALLORY,
    "ts": TS,
    "channel": "C0RANDOM1",
    "channel_type": "channel",
    "event_ts": TS,
}


@pytest.mark.parametrize(
    "event",
    [
        FILE_SHARE,
        {**FILE_SHARE, "subtype": "me_message", "files": None, "upload": None},
        {**FILE_SHARE, "thread_ts": "1699999999.000100", "parent_user_id": "U0BOB0001"},
    ],
    ids=["picture-with-caption", "me-message", "picture-in-a-thread"],
)
def test_messages_a_person_writes_are_content_whatever_their_subtype(space, fake, event):
    [found] = space.parse_webhook(http(fake.event(event, SIGNING_SECRET))).events

    assert isinstance(found, ContentEvent)
    assert found.item.author == ("u012ab3cd",) and found.item.text == f"look what <@{ALICE}> did"
    assert "u0alice01" in found.item.addressed and found.item.external_id == f"C0RANDOM1/{TS}"


@pytest.mark.parametrize(
    "subtype",
    ["channel_leave", "channel_topic", "channel_purpose", "channel_name", "channel_archive", "pinned_item", "ekm_access_denied"],
)
def test_slacks_own_notices_in_a_channel_are_not_content(space, fake, subtype):
    event = {"type": "message", "subtype": subtype, "user": MALLORY, "text": f"<@{MALLORY}> set the channel topic", "ts": TS}

    assert space.parse_webhook(http(fake.event({**event, "channel": "C0RANDOM1"}, SIGNING_SECRET))).events == ()


def test_an_edited_picture_caption_is_content(space, fake):
    edited = {k: v for k, v in FILE_SHARE.items() if k not in ("channel", "event_ts", "channel_type")}
    event = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": "C0RANDOM1",
        "channel_type": "channel",
        "ts": "1700000060.000200",
        "event_ts": "1700000060.000200",
        "message": {**edited, "text": f"now <@{ALICE}>", "edited": {"user": MALLORY, "ts": "1700000060.000000"}},
        "previous_message": edited,
    }

    [found] = space.parse_webhook(http(fake.event(event, SIGNING_SECRET))).events

    assert found.item.text == f"now <@{ALICE}>" and found.item.external_id == f"C0RANDOM1/{TS}"


def test_an_edit_whose_message_lacks_its_ts_is_matched_by_the_previous_message(space, fake):
    event = fake.edited_event("C0RANDOM1", MALLORY, f"now with <@{ALICE}>", TS, old_text="harmless")
    del event["message"]["ts"]
    del event["message"]["user"]

    [found] = space.parse_webhook(http(fake.event(event, SIGNING_SECRET))).events

    # The message's own ts (not the edit's outer ts), and its author from before the edit.
    assert found.item.external_id == f"C0RANDOM1/{TS}" and found.item.author == ("u012ab3cd",)
    assert found.item.text == f"now with <@{ALICE}>"
