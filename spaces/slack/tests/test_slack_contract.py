"""Contract checks: the requests our client sends are documented Slack calls, and the fake answers as Slack does.

Slack publishes no machine-readable description we keep in the repository, so the contract is written down here:
- METHODS: each Web API method the client calls, with its required and optional arguments, taken from Slack's
  method reference (docs.slack.dev/reference/methods/<name>);
- RESPONSE_FIELDS: what slack-sdk and our client read from each success answer (slack-sdk itself reads `ok`,
  `error` and, for pagination, `response_metadata.next_cursor`);
- SCIM bodies against RFC 7644 §3.5.2 (PatchOp) and RFC 7643 §4.1 (User), as JSON schemas.
A scenario drives every call the client makes; then every exchange the fake saw is held to these.
"""

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import httpx
import pytest
from jsonschema import Draft202012Validator

from spaces.base import Handled, Op, PermanentFailure, TemporaryFailure
from spaces.fakes import Call
from spaces.slack.tests.conftest import ALICE, MALLORY, SIGNING_SECRET
from spaces.slack.tests.test_slack_webhooks import http
from spaces.testing import request

pytestmark = pytest.mark.django_db

# Every method takes `token` (though it belongs in the header), and slack-sdk adds `team_id` to every call when the
# connection names a workspace (org-wide tokens need it).
COMMON = {"team_id", "token"}
METHODS = {
    "chat.delete": ({"channel", "ts"}, {"as_user"}),
    "chat.postMessage": (
        {"channel"},
        {"text", "blocks", "attachments", "as_user", "icon_emoji", "icon_url", "link_names", "metadata", "mrkdwn", "parse"}
        | {"reply_broadcast", "thread_ts", "unfurl_links", "unfurl_media", "username"},
    ),
    "conversations.open": (set(), {"channel", "prevent_creation", "return_im", "users"}),
    "conversations.history": ({"channel"}, {"cursor", "include_all_metadata", "inclusive", "latest", "limit", "oldest"}),
    "conversations.replies": ({"channel", "ts"}, {"cursor", "include_all_metadata", "inclusive", "latest", "limit", "oldest"}),
    "conversations.kick": ({"channel", "user"}, set()),
    "conversations.invite": ({"channel", "users"}, {"force"}),
    "conversations.members": ({"channel"}, {"cursor", "limit"}),
    "users.conversations": (set(), {"cursor", "exclude_archived", "limit", "types", "user"}),
    "users.lookupByEmail": ({"email"}, set()),
}
PAGINATED = {"conversations.history", "conversations.replies", "conversations.members", "users.conversations"}
RESPONSE_FIELDS = {
    "chat.delete": {"channel": str, "ts": str},
    "chat.postMessage": {"channel": str, "ts": str, "message": dict},
    "conversations.open": {"channel": dict},
    "conversations.history": {"messages": list, "has_more": bool},
    "conversations.replies": {"messages": list},
    "conversations.kick": {},
    "conversations.invite": {"channel": dict},
    "conversations.members": {"members": list},
    "users.conversations": {"channels": list},
    "users.lookupByEmail": {"user": dict},
}

SCIM_PATCH_SCHEMA = {
    "type": "object",
    "required": ["schemas", "Operations"],
    "properties": {
        "schemas": {"type": "array", "contains": {"const": "urn:ietf:params:scim:api:messages:2.0:PatchOp"}},
        "Operations": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["op"],
                "properties": {"op": {"enum": ["add", "remove", "replace"]}, "path": {"type": "string"}, "value": {}},
                # RFC 7644: "remove" needs a path; "add" and "replace" need a value.
                "if": {"properties": {"op": {"const": "remove"}}},
                "then": {"required": ["path"]},
                "else": {"required": ["value"]},
            },
        },
    },
}
SCIM_USER_SCHEMA = {
    "type": "object",
    "required": ["schemas", "id", "userName", "active"],
    "properties": {
        "schemas": {"type": "array", "contains": {"const": "urn:ietf:params:scim:schemas:core:2.0:User"}},
        "id": {"type": "string", "minLength": 1},
        "userName": {"type": "string", "minLength": 1},
        "active": {"type": "boolean"},
        "emails": {"type": "array", "items": {"type": "object", "required": ["value"]}},
        "meta": {"type": "object"},
    },
}
SCIM_ERROR_SCHEMA = {
    "type": "object",
    "required": ["schemas", "status"],
    "properties": {
        "schemas": {"type": "array", "contains": {"const": "urn:ietf:params:scim:api:messages:2.0:Error"}},
        "status": {"type": "string", "pattern": "^[1-5][0-9][0-9]$"},
        "detail": {"type": "string"},
    },
}


