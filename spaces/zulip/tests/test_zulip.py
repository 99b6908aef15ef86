"""Zulip against its stateful fake, served on a real local socket."""

import json
import socket
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.test import RequestFactory

from spaces.base import ContentEvent, NotConfigured, Op, PermanentFailure, TemporaryFailure, Verdict, WebhookRefused
from spaces.registry import platforms
from spaces.testing import make_connection, request, space_of
from spaces.zulip.client import ZulipClient
from spaces.zulip.fake import FakeZulip
from spaces.zulip.space import ZulipSpace

TOKEN = "outgoing-webhook-token-123"


@pytest.fixture
def fake():
    fake = FakeZulip()
    fake.alice = fake.add_user("Alice@Example.org", "Alice Doe")
    fake.bob = fake.add_user("bob@example.org", "Bob Roe")
    fake.general = fake.add_stream("general", members=(fake.alice, fake.bob))
    fake.dev = fake.add_stream("dev", members=(fake.alice,))
    fake.random = fake.add_stream("random", members=(fake.alice,))
    return fake


@pytest.fixture
def site(fake):
    with fake.serve() as url:
        yield url


def connect(monkeypatch, site, fake, **secrets):
    values = {"bot_email": fake.bot_email, "api_key": fake.api_key, "webhook_token": TOKEN} | secrets
    values = {key: value for key, value in values.items() if value}
    connection = make_connection(monkeypatch, "zulip", slug="chat", settings={"site": site, "streams": ["general", "dev"]}, secrets=values)
    return space_of(connection)


@pytest.fixture
def zulip(db, monkeypatch, site, fake):
    return connect(monkeypatch, site, fake)


def test_registered():
    assert platforms()["zulip"] is ZulipSpace
    assert ZulipSpace.intents == {"ban": (Op.DEACTIVATE,)}


# Deactivation ---------------------------------------------------------------------------------------


def test_deactivate_by_casefolded_email_then_reactivate(zulip, fake):
    ask = request(Op.DEACTIVATE, "alice@example.org")
    outcome = zulip.apply(ask)
    assert outcome.state == {"user_id": fake.alice}
    assert outcome.detail == "Deactivated Alice Doe (Alice@Example.org) on Zulip."
    assert fake.users[fake.alice].is_active is False
    assert zulip.verify(ask, outcome.state).verdict == Verdict.HOLDS

    back = zulip.revert(ask, outcome.state)
    assert back.detail == "Reactivated Alice Doe (Alice@Example.org) on Zulip."
    assert fake.users[fake.alice].is_active is True
    assert zulip.verify(ask, outcome.state).verdict == Verdict.ABSENT
    assert len(fake.mutations("DELETE", rf"/users/{fake.alice}$")) == 1
    assert len(fake.mutations("POST", r"/reactivate$")) == 1


def test_deactivate_by_user_id_is_idempotent(zulip, fake):
    ask = request(Op.DEACTIVATE, str(fake.bob))
    zulip.apply(ask)
    again = zulip.apply(ask)
    assert again.detail == "Bob Roe (bob@example.org) was already deactivated on Zulip."
    assert len(fake.mutations("DELETE", r"/users/\d+$")) == 1
    zulip.revert(ask, again.state)
    assert zulip.revert(ask, again.state).detail.endswith("was already active on Zulip.")
    assert len(fake.mutations("POST", r"/reactivate$")) == 1


def test_reactivation_by_hand_is_seen(zulip, fake):
    ask = request(Op.DEACTIVATE, str(fake.alice))
    outcome = zulip.apply(ask)
    fake.reactivate_by_hand(fake.alice)
    check = zulip.verify(ask, outcome.state)
    assert check.verdict == Verdict.ABSENT
    assert check.detail == "Alice Doe (Alice@Example.org) is active on Zulip."


def test_verify_and_revert_work_without_state(zulip, fake):
    """After a crash between the call and its record, the executor has no state: the handle is resolved again."""
    ask = request(Op.DEACTIVATE, "alice@example.org")
    zulip.apply(ask)
    assert zulip.verify(ask, {}).verdict == Verdict.HOLDS
    zulip.revert(ask, {})
    assert fake.users[fake.alice].is_active is True


