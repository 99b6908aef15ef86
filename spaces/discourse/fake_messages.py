"""FakeDiscourse's private messages and topic look-up by external id, as Discourse answers them.

`POST /posts.json` with `archetype: private_message` creates a topic of that archetype with its first post, sent
to `target_recipients` (usernames, comma-separated); Discourse refuses an `external_id` already taken (422, the
Topic model's uniqueness validation) and looks a topic up by it (`GET /t/external_id/{id}.json`: a 301 to the
topic's JSON, or 404). What the silence and suspension e-mails said (their `message`) is kept in `emails`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx

from spaces.discourse import fake_shapes as shapes
from spaces.discourse.fake_shapes import ForumTopic
from spaces.fakes import Call

if TYPE_CHECKING:
    from spaces.discourse.fake import FakeDiscourse

EXTERNAL_ID = re.compile(r"[\w-]{1,50}")  # Topic::EXTERNAL_ID_MAX_LENGTH and its format validation


def _unprocessable(message: str) -> httpx.Response:
    """PostsController#create's refusal: 422 with the model's errors."""
    return httpx.Response(422, json={"action": "create_post", "errors": [message]})


def create_post(fake: FakeDiscourse, call: Call, body: Any) -> httpx.Response:
    """POST /posts.json: FakeDiscourse imitates only what Steward sends with it, a new private message."""
    if body.get("archetype") != "private_message":
        return _unprocessable("FakeDiscourse only imitates new private messages on POST /posts.json.")
    if len(str(body.get("title", "")).strip()) < 2:
        return _unprocessable("Title can't be blank")
    names = [name.strip() for name in str(body.get("target_recipients", "")).split(",") if name.strip()]
    people = [fake._user_named(name) for name in names]
    if not names or any(person is None for person in people):
        return _unprocessable(f"The following usernames are not valid: {', '.join(names) or '(none)'}")
    external = body.get("external_id")
    if external is not None and not EXTERNAL_ID.fullmatch(str(external)):
        return _unprocessable("External ID is invalid")
    taken = {str(topic.external_id).casefold() for topic in fake.topics.values() if topic.external_id}
    if external is not None and str(external).casefold() in taken:
        return _unprocessable("External ID has already been taken")
    sender = fake._acting(call)
    topic, post = fake.add_topic(str(body["title"]), sender, str(body["raw"]), archetype="private_message")
    topic.external_id = None if external is None else str(external)
    topic.recipients = tuple(sorted({sender.id, *(person.id for person in people if person is not None)}))
    return fake.reply(200, shapes.shaped("POST", "/posts.json", shapes.post_fields(post, topic, sender, None)))


def topic_by_external_id(fake: FakeDiscourse, call: Call, body: Any, external_id: str) -> httpx.Response:
    """GET /t/external_id/{external_id}.json: a 301 to the topic's JSON (TopicsController#show_by_external_id)."""
    topic = next((t for t in fake.topics.values() if t.external_id and t.external_id.casefold() == external_id.casefold()), None)
    if topic is None:
        return fake.not_found(call)
    return fake.reply(301, None, {"Location": f"{fake.site_url}/t/{topic.slug}/{topic.id}.json"})


def private_messages_to(fake: FakeDiscourse, username: str) -> list[tuple[ForumTopic, str]]:
    """(topic, first post's text) of every private message sent to `username`, oldest first."""
    user = fake.user_named(username)
    found = []
    for topic in sorted(fake.topics.values(), key=lambda t: t.id):
        if topic.archetype == "private_message" and user.id in topic.recipients and topic.user_id != user.id:
            first = next(p for p in fake.posts.values() if p.topic_id == topic.id and p.post_number == 1)
            found.append((topic, first.raw))
    return found
