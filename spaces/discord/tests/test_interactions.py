"""The interactions endpoint: Discord's Ed25519 signatures, PING, the "Report message" command and its answer."""

import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import RequestFactory

from spaces.base import Handled, NotConfigured, ReportEvent, WebhookRefused
from spaces.contracts import ContractError, check_request
from spaces.discord.fake import FakeDiscord
from spaces.discord.space import DiscordSpace, command_definition
from spaces.testing import make_connection, space_of

pytestmark = pytest.mark.django_db
HOOK = "/spaces/hooks/test-discord/"


@pytest.fixture
def space(monkeypatch, fake: FakeDiscord) -> DiscordSpace:
    # Interactions need no API calls, so no server: only the public key and the server id.
    connection = make_connection(monkeypatch, "discord", settings={"guild_id": fake.guild_id}, secrets={"public_key": fake.public_key})
    space = space_of(connection)
    assert isinstance(space, DiscordSpace)
    return space


def delivery(body: bytes, headers: dict[str, str]):
    return RequestFactory().post(HOOK, data=body, content_type="application/json", headers=headers)


def signed(fake: FakeDiscord, interaction: dict, **options):
    body = fake.encode(interaction)
    return delivery(body, fake.signed_headers(body, **options))


def check_answer(payload: dict) -> None:
    """What we answer an interaction with is the body of Discord's interaction callback."""
    check_request("discord", "POST", "/interactions/1/token/callback", payload)


@pytest.fixture
def conversation(fake: FakeDiscord) -> dict:
    channel = fake.add_channel()
    victim, troll, friend, reporter = (fake.add_user(name) for name in ("Victim", "troll", "friend", "reporter"))
    original = fake.add_message(channel, victim, "I disagree with the proposal")
    reply = fake.add_message(channel, troll, "shut up, nobody asked you", reply_to=original["id"], mentions=[friend])
    return {"channel": channel, "victim": victim, "troll": troll, "friend": friend, "reporter": reporter, "reply": reply}


def test_ping_is_answered_with_pong(space, fake):
    ping = fake.ping_interaction()
    inbound = space.parse_webhook(signed(fake, ping))
    assert inbound.delivery_id == ping["id"] and inbound.events == ()
    response = space.webhook_response(inbound, [])
    assert response.status_code == 200 and json.loads(response.content) == {"type": 1}
    check_answer(json.loads(response.content))


def test_report_message_becomes_a_report_with_the_message_and_whom_it_addressed(space, fake, conversation):
    interaction = fake.report_interaction(conversation["reply"], conversation["reporter"], nick="Rep")
    inbound = space.parse_webhook(signed(fake, interaction))

    assert inbound.delivery_id == interaction["id"]
    [event] = inbound.events
    assert isinstance(event, ReportEvent)
    assert event.reporter == (conversation["reporter"], "reporter")
    assert event.reporter_name == "Rep"
    item = event.item
    reply = conversation["reply"]
    assert item.author == (conversation["troll"], "troll")
    assert item.addressed == (conversation["victim"], "victim", conversation["friend"], "friend")  # casefolded
    assert item.text == "shut up, nobody asked you"
    assert item.url == f"https://discord.com/channels/{fake.guild_id}/{conversation['channel']}/{reply['id']}"
    assert item.external_id == f"{conversation['channel']}/{reply['id']}"


def test_the_reporter_sees_the_reference_and_link_only_to_themselves(space, fake, conversation):
    inbound = space.parse_webhook(signed(fake, fake.report_interaction(conversation["reply"], conversation["reporter"])))
    handled = [Handled(inbound.events[0], report_reference="R-2026-0042", follow_up_url="https://steward.example/r/abc")]
    answer = json.loads(space.webhook_response(inbound, handled).content)
    assert answer == {
        "type": 4,
        "data": {
            "flags": 64,
            "content": "Thanks — your report reached the stewards. Reference R-2026-0042. "
            "Follow it up privately: https://steward.example/r/abc",
        },
    }
    check_answer(answer)


def test_other_commands_and_other_servers_get_an_answer_but_no_report(space, fake, conversation):
    other = space.parse_webhook(signed(fake, fake.report_interaction(conversation["reply"], conversation["reporter"], name="Translate")))
    foreign = space.parse_webhook(signed(fake, fake.report_interaction(conversation["reply"], conversation["reporter"], guild="42")))
    for inbound in (other, foreign):
        assert inbound.events == ()
        answer = json.loads(space.webhook_response(inbound, []).content)
        assert answer["type"] == 4 and answer["data"]["flags"] == 64
        check_answer(answer)


def test_signature_from_another_key_is_refused_with_401(space, fake):
    request = signed(fake, fake.ping_interaction(), key=Ed25519PrivateKey.generate())
    with pytest.raises(WebhookRefused, match="signature does not match") as refused:
        space.parse_webhook(request)
    assert refused.value.status == 401  # Discord checks that endpoints refuse bad signatures with 401


def test_tampered_body_is_refused(space, fake, conversation):
    body = fake.encode(fake.report_interaction(conversation["reply"], conversation["reporter"]))
    headers = fake.signed_headers(body)
    with pytest.raises(WebhookRefused, match="signature does not match"):
        space.parse_webhook(delivery(body.replace(b"shut up", b"hello!!"), headers))


def test_missing_signature_is_refused(space, fake):
    with pytest.raises(WebhookRefused, match="no X-Signature") as refused:
        space.parse_webhook(delivery(fake.encode(fake.ping_interaction()), {}))
    assert refused.value.status == 401


def test_stale_or_future_timestamp_is_refused(space, fake):
    for offset in (-301, 301):
        with pytest.raises(WebhookRefused, match="more than 5 minutes"):
            space.parse_webhook(signed(fake, fake.ping_interaction(), timestamp=int(time.time()) + offset))
    assert space.parse_webhook(signed(fake, fake.ping_interaction(), timestamp=int(time.time()) - 290)).immediate == {"type": 1}


def test_malformed_json_is_refused(space, fake):
    body = b'{"id": "1", "type": 1'
    with pytest.raises(WebhookRefused, match="not JSON"):
        space.parse_webhook(delivery(body, fake.signed_headers(body)))
    body = b'{"type": 1}'
    with pytest.raises(WebhookRefused, match="no id"):
        space.parse_webhook(delivery(body, fake.signed_headers(body)))


def test_report_without_the_resolved_message_is_refused(space, fake, conversation):
    interaction = fake.report_interaction(conversation["reply"], conversation["reporter"])
    interaction["data"]["resolved"] = {}
    with pytest.raises(WebhookRefused, match="names no message"):
        space.parse_webhook(signed(fake, interaction))


def test_without_a_public_key_nothing_is_accepted(db, monkeypatch, fake):
    connection = make_connection(monkeypatch, "discord", slug="no-key", settings={"guild_id": fake.guild_id})
    with pytest.raises(NotConfigured, match="no public_key"):
        space_of(connection).parse_webhook(signed(fake, fake.ping_interaction()))


def test_command_definition_is_a_valid_message_command():
    definition = command_definition()
    check_request("discord", "POST", "/applications/1/guilds/2/commands", definition)
    assert definition["type"] == 3 and definition["name"] == "Report message"
    with pytest.raises(ContractError):  # the check is real: a name over 32 characters is refused
        check_request("discord", "POST", "/applications/1/guilds/2/commands", {**definition, "name": "x" * 33})