def test_email_with_plus_reaches_the_user(zulip, fake):
    plus = fake.add_user("dev+ops@example.org", "Dev Ops")
    assert zulip.apply(request(Op.DEACTIVATE, "dev+ops@example.org")).state == {"user_id": plus}
    assert fake.users[plus].is_active is False


def test_unknown_user_is_permanent(zulip):
    with pytest.raises(PermanentFailure, match=r"Zulip has no user nobody@example\.org"):
        zulip.apply(request(Op.DEACTIVATE, "nobody@example.org"))


def test_bot_that_is_not_an_administrator(zulip, fake):
    fake.admin = False
    with pytest.raises(PermanentFailure) as error:
        zulip.apply(request(Op.DEACTIVATE, str(fake.alice)))
    assert "Must be an organization administrator" in error.value.message
    assert "Steward's bot must be an organization administrator" in error.value.message
    assert fake.users[fake.alice].is_active is True


def test_owner_cannot_be_deactivated_by_an_administrator(zulip, fake):
    owner = fake.add_user("owner@example.org", "Olga Owner", role=100)
    with pytest.raises(PermanentFailure, match="Must be an organization owner"):
        zulip.apply(request(Op.DEACTIVATE, str(owner)))


# Unsubscribing ----------------------------------------------------------------------------------------


def test_unsubscribe_from_configured_streams_and_back(zulip, fake):
    ask = request(Op.REMOVE_FROM_CHANNEL, "alice@example.org")
    outcome = zulip.apply(ask)
    assert outcome.state == {"user_id": fake.alice, "streams": {"general": fake.general, "dev": fake.dev}, "removed": ["general", "dev"]}
    assert outcome.detail == "Unsubscribed Alice Doe (Alice@Example.org) from #general, #dev on Zulip."
    assert not fake.is_subscribed(fake.alice, fake.general) and not fake.is_subscribed(fake.alice, fake.dev)
    assert fake.is_subscribed(fake.alice, fake.random)  # not configured: left alone
    assert zulip.verify(ask, outcome.state).verdict == Verdict.HOLDS

    zulip.revert(ask, outcome.state)
    assert fake.is_subscribed(fake.alice, fake.general) and fake.is_subscribed(fake.alice, fake.dev)
    assert zulip.verify(ask, outcome.state).verdict == Verdict.ABSENT


def test_unsubscribe_gives_back_only_what_was_taken(zulip, fake):
    ask = request(Op.REMOVE_FROM_CHANNEL, str(fake.bob))  # bob is in #general only
    outcome = zulip.apply(ask)
    assert outcome.state["removed"] == ["general"]
    zulip.revert(ask, outcome.state)
    assert fake.is_subscribed(fake.bob, fake.general)
    assert not fake.is_subscribed(fake.bob, fake.dev)
    (subscribe,) = fake.mutations("POST", r"/users/me/subscriptions$")
    assert dict(httpx.QueryParams(subscribe.body.decode())) == {"subscriptions": '[{"name": "general"}]', "principals": f"[{fake.bob}]"}


def test_unsubscribe_one_stream_by_parameter(zulip, fake):
    ask = request(Op.REMOVE_FROM_CHANNEL, str(fake.alice), stream="#random")
    outcome = zulip.apply(ask)
    assert outcome.state["removed"] == ["random"]
    assert fake.is_subscribed(fake.alice, fake.general)
    assert not fake.is_subscribed(fake.alice, fake.random)


def test_unsubscribe_again_sends_nothing(zulip, fake):
    ask = request(Op.REMOVE_FROM_CHANNEL, str(fake.alice))
    zulip.apply(ask)
    again = zulip.apply(ask)
    assert again.detail == "Alice Doe (Alice@Example.org) was not subscribed to #general, #dev on Zulip."
    assert len(fake.mutations("DELETE", r"/users/me/subscriptions$")) == 1


