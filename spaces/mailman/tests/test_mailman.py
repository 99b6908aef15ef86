"""Mailman 3 against its stateful fake, served on a real local socket."""

import socket

import httpx
import pytest
from django.test import RequestFactory

from spaces.base import NotConfigured, Op, PermanentFailure, TemporaryFailure, Verdict, WebhookRefused
from spaces.mailman.fake import FakeMailman
from spaces.mailman.space import MailmanSpace
from spaces.registry import platforms
from spaces.testing import make_connection, request, space_of

DEV = "dev.lists.example.org"
USERS = "users.lists.example.org"
ANNOUNCE = "announce.lists.example.org"
MALLORY = r"^mallory@example\.org$"  # the ban entry that stops every spelling of mallory@example.org


@pytest.fixture
def fake():
    fake = FakeMailman()
    for list_id in (DEV, USERS, ANNOUNCE):
        fake.add_list(list_id)
    fake.subscribe(DEV, "Mallory@Example.org")
    fake.subscribe(USERS, "mallory@example.org", moderation_action="accept")
    return fake


@pytest.fixture
def api_url(fake):
    with fake.serve() as url:
        yield f"{url}/3.1"


def connect(monkeypatch, api_url, fake, **secrets):
    values = {"user": fake.user, "password": fake.password} | secrets
    values = {key: value for key, value in values.items() if value}
    connection = make_connection(monkeypatch, "mailman", slug="lists", settings={"api_url": api_url, "lists": [DEV, USERS]}, secrets=values)
    return space_of(connection)


@pytest.fixture
def mailman(db, monkeypatch, api_url, fake):
    return connect(monkeypatch, api_url, fake)


def test_registered():
    assert platforms()["mailman"] is MailmanSpace
    assert MailmanSpace.intents == {"ban": (Op.BAN,), "mute": (Op.MODERATE,)}
    assert all(capability.native_expiry is None for capability in MailmanSpace.capabilities)


# Bans -----------------------------------------------------------------------------------------------


def test_ban_on_every_configured_list_and_lift(mailman, fake):
    ask = request(Op.BAN, "mallory@example.org")
    outcome = mailman.apply(ask)
    assert outcome.detail == f"Banned mallory@example.org from {DEV}, {USERS}."
    assert outcome.state == {"scope": "list", "lists": [DEV, USERS], "entry": MALLORY}
    assert outcome.native_expiry is False
    assert fake.is_banned(DEV, "mallory@example.org") and fake.is_banned(USERS, "mallory@example.org")
    assert not fake.is_banned(ANNOUNCE, "mallory@example.org")
    assert mailman.verify(ask, outcome.state).verdict == Verdict.HOLDS

    back = mailman.revert(ask, outcome.state)
    assert back.detail == f"Lifted the ban of mallory@example.org from {DEV}, {USERS}."
    assert not fake.is_banned(DEV, "mallory@example.org")
    assert mailman.verify(ask, outcome.state).verdict == Verdict.ABSENT
    (ban, _) = fake.mutations("POST", "/bans$")
    assert ban.body == b"email=%5Emallory%40example%5C.org%24"


def test_ban_again_is_success_without_a_second_ban(mailman, fake):
    ask = request(Op.BAN, "mallory@example.org")
    mailman.apply(ask)
    again = mailman.apply(ask)
    assert again.detail == f"mallory@example.org was already banned from {DEV}, {USERS}."
    assert len(fake.refused) == 0
    assert sum(len(mlist.bans) for mlist in fake.lists.values()) == 2  # the second POSTs changed nothing
    mailman.revert(ask, again.state)
    assert mailman.revert(ask, again.state).detail == f"mallory@example.org was no longer banned from {DEV}, {USERS}."
    assert len(fake.mutations("DELETE")) == 4  # two lifted, two answered 404 "not banned"


