"""GitHub webhook deliveries: signatures checked, payloads turned into Steward's events, and every refusal."""

import hashlib
import hmac
import json
from urllib.parse import urlencode

import pytest
from django.test import RequestFactory

from spaces.base import ContentEvent, ContentRemovedEvent, ModeratorActionEvent, NotConfigured, WebhookRefused
from spaces.github.items import mentions
from spaces.testing import make_connection, space_of

PATH = "/spaces/hooks/example/"


def post(body: bytes, headers: dict[str, str], content_type: str = "application/json"):
    return RequestFactory().post(PATH, data=body, content_type=content_type, headers=headers)


@pytest.fixture
def thread(fake):
    issue = fake.add_issue("acme/app", "Alice")
    pull = fake.add_issue("acme/app", "bob", pull=True)
    discussion = fake.add_discussion("acme/app", "carol")
    return issue, pull, discussion


def test_ping_is_accepted_with_no_events(gh, fake):
    body, headers = fake.signed("ping", fake.ping_payload(), delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    inbound = gh.parse_webhook(post(body, headers))
    assert inbound.delivery_id == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert inbound.events == ()
    assert gh.webhook_response(inbound, []).status_code == 204


def test_issue_comment_becomes_content_addressed_to_the_issue_author_and_mentions(gh, fake, thread):
    issue, _pull, _discussion = thread
    comment = fake.add_comment(issue, "Mallory", "@Dave and @erin, see `@notme` and mail@example.org or @acme/mods")
    event, payload = fake.comment_payload(comment)
    inbound = gh.parse_webhook(post(*fake.signed(event, payload)))
    [content] = inbound.events
    assert isinstance(content, ContentEvent)
    item = content.item
    assert item.external_id == f"issue_comment:{comment.id}"
    assert item.author == ("mallory", str(comment.author.id))
    assert item.addressed == ("alice", "dave", "erin")
    assert item.url == comment.html_url
    assert item.thread == issue.html_url
    assert item.kind == "issue_comment"
    assert item.text == comment.body
    assert item.created_at is not None and item.created_at.tzinfo is not None


def test_edited_comment_is_content_again_and_a_deleted_one_is_gone(gh, fake, thread):
    comment = fake.add_comment(thread[0], "mallory", "now mentioning @dave")
    event, payload = fake.comment_payload(comment, action="edited")
    assert gh.parse_webhook(post(*fake.signed(event, payload))).events[0].item.addressed == ("alice", "dave")
    event, payload = fake.comment_payload(comment, action="deleted")  # deleted by its author: no moderation
    assert gh.parse_webhook(post(*fake.signed(event, payload))).events == (
        ContentRemovedEvent(f"issue_comment:{comment.id}", by=("mallory", str(comment.author.id))),
    )


def test_a_comment_on_ones_own_issue_addresses_only_the_mentioned(gh, fake, thread):
    comment = fake.add_comment(thread[0], "alice", "thanks @Bob")
    event, payload = fake.comment_payload(comment)
    assert gh.parse_webhook(post(*fake.signed(event, payload))).events[0].item.addressed == ("bob",)


@pytest.mark.parametrize(
    ("kind", "event_name", "addressed"),
    [
        ("review_comment", "pull_request_review_comment", ("bob",)),
        ("review", "pull_request_review", ("bob",)),
        ("discussion_comment", "discussion_comment", ("carol",)),
        ("commit_comment", "commit_comment", ()),
    ],
)
def test_every_comment_kind_is_content(gh, fake, thread, kind, event_name, addressed):
    _issue, pull, discussion = thread
    on = {"review_comment": pull, "review": pull, "discussion_comment": discussion, "commit_comment": "acme/app@6dcb09b5b578"}[kind]
    comment = fake.add_comment(on, "mallory", "hello", kind=kind if kind.startswith("review") else "")
    event, payload = fake.comment_payload(comment, action="submitted" if kind == "review" else "created")
    assert event == event_name
    [content] = gh.parse_webhook(post(*fake.signed(event, payload))).events
    assert content.item.external_id == f"{kind}:{comment.id}"
    assert content.item.author == ("mallory", str(comment.author.id))
    assert content.item.addressed == addressed
    assert content.item.url == comment.html_url


@pytest.mark.parametrize("pull", [False, True])
def test_an_opened_or_edited_issue_or_pull_request_is_content_with_the_id_the_reader_gives(gh, fake, pull):
    opened = fake.add_issue("acme/app", "Mallory", pull=pull, title="Why is this so slow", body="@Dave, your code is garbage.")
    event, payload = fake.issue_payload(opened)
    assert event == ("pull_request" if pull else "issues")
    [content] = gh.parse_webhook(post(*fake.signed(event, payload))).events
    item = content.item
    assert item.external_id == f"issue:acme/app#{opened.number}"  # as the issues list reads it (the reader's test)
    assert (item.kind, item.text) == ("issue", "Why is this so slow\n\n@Dave, your code is garbage.")
    assert item.author == ("mallory", str(opened.author.id)) and item.addressed == ("dave",)
    assert item.url == item.thread == opened.html_url
    event, payload = fake.issue_payload(opened, action="edited")
    assert gh.parse_webhook(post(*fake.signed(event, payload))).events[0].item.external_id == item.external_id
    event, payload = fake.issue_payload(opened, action="labeled")
    assert gh.parse_webhook(post(*fake.signed(event, payload))).events == ()


def test_a_started_or_edited_discussion_is_content_like_an_issues_opening_post(gh, fake):
    # The payload's shape: octokit/webhooks' discussion.created example, checked with githubkit's models (test_contracts).
    started = fake.add_discussion("acme/app", "Mallory", title="Roadmap", body="@Dave, nobody wants your feature.")
    event, payload = fake.discussion_payload(started)
    assert event == "discussion"
    [content] = gh.parse_webhook(post(*fake.signed(event, payload))).events
    item = content.item
    assert item.external_id == f"discussion:acme/app#{started.number}"
    assert (item.kind, item.text) == ("discussion", "Roadmap\n\n@Dave, nobody wants your feature.")
    assert item.author == ("mallory", str(started.author.id)) and item.addressed == ("dave",)
    assert item.url == item.thread == started.html_url
    event, payload = fake.discussion_payload(started, action="edited")
    assert gh.parse_webhook(post(*fake.signed(event, payload))).events[0].item.external_id == item.external_id
    event, payload = fake.discussion_payload(started, action="category_changed")
    assert gh.parse_webhook(post(*fake.signed(event, payload))).events == ()


def test_a_push_gives_each_new_commit_message(gh, fake):
    first = fake.add_commit("acme/app", "Mallory", "Revert the idiot's change")
    second = fake.add_commit("acme/app", None, "Bump version")
    payload = fake.push_payload([first, second])
    payload["commits"].append({**payload["commits"][0], "id": "f" * 40, "distinct": False})  # already on another branch
    events = gh.parse_webhook(post(*fake.signed("push", payload))).events
    assert [event.item.external_id for event in events] == [f"commit:{first.sha}", f"commit:{second.sha}"]
    assert events[0].item.kind == "commit" and events[0].item.text == "Revert the idiot's change"
    assert events[0].item.author == ("mallory",) and events[1].item.author == ()  # a push names the login, not the id
    assert events[0].item.url == first.html_url


def test_org_block_by_hand_is_a_moderator_action(gh, fake):
    payload = fake.org_block_payload("Spammer", by="An-Owner")
    [event] = gh.parse_webhook(post(*fake.signed("org_block", payload))).events
    assert isinstance(event, ModeratorActionEvent)
    assert event.action == "blocked"
    assert event.actor == ("an-owner", str(fake.add_user("An-Owner").id))
    assert event.subject == ("spammer", str(fake.add_user("Spammer").id))
    assert event.detail == "An-Owner blocked Spammer in the GitHub organisation acme."
    unblocked = fake.org_block_payload("Spammer", action="unblocked")
    assert gh.parse_webhook(post(*fake.signed("org_block", unblocked))).events[0].action == "unblocked"


def test_other_events_are_accepted_with_no_events(gh, fake):
    body, headers = fake.signed("star", {"action": "created", "sender": {"login": "x", "id": 1}})
    assert gh.parse_webhook(post(body, headers)).events == ()


def test_form_encoded_deliveries_are_read_too(gh, fake, thread):
    comment = fake.add_comment(thread[0], "mallory", "hi")
    event, payload = fake.comment_payload(comment)
    body = urlencode({"payload": json.dumps(payload)}).encode()
    _json_body, headers = fake.signed(event, payload)
    headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(fake.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    inbound = gh.parse_webhook(post(body, headers, content_type="application/x-www-form-urlencoded"))
    assert inbound.events[0].item.external_id == f"issue_comment:{comment.id}"


def test_without_a_delivery_header_the_id_is_the_bodys_hash(gh, fake):
    body, headers = fake.signed("ping", fake.ping_payload())
    del headers["X-GitHub-Delivery"]
    inbound = gh.parse_webhook(post(body, headers))
    assert inbound.delivery_id == "sha256:" + hashlib.sha256(body).hexdigest()
    assert gh.parse_webhook(post(body, headers)).delivery_id == inbound.delivery_id


# --- Refusals: nothing is changed, and the reason is clear ---------------------------------------------


def refused(gh, body, headers, **kwargs) -> WebhookRefused:
    with pytest.raises(WebhookRefused) as caught:
        gh.parse_webhook(post(body, headers, **kwargs))
    return caught.value


def test_wrong_signature_is_refused(gh, fake):
    body, headers = fake.signed("ping", fake.ping_payload(), secret="another-secret")
    error = refused(gh, body, headers)
    assert error.status == 401
    assert "signature does not match" in error.reason
    assert fake.calls == []


def test_tampered_body_is_refused(gh, fake, thread):
    comment = fake.add_comment(thread[0], "mallory", "hi")
    body, headers = fake.signed(*fake.comment_payload(comment))
    assert "does not match" in refused(gh, body.replace(b"hi", b"ho"), headers).reason


def test_missing_signature_is_refused(gh, fake):
    body, headers = fake.signed("ping", fake.ping_payload())
    del headers["X-Hub-Signature-256"]
    assert "no X-Hub-Signature-256 header" in refused(gh, body, headers).reason


def test_sha1_signature_alone_is_refused(gh, fake):
    body, headers = fake.signed("ping", fake.ping_payload())
    headers["X-Hub-Signature-256"] = "sha1=" + hashlib.sha1(body).hexdigest()
    assert "not a sha256= signature" in refused(gh, body, headers).reason


def test_malformed_json_is_refused_even_when_signed(gh, fake):
    body = b'{"action": "created", '
    _ignored, headers = fake.signed("issue_comment", {})
    headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(fake.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    error = refused(gh, body, headers)
    assert error.status == 400 and "not JSON" in error.reason


def test_signed_but_incomplete_payload_is_refused(gh, fake):
    body, headers = fake.signed("issue_comment", {"action": "created", "comment": {"id": 1}})
    assert "lacks what GitHub always sends" in refused(gh, body, headers).reason


def test_missing_event_header_is_refused(gh, fake):
    body, headers = fake.signed("ping", fake.ping_payload())
    del headers["X-GitHub-Event"]
    assert "no X-GitHub-Event header" in refused(gh, body, headers).reason


def test_without_a_webhook_secret_nothing_is_accepted(db, monkeypatch, fake):
    connection = make_connection(monkeypatch, "github", slug="example", settings={"org": "acme"}, secrets={"token": fake.token})
    body, headers = fake.signed("ping", fake.ping_payload())
    # A fault on Steward's side: the message (for the operator's log) names the variable to set.
    with pytest.raises(NotConfigured, match="STEWARD_SPACE_EXAMPLE_WEBHOOK_SECRET"):
        space_of(connection).parse_webhook(post(body, headers))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("@Octocat hi", ["octocat"]),
        ("cc @a-b-c, @d", ["a-b-c", "d"]),
        ("mail me at me@example.org", []),
        ("the @acme/moderators team", []),
        ("```\n@inside code\n```\n@outside", ["outside"]),
        ("`@inline` only", []),
        ("trailing hyphen @bob-", ["bob"]),
    ],
)
def test_mentions(text, found):
    assert mentions(text) == found