def test_resubscribed_by_hand_is_seen(zulip, fake):
    ask = request(Op.REMOVE_FROM_CHANNEL, str(fake.alice))
    outcome = zulip.apply(ask)
    fake.subscribe_by_hand(fake.alice, fake.dev)
    check = zulip.verify(ask, outcome.state)
    assert check.verdict == Verdict.ABSENT
    assert "#dev" in check.detail


def test_unknown_stream_is_permanent(zulip, fake):
    with pytest.raises(PermanentFailure, match="Invalid channel name 'nope'"):
        zulip.apply(request(Op.REMOVE_FROM_CHANNEL, str(fake.alice), stream="nope"))


# Deleting messages ----------------------------------------------------------------------------------


def test_delete_message_by_link(zulip, fake, site):
    message_id = fake.post(fake.bob, fake.general, "something awful")
    ask = request(Op.DELETE_CONTENT, f"{site}/#narrow/channel/{fake.general}-general/topic/general/near/{message_id}")
    outcome = zulip.apply(ask)
    assert outcome.detail == f"Deleted Zulip message {message_id}."
    assert message_id not in fake.messages
    assert zulip.verify(ask, outcome.state).verdict == Verdict.HOLDS
    again = zulip.apply(ask)
    assert again.detail == f"Zulip message {message_id} was already gone."
    assert len(fake.mutations("DELETE", r"/messages/\d+$")) == 1
    assert not zulip.capability(Op.DELETE_CONTENT).reversible
    with pytest.raises(PermanentFailure):
        zulip.revert(ask, outcome.state)


def test_delete_message_by_id_and_verify_before(zulip, fake):
    message_id = fake.post(fake.bob, fake.general, "something awful")
    ask = request(Op.DELETE_CONTENT, str(message_id))
    assert zulip.verify(ask, {}).verdict == Verdict.ABSENT
    zulip.apply(ask)
    assert zulip.verify(ask, {}).verdict == Verdict.HOLDS


def test_message_link_from_another_site_is_refused(zulip):
    with pytest.raises(PermanentFailure, match="not on this connection's Zulip site"):
        zulip.apply(request(Op.DELETE_CONTENT, "https://elsewhere.zulipchat.com/#narrow/channel/1-general/near/5"))
    with pytest.raises(PermanentFailure, match="Not a Zulip message link"):
        zulip.apply(request(Op.DELETE_CONTENT, "https://chat.example.org/#narrow/channel/1-general"))


# Failures -------------------------------------------------------------------------------------------


def test_server_error_is_temporary(zulip, fake):
    fake.inject(502, "<html>Bad gateway</html>", times=1)
    with pytest.raises(TemporaryFailure, match=r"server error \(502\)"):
        zulip.apply(request(Op.DEACTIVATE, str(fake.alice)))
    assert fake.users[fake.alice].is_active is True


def test_rate_limit_is_temporary_with_zulips_retry_after(zulip, fake):
    fake.inject_rate_limit(retry_after=2.5, method="DELETE")
    with pytest.raises(TemporaryFailure) as error:
        zulip.apply(request(Op.DEACTIVATE, str(fake.alice)))
    assert error.value.retry_after == 2.5
    assert fake.users[fake.alice].is_active is True
    zulip.apply(request(Op.DEACTIVATE, str(fake.alice)))  # the retry goes through
    assert fake.users[fake.alice].is_active is False


def test_rate_limit_header_alone_is_honoured(zulip, fake):
    fake.inject(429, {"result": "error", "msg": "API usage exceeded rate limit", "code": "RATE_LIMIT_HIT"}, {"Retry-After": "7"})
    with pytest.raises(TemporaryFailure) as error:
        zulip.verify(request(Op.DEACTIVATE, str(fake.alice)), {})
    assert error.value.retry_after == 7


def test_unreachable_server_is_temporary(db, monkeypatch, fake):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]  # nobody listens there once it is closed
    zulip = connect(monkeypatch, f"http://127.0.0.1:{port}", fake)
    with pytest.raises(TemporaryFailure, match="Could not reach Zulip"):
        zulip.apply(request(Op.DEACTIVATE, "1"))