def test_ban_on_one_list_and_partly_banned(mailman, fake):
    fake.bans(USERS).add(MALLORY)  # Steward's own earlier ban, whose answer was lost
    outcome = mailman.apply(request(Op.BAN, "mallory@example.org"))
    assert outcome.detail == f"Banned mallory@example.org from {DEV}, {USERS} (already banned from {USERS})."
    only = mailman.apply(request(Op.BAN, "eve@example.org", list=ANNOUNCE))
    assert only.state == {"scope": "list", "lists": [ANNOUNCE], "entry": r"^eve@example\.org$"}
    assert fake.is_banned(ANNOUNCE, "eve@example.org") and not fake.is_banned(DEV, "eve@example.org")


def test_site_wide_ban(mailman, fake):
    ask = request(Op.BAN, "mallory@example.org", scope="site")
    outcome = mailman.apply(ask)
    assert outcome.detail == "Banned mallory@example.org from every list on the site."
    assert fake.site_bans == {MALLORY}
    assert fake.bans(DEV) == set() and fake.is_banned(DEV, "MALLORY@example.org")  # a site-wide ban stops them on every list
    assert mailman.verify(ask, outcome.state).verdict == Verdict.HOLDS
    mailman.revert(ask, outcome.state)
    assert fake.site_bans == set()


def test_ban_lifted_by_hand_is_seen(mailman, fake):
    ask = request(Op.BAN, "mallory@example.org")
    outcome = mailman.apply(ask)
    fake.unban_by_hand(USERS, MALLORY)
    check = mailman.verify(ask, outcome.state)
    assert check.verdict == Verdict.ABSENT
    assert check.detail == f"mallory@example.org is not banned from {USERS}."


def test_ban_on_unknown_list_is_permanent(mailman, fake):
    with pytest.raises(PermanentFailure, match=r"there is no list nope\.lists\.example\.org"):
        mailman.apply(request(Op.BAN, "mallory@example.org", list="nope.lists.example.org"))
    with pytest.raises(PermanentFailure, match=r"there is no list nope\.lists\.example\.org"):
        mailman.verify(request(Op.BAN, "mallory@example.org", list="nope.lists.example.org"), {})


def test_plus_address_round_trip(mailman, fake):
    ask = request(Op.BAN, "mallory+lists@example.org", list=DEV)
    outcome = mailman.apply(ask)
    assert fake.is_banned(DEV, "mallory+lists@example.org")
    assert mailman.verify(ask, outcome.state).verdict == Verdict.HOLDS
    mailman.revert(ask, outcome.state)
    assert not fake.is_banned(DEV, "mallory+lists@example.org")


def test_ban_needs_an_email_address(mailman):
    with pytest.raises(PermanentFailure, match="not one"):
        mailman.apply(request(Op.BAN, "mallory"))


# Case: Mailman compares an address ban exactly; Steward bans by pattern ------------------------------

SUBSCRIBE = {"pre_verified": "true", "pre_confirmed": "true", "pre_approved": "true"}


def test_ban_stops_every_spelling_of_the_address(mailman, fake, raw):
    ask = request(Op.BAN, "Mallory@Example.ORG", list=ANNOUNCE)
    outcome = mailman.apply(ask)
    assert outcome.state["entry"] == MALLORY
    for spelling in ("Mallory@Example.ORG", "mallory@example.org", "MALLORY@EXAMPLE.ORG"):
        response = raw.post("/members", data={"list_id": ANNOUNCE, "subscriber": spelling} | SUBSCRIBE)
        assert (response.status_code, response.json()["description"]) == (400, "Membership is banned"), spelling
    # Anchored and escaped: no other address is caught.
    assert not any(fake.is_banned(ANNOUNCE, other) for other in ("xmallory@example.org", "mallory@example.org.evil", "mallory@exampleXorg"))
    mailman.revert(ask, outcome.state)
    assert raw.post("/members", data={"list_id": ANNOUNCE, "subscriber": "mallory@example.org"} | SUBSCRIBE).status_code == 201


def test_fake_compares_an_address_ban_exactly_as_mailman_does(raw, fake):
    assert raw.post(f"/lists/{DEV}/bans", data={"email": "Eve@Example.ORG"}).status_code == 201
    assert raw.get(f"/lists/{DEV}/bans/Eve@Example.ORG").status_code == 200
    response = raw.get(f"/lists/{DEV}/bans/eve@example.org")
    assert (response.status_code, response.json()["description"]) == (404, "Email is not banned: eve@example.org")
    assert raw.post("/members", data={"list_id": DEV, "subscriber": "eve@example.org"} | SUBSCRIBE).status_code == 201