def request_arguments(call):
    """Arguments as Slack reads them: query string, then a form or JSON body."""
    arguments = dict(call.query)
    if call.body and call.headers.get("content-type", "").startswith("application/json"):
        arguments.update(call.json())
    elif call.body:
        arguments.update(parse_qsl(call.body.decode(), keep_blank_values=True))
    return arguments


def web_request_problems(call):
    method = call.path.removeprefix("/api/")
    if method not in METHODS:
        return [f"{method} is not a method the contract knows"]
    required, optional = METHODS[method]
    arguments = request_arguments(call)
    problems = [f"{method} lacks {name}" for name in sorted(required - set(arguments))]
    problems += [f"{method} sends undocumented {name}" for name in sorted(set(arguments) - required - optional - COMMON)]
    if "token" in arguments:
        problems.append(f"{method} sends the token in the body; it belongs in the Authorization header")
    if not call.headers.get("authorization", "").startswith("Bearer xox"):
        problems.append(f"{method} has no Bearer token")
    return problems


def web_response_problems(path, response):
    method = path.removeprefix("/api/")
    if response.status_code == 429:
        return [] if response.headers.get("retry-after", "").isdigit() else [f"{method}: a 429 without Retry-After"]
    data = response.json()
    if not isinstance(data.get("ok"), bool):
        return [f"{method}: no boolean ok"]
    if not data["ok"]:
        return [] if isinstance(data.get("error"), str) and data["error"] else [f"{method}: ok=false without an error code"]
    problems = [
        f"{method}: {field} is not a {kind.__name__}"
        for field, kind in RESPONSE_FIELDS[method].items()
        if not isinstance(data.get(field), kind)
    ]
    if method in PAGINATED and not isinstance((data.get("response_metadata") or {}).get("next_cursor"), str):
        problems.append(f"{method}: no response_metadata.next_cursor")
    return problems


def schema_problems(schema, instance, what):
    return [f"{what}: {error.message}" for error in Draft202012Validator(schema).iter_errors(instance)]


def run_every_call(space, fake, url):
    """Drive every call the client makes, including its refusals, rate limits and response_url posts."""
    ts = fake.post("C0RANDOM1", MALLORY, "something awful")
    parent = fake.post("C0RANDOM1", ALICE, "a question")
    reply = fake.post("C0RANDOM1", MALLORY, "an abusive answer", thread_ts=parent)
    for subject in (f"C0RANDOM1/{ts}", fake.permalink("C0RANDOM1", reply, thread_ts=parent)):
        action = request(Op.DELETE_CONTENT, subject)
        state = space.apply(action).state
        space.apply(action)  # message_not_found
        space.verify(action, {})
        space.post_moderation_notice(action, state, "Why: the stewards' reason.")  # conversations.open, then no_op
    for subject in (MALLORY.casefold(), "mallory@example.org"):
        for op in (Op.REMOVE_FROM_CHANNEL, Op.DEACTIVATE):
            action = request(op, subject)
            outcome = space.apply(action)
            space.verify(action, outcome.state)
            space.revert(action, outcome.state)
            space.revert(action, outcome.state)  # already_in_channel, already active
    fake.inject_rate_limit(retry_after=3, path=r"conversations\.members$")
    with pytest.raises(TemporaryFailure):
        space.verify(request(Op.REMOVE_FROM_CHANNEL, MALLORY.casefold(), channel="C0RANDOM1"), {})
    list(space.read(datetime(2020, 1, 1, tzinfo=UTC)))
    space.post_notice("C0MODS001", "New report: case Amber Fox https://steward.example/cases/amber-fox/")
    message = {"type": "message", "user": MALLORY, "ts": ts, "text": "worthless"}
    delivery = fake.message_shortcut(
        SIGNING_SECRET, reporter=ALICE, reporter_name="alice", channel="C0RANDOM1", message=message, response_url=fake.response_url(url)
    )
    inbound = space.parse_webhook(http(delivery))
    space.webhook_response(inbound, [Handled(inbound.events[0], report_reference="R-1", follow_up_url="https://s.example/f/x")])