def test_wrong_api_key_is_permanent_and_never_shown(db, monkeypatch, site, fake):
    zulip = connect(monkeypatch, site, fake, api_key="not-the-key-0123")
    with pytest.raises(PermanentFailure) as error:
        zulip.apply(request(Op.DEACTIVATE, str(fake.alice)))
    assert "Invalid API key" in error.value.message and "check the bot_email and api_key secrets" in error.value.message
    assert "not-the-key-0123" not in error.value.message


def test_missing_secrets_name_the_environment_variables(db, monkeypatch, site, fake):
    zulip = connect(monkeypatch, site, fake, bot_email="", api_key="")
    with pytest.raises(NotConfigured) as error:
        zulip.apply(request(Op.DEACTIVATE, str(fake.alice)))
    assert "STEWARD_SPACE_CHAT_BOT_EMAIL" in error.value.message and "STEWARD_SPACE_CHAT_API_KEY" in error.value.message
    assert fake.calls == []


def test_missing_site_is_not_configured(db, monkeypatch, fake):
    connection = make_connection(monkeypatch, "zulip", slug="nosite", secrets={"bot_email": "b@x", "api_key": "k"})
    with pytest.raises(NotConfigured, match="has no site URL"):
        space_of(connection).apply(request(Op.DEACTIVATE, "1"))


# Contract: the fake holds every request to Zulip's documented shape -------------------------------------


@pytest.fixture
def raw(fake):
    return httpx.Client(base_url="http://zulip.test/api/v1", transport=fake.transport(), auth=(fake.bot_email, fake.api_key))


def test_contract_unsubscribe_takes_names_not_objects(raw, fake):
    objects = {"subscriptions": '[{"name": "general"}]', "principals": f"[{fake.alice}]"}
    response = raw.request("DELETE", "/users/me/subscriptions", data=objects)
    assert response.status_code == 400
    assert response.json() == {"result": "error", "msg": "Invalid subscriptions", "code": "BAD_REQUEST", "var_name": "subscriptions"}
    assert fake.is_subscribed(fake.alice, fake.general)
    assert [message for _, message in fake.refused] == ["Invalid subscriptions"]


def test_contract_json_bodies_are_not_read(raw, fake):
    response = raw.request("DELETE", "/users/me/subscriptions", json={"subscriptions": ["general"], "principals": [fake.alice]})
    assert response.json()["code"] == "REQUEST_VARIABLE_MISSING"
    assert response.json()["msg"] == "Missing 'subscriptions' argument"


def test_contract_unknown_parameters_are_refused(raw, fake):
    response = raw.request("DELETE", f"/users/{fake.alice}", data={"reason": "no such parameter"})
    assert response.status_code == 400
    assert response.json()["ignored_parameters_unsupported"] == ["reason"]
    assert fake.users[fake.alice].is_active is True


def test_contract_authentication(fake):
    anonymous = httpx.Client(base_url="http://zulip.test/api/v1", transport=fake.transport())
    response = anonymous.get(f"/users/{fake.alice}")
    assert response.status_code == 401 and response.json()["code"] == "UNAUTHORIZED"
    assert response.headers["WWW-Authenticate"] == 'Basic realm="zulip"'


def test_client_requests_keep_to_the_contract(zulip, fake):
    """Every request the space made in a full round was accepted by the shape checks (none was refused as malformed)."""
    message_id = fake.post(fake.bob, fake.general, "hi")
    for ask in (request(Op.DEACTIVATE, str(fake.alice)), request(Op.REMOVE_FROM_CHANNEL, str(fake.bob))):
        state = zulip.apply(ask).state
        zulip.verify(ask, state)
        zulip.revert(ask, state)
    deletion = request(Op.DELETE_CONTENT, str(message_id))
    zulip.post_moderation_notice(deletion, zulip.apply(deletion).state, "Why: the stewards' reason.")
    list(zulip.read(datetime.now(UTC) - timedelta(days=1)))
    assert fake.direct_messages_to(fake.bob) == ["Why: the stewards' reason."]
    assert {call.method for call in fake.calls} == {"GET", "DELETE", "POST"}
    assert fake.refused == []


# Reading --------------------------------------------------------------------------------------------