def test_drift_check_sees_the_pattern_lifted_by_hand(mailman, fake):
    """A moderator lifts Steward's ban in Postorius but one spelling stays banned by hand: the others get in."""
    ask = request(Op.BAN, "Mallory@Example.ORG", list=DEV)
    outcome = mailman.apply(ask)
    fake.bans(DEV).add("Mallory@Example.ORG")
    fake.unban_by_hand(DEV, MALLORY)
    check = mailman.verify(ask, outcome.state)
    assert (check.verdict, check.detail) == (Verdict.ABSENT, f"Mallory@Example.ORG is not banned from {DEV}.")


def test_lift_removes_only_stewards_entry(mailman, fake):
    fake.bans(DEV).add("mallory@example.org")  # placed by a list moderator before the case
    ask = request(Op.BAN, "mallory@example.org", list=DEV)
    outcome = mailman.apply(ask)
    assert outcome.detail == f"Banned mallory@example.org from {DEV}."
    assert fake.bans(DEV) == {"mallory@example.org", MALLORY}
    mailman.revert(ask, outcome.state)
    assert fake.bans(DEV) == {"mallory@example.org"}


def test_ban_recorded_before_patterns_is_checked_and_lifted_as_placed(mailman, fake):
    """A ban Steward placed on the plain address (its state has no entry) is still checked and lifted."""
    fake.bans(DEV).add("mallory@example.org")
    ask, state = request(Op.BAN, "mallory@example.org"), {"scope": "list", "lists": [DEV]}
    assert mailman.verify(ask, state).verdict == Verdict.HOLDS
    mailman.revert(ask, state)
    assert fake.bans(DEV) == set()


# Lists named by their posting address ----------------------------------------------------------------


def test_lists_named_by_posting_address(db, monkeypatch, api_url, fake):
    settings = {"api_url": api_url, "lists": ["dev@lists.example.org"]}
    secrets = {"user": fake.user, "password": fake.password}
    mailman = space_of(make_connection(monkeypatch, "mailman", slug="bypost", settings=settings, secrets=secrets))
    ban = request(Op.BAN, "mallory@example.org")
    state = mailman.apply(ban).state
    assert fake.bans(DEV) == {MALLORY}
    assert mailman.verify(ban, state).verdict == Verdict.HOLDS
    mute = request(Op.MODERATE, "mallory@example.org")
    held = mailman.apply(mute).state
    assert held == {"previous": {"dev@lists.example.org": None}}
    assert fake.moderation_of(DEV, "mallory@example.org") == "hold"
    mailman.revert(mute, held)
    mailman.revert(ban, state)
    assert fake.bans(DEV) == set() and fake.moderation_of(DEV, "mallory@example.org") is None


# The records Mailman returns (captured from Mailman 3.3 core; test_real_mailman.py keeps them equal) ------

MEMBER_FIELDS = {
    "address", "bounce_score", "last_warning_sent", "total_warnings_sent", "delivery_mode", "email", "list_id",
    "subscription_mode", "role", "user", "display_name", "self_link", "member_id", "http_etag",
}  # fmt: skip
LIST_FIELDS = {
    "advertised", "display_name", "fqdn_listname", "list_id", "list_name", "mail_host", "member_count", "volume",
    "description", "self_link", "http_etag",
}  # fmt: skip


def test_fake_records_carry_mailmans_fields(raw, fake):
    member = raw.get(f"/lists/{DEV}/member/MALLORY@example.org").json()
    assert set(member) == MEMBER_FIELDS
    assert (member["email"], member["bounce_score"], member["display_name"]) == ("mallory@example.org", 0, "")
    assert set(raw.get(f"/lists/{USERS}/member/mallory@example.org").json()) == MEMBER_FIELDS | {"moderation_action"}
    for name in (DEV, "dev@lists.example.org"):
        mailing_list = raw.get(f"/lists/{name}").json()
        assert set(mailing_list) == LIST_FIELDS
        assert (mailing_list["list_id"], mailing_list["fqdn_listname"], mailing_list["member_count"]) == (DEV, "dev@lists.example.org", 1)
    assert raw.get("/lists/Dev@lists.example.org").status_code == 404  # compared exactly, as Mailman does