def test_every_request_is_a_documented_call_and_every_answer_has_what_slack_sdk_reads(space, fake, url):
    run_every_call(space, fake, url)

    web_calls = [call for call in fake.calls if call.path.startswith("/api/")]
    assert {call.path.removeprefix("/api/") for call in web_calls} == set(METHODS)  # the scenario covers every method
    assert [problem for call in web_calls for problem in web_request_problems(call)] == []
    web_answers = [(path, response) for _, path, response in fake.exchanges if path.startswith("/api/")]
    assert any(not response.json().get("ok", True) for _, response in web_answers if response.status_code == 200)
    assert any(response.status_code == 429 for _, response in web_answers)
    assert [problem for path, response in web_answers for problem in web_response_problems(path, response)] == []


def test_scim_bodies_follow_rfc_7644(space, fake, url):
    run_every_call(space, fake, url)
    with pytest.raises(PermanentFailure):
        space.apply(request(Op.DEACTIVATE, "u0nobody1"))  # a SCIM 404, for its error body

    patches = [call.json() for call in fake.calls if call.method == "PATCH"]
    assert patches and [problem for body in patches for problem in schema_problems(SCIM_PATCH_SCHEMA, body, "PATCH")] == []
    scim = [(method, response) for method, path, response in fake.exchanges if path.startswith("/scim/v2/Users/")]
    users = [response.json() for method, response in scim if method in ("GET", "PATCH") and response.status_code == 200]
    errors = [response.json() for _, response in scim if response.status_code >= 400 and response.status_code != 429]
    assert users and errors
    assert [problem for body in users for problem in schema_problems(SCIM_USER_SCHEMA, body, "User")] == []
    assert [problem for body in errors for problem in schema_problems(SCIM_ERROR_SCHEMA, body, "Error")] == []
    assert all(response.status_code == 204 and response.content == b"" for method, response in scim if method == "DELETE")
    assert all(call.headers["authorization"] == f"Bearer {fake.admin_token}" for call in fake.calls if call.path.startswith("/scim/"))


def test_the_response_url_post_is_an_ephemeral_message(space, fake, url):
    run_every_call(space, fake, url)

    [posted] = fake.responses
    assert set(posted) <= {"hook", "text", "response_type", "replace_original"}
    assert posted["response_type"] == "ephemeral" and isinstance(posted["text"], str)


# The checks themselves can fail -----------------------------------------------------------------------


def test_the_request_check_catches_a_missing_or_undocumented_argument(fake):
    missing = Call("POST", "/api/conversations.kick", {}, {"authorization": "Bearer xoxb-1"}, b"channel=C1")
    stray = Call("POST", "/api/chat.delete", {}, {"authorization": "Bearer xoxb-1"}, b"channel=C1&ts=1.2&reason=spam")
    unknown = Call("POST", "/api/admin.users.remove", {}, {"authorization": "Bearer xoxb-1"}, b"")
    in_body = Call("POST", "/api/users.lookupByEmail", {}, {}, b"email=a@b.c&token=xoxb-1")

    assert web_request_problems(missing) == ["conversations.kick lacks user"]
    assert web_request_problems(stray) == ["chat.delete sends undocumented reason"]
    assert web_request_problems(unknown) == ["admin.users.remove is not a method the contract knows"]
    assert web_request_problems(in_body) == [
        "users.lookupByEmail sends the token in the body; it belongs in the Authorization header",
        "users.lookupByEmail has no Bearer token",
    ]


def test_the_response_check_catches_a_shape_slack_would_not_send(fake):
    assert web_response_problems("/api/conversations.members", fake.reply(200, {"ok": True, "members": []})) == [
        "conversations.members: no response_metadata.next_cursor"
    ]
    assert web_response_problems("/api/chat.delete", fake.reply(200, {"ok": False})) == ["chat.delete: ok=false without an error code"]
    assert web_response_problems("/api/chat.delete", fake.reply(429, {"ok": False, "error": "ratelimited"})) == [
        "chat.delete: a 429 without Retry-After"
    ]
    assert schema_problems(SCIM_PATCH_SCHEMA, {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "active": True}, "PATCH")


def test_the_fake_refuses_a_patch_that_is_not_a_patchop(space, fake, url):
    answer = httpx.patch(
        f"{url}/scim/v2/Users/{MALLORY}",
        content=json.dumps({"active": False}),
        headers={"Authorization": f"Bearer {fake.admin_token}", "Content-Type": "application/json"},
    )

    assert answer.status_code == 400 and answer.json()["scimType"] == "invalidSyntax"
    assert fake.is_active(MALLORY)