def test_read_configured_streams_oldest_first(zulip, fake, monkeypatch, site):
    monkeypatch.setattr(ZulipClient, "PAGE_SIZE", 2)  # several pages per stream
    now = int(datetime.now(UTC).timestamp())
    old = fake.post(fake.alice, fake.general, "too old", timestamp=now - 7200)
    ids = [fake.post(fake.alice, fake.general, f"general {n}", timestamp=now - 600 + n) for n in range(5)]
    dev = fake.post(fake.bob, fake.dev, f"@**Alice Doe|{fake.alice}** look", topic="builds", timestamp=now - 300)
    fake.post(fake.bob, fake.random, "not watched", timestamp=now - 100)

    items = list(zulip.read(datetime.fromtimestamp(now - 3600, UTC)))
    assert [item.external_id for item in items] == [str(i) for i in [*ids, dev]]
    assert str(old) not in {item.external_id for item in items}
    last = items[-1]
    assert last.author == (str(fake.bob), "bob@example.org")
    assert last.addressed == (str(fake.alice),)
    assert last.thread == "dev > builds"
    assert last.url == f"{site}/#narrow/stream/{fake.dev}-dev/topic/builds/near/{dev}"
    assert last.created_at == datetime.fromtimestamp(now - 300, UTC)
    assert len([call for call in fake.calls if call.path == "/api/v1/messages"]) > 3


# Outgoing webhook -----------------------------------------------------------------------------------


def deliver(body):
    return RequestFactory().post("/spaces/hooks/chat/", data=body, content_type="application/json")


def test_webhook_parsed_into_content_event(zulip, fake):
    message_id = fake.post(fake.bob, fake.general, f"@**Steward|{fake.bot_id}** hey @_**Alice Doe|{fake.alice}** said")
    inbound = zulip.parse_webhook(deliver(fake.outgoing_webhook(message_id, token=TOKEN)))
    assert inbound.delivery_id == str(message_id)
    (event,) = inbound.events
    assert isinstance(event, ContentEvent)
    assert event.item.author == (str(fake.bob), "bob@example.org")
    assert set(event.item.addressed) == {str(fake.bot_id), str(fake.alice)}
    assert event.item.external_id == str(message_id)
    response = zulip.webhook_response(inbound, [])
    assert json.loads(response.content) == {"response_not_required": True}


def test_webhook_direct_message_addresses_the_other_recipients(zulip, fake):
    # A group direct message to the bot, in the shape of Zulip's GET /messages example (type "private", no stream_id).
    sent = fake.send_direct(fake.bob, [fake.alice, fake.bot_id], "hello")
    body = fake.outgoing_webhook(sent, token=TOKEN, trigger="direct_message")
    message = json.loads(body)["message"]
    assert message["type"] == "private" and "stream_id" not in message and message["subject"] == ""
    assert {person["id"] for person in message["display_recipient"]} == {fake.bob, fake.alice, fake.bot_id}
    (event,) = zulip.parse_webhook(deliver(body)).events
    assert event.item.author == (str(fake.bob), "bob@example.org")
    assert set(event.item.addressed) == {str(fake.alice), "alice@example.org", str(fake.bot_id), fake.bot_email.casefold()}
    assert event.item.thread == "direct message" and event.item.url.endswith(f"/#narrow/near/{sent}")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({"message": {"id": 1}}).encode(), "carries no token"),
        (json.dumps({"token": "wrong-token", "message": {"id": 1}}).encode(), "does not match"),
        (json.dumps({"token": TOKEN}).encode(), "no message with an id"),
    ],
)
def test_webhook_refusals(zulip, body, reason):
    with pytest.raises(WebhookRefused, match=reason):
        zulip.parse_webhook(deliver(body))


def test_webhook_without_configured_token(db, monkeypatch, site, fake):
    zulip = connect(monkeypatch, site, fake, webhook_token="")
    body = fake.outgoing_webhook(fake.post(fake.bob, fake.general, "x"), token="")
    with pytest.raises(NotConfigured, match="STEWARD_SPACE_CHAT_WEBHOOK_TOKEN"):
        zulip.parse_webhook(deliver(body))