# Moderation -----------------------------------------------------------------------------------------


def test_moderate_then_restore_previous_values(mailman, fake):
    ask = request(Op.MODERATE, "mallory@example.org")
    outcome = mailman.apply(ask)
    assert outcome.state == {"previous": {DEV: None, USERS: "accept"}}
    assert outcome.detail == f"Posts from mallory@example.org to {DEV}, {USERS} are now held for moderation."
    assert fake.moderation_of(DEV, "mallory@example.org") == "hold"
    assert fake.moderation_of(USERS, "mallory@example.org") == "hold"
    assert mailman.verify(ask, outcome.state).verdict == Verdict.HOLDS

    mailman.revert(ask, outcome.state)
    assert fake.moderation_of(DEV, "mallory@example.org") is None  # back to the list's default
    assert fake.moderation_of(USERS, "mallory@example.org") == "accept"
    assert mailman.verify(ask, outcome.state).verdict == Verdict.ABSENT
    bodies = [call.body for call in fake.mutations("PATCH")]
    assert bodies[-2:] == [b"moderation_action=", b"moderation_action=accept"]


def test_moderate_again_sends_nothing(mailman, fake):
    ask = request(Op.MODERATE, "mallory@example.org")
    mailman.apply(ask)
    again = mailman.apply(ask)
    assert again.detail == f"mallory@example.org's posts were already held for moderation on {DEV}, {USERS}."
    assert len(fake.mutations("PATCH")) == 2


def test_moderation_lifted_by_hand_is_seen(mailman, fake):
    ask = request(Op.MODERATE, "mallory@example.org")
    outcome = mailman.apply(ask)
    fake.set_moderation_by_hand(DEV, "mallory@example.org", "defer")
    check = mailman.verify(ask, outcome.state)
    assert check.verdict == Verdict.ABSENT
    assert check.detail == f"mallory@example.org's posts are not held for moderation on {DEV}."


def test_moderate_skips_lists_they_are_not_on(mailman, fake):
    fake.unsubscribe(USERS, "mallory@example.org")
    outcome = mailman.apply(request(Op.MODERATE, "mallory@example.org"))
    assert outcome.state == {"previous": {DEV: None}}
    with pytest.raises(PermanentFailure, match="is not a member of"):
        mailman.apply(request(Op.MODERATE, "nobody@example.org"))


def test_moderation_restored_after_resubscription(mailman, fake):
    """A membership re-created since (new member id) is found again by address."""
    ask = request(Op.MODERATE, "mallory@example.org", list=USERS)
    outcome = mailman.apply(ask)
    fake.unsubscribe(USERS, "mallory@example.org")
    fake.subscribe(USERS, "mallory@example.org", moderation_action="hold")
    mailman.revert(ask, outcome.state)
    assert fake.moderation_of(USERS, "mallory@example.org") == "accept"


def test_moderation_without_state_goes_back_to_list_default(mailman, fake):
    ask = request(Op.MODERATE, "mallory@example.org")
    mailman.apply(ask)
    assert mailman.verify(ask, {}).verdict == Verdict.HOLDS
    mailman.revert(ask, {})
    assert fake.moderation_of(USERS, "mallory@example.org") is None


# Failures -------------------------------------------------------------------------------------------


def test_server_error_is_temporary(mailman, fake):
    fake.inject(500, {"title": "500 Internal Server Error"})
    with pytest.raises(TemporaryFailure, match=r"unavailable \(500\)"):
        mailman.apply(request(Op.BAN, "mallory@example.org"))


def test_throttling_in_front_of_mailman_is_temporary(mailman, fake):
    fake.inject_rate_limit(retry_after=30, method="POST")
    with pytest.raises(TemporaryFailure) as error:
        mailman.apply(request(Op.BAN, "mallory@example.org"))
    assert error.value.retry_after == 30
    assert not fake.is_banned(DEV, "mallory@example.org")


def test_unreachable_is_temporary(db, monkeypatch, fake):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    mailman = connect(monkeypatch, f"http://127.0.0.1:{port}/3.1", fake)
    with pytest.raises(TemporaryFailure, match="Could not reach Mailman"):
        mailman.apply(request(Op.BAN, "mallory@example.org"))


def test_wrong_password_is_permanent_and_never_shown(db, monkeypatch, api_url, fake):
    mailman = connect(monkeypatch, api_url, fake, password="wrong-password-987")
    with pytest.raises(PermanentFailure) as error:
        mailman.apply(request(Op.BAN, "mallory@example.org"))
    assert error.value.message.endswith("check the user and password secrets.")
    assert "wrong-password-987" not in error.value.message


def test_client_error_carries_mailmans_description(mailman, fake):
    fake.inject(400, {"title": "400 Bad Request", "description": "Membership is banned"}, method="PATCH")
    with pytest.raises(PermanentFailure, match=r"Mailman refused changing the moderation of member \w+: Membership is banned"):
        mailman.apply(request(Op.MODERATE, "mallory@example.org"))


def test_missing_secrets_name_the_environment_variables(db, monkeypatch, api_url, fake):
    mailman = connect(monkeypatch, api_url, fake, user="", password="")
    with pytest.raises(NotConfigured) as error:
        mailman.apply(request(Op.BAN, "mallory@example.org"))
    assert "STEWARD_SPACE_LISTS_USER" in error.value.message and "STEWARD_SPACE_LISTS_PASSWORD" in error.value.message
    assert fake.calls == []


def test_no_lists_configured(db, monkeypatch, fake):
    connection = make_connection(monkeypatch, "mailman", slug="bare", secrets={"user": "u", "password": "p"})
    with pytest.raises(PermanentFailure, match="no lists configured"):
        space_of(connection).apply(request(Op.BAN, "mallory@example.org"))


def test_no_webhooks(mailman):
    with pytest.raises(WebhookRefused) as error:
        mailman.parse_webhook(RequestFactory().post("/spaces/hooks/lists/", data=b"{}", content_type="application/json"))
    assert error.value.status == 404


# Contract: the fake holds every request to Mailman's documented shape -----------------------------------


@pytest.fixture
def raw(fake):
    return httpx.Client(base_url="http://mailman.test/3.1", transport=fake.transport(), auth=(fake.user, fake.password))


def test_contract_ban_needs_email(raw, fake):
    response = raw.post(f"/lists/{DEV}/bans", data={"address": "mallory@example.org"})
    assert response.status_code == 400
    assert response.json() == {"title": "400 Bad Request", "description": "Unexpected parameters: address"}
    response = raw.post(f"/lists/{DEV}/bans", data={})
    assert response.json()["description"] == "Missing Parameter: email"
    assert fake.bans(DEV) == set()


def test_contract_moderation_action_values(raw, fake):
    member_id = next(iter(fake.members))
    response = raw.patch(f"/members/{member_id}", data={"moderation_action": "mute"})
    assert response.status_code == 400
    assert (
        response.json()["description"]
        == 'Invalid Parameter "moderation_action": Accepted Values are: hold, reject, discard, accept, defer.'
    )
    response = raw.patch(f"/members/{member_id}", data={"moderation_action": "hold", "reason": "x"})
    assert response.json()["description"] == "Unexpected parameters: reason"


def test_contract_authentication(fake):
    response = httpx.Client(base_url="http://mailman.test/3.1", transport=fake.transport()).get(f"/lists/{DEV}")
    assert response.status_code == 401
    assert response.json() == {"title": "401 Unauthorized", "description": "REST API authorization failed"}


def test_client_requests_keep_to_the_contract(mailman, fake):
    for ask in (
        request(Op.BAN, "mallory@example.org"),
        request(Op.BAN, "mallory@example.org", scope="site"),
        request(Op.MODERATE, "mallory@example.org"),
    ):
        state = mailman.apply(ask).state
        mailman.verify(ask, state)
        mailman.revert(ask, state)
    assert {call.method for call in fake.calls} == {"GET", "POST", "DELETE", "PATCH"}
    assert fake.refused == []
