"""The Mailman space against the real Mailman 3 core (Debian's mailman3, started by scripts/mailman.sh).

Each test gets lists of its own on the module's domain (conftest.py), subscribes its people through the REST
API as Postorius would, and checks the effect the way a list member meets it: whether a subscription is
refused, what moderation Mailman holds.
"""

import itertools
from urllib.parse import quote

import pytest

from spaces.base import Op, Verdict
from spaces.testing import make_connection, request, space_of

_numbers = itertools.count()
MALLORY = r"^mallory@example\.org$"  # the ban entry that stops every spelling of mallory@example.org


@pytest.fixture
def lists(site):
    """Two fresh lists (dev, users), mallory subscribed to both in the case she signed up with."""
    number = next(_numbers)
    dev, users = site.add_list(f"dev{number}"), site.add_list(f"users{number}")
    for list_id in (dev, users):
        assert site.subscribe(list_id, "Mallory@Example.org").status_code == 201
    return dev, users


def connect(monkeypatch, site, names):
    mailman = site.mailman
    settings = {"api_url": mailman.api_url, "lists": list(names)}
    connection = make_connection(
        monkeypatch, "mailman", slug="real-lists", settings=settings, secrets={"user": mailman.user, "password": mailman.password}
    )
    return space_of(connection)


@pytest.fixture
def space(db, monkeypatch, site, lists):
    return connect(monkeypatch, site, lists)


def refused(site, list_id, email):
    """Mailman's answer to subscribing the address: its refusal, or None when it subscribed them."""
    answer = site.subscribe(list_id, email)
    if answer.status_code == 201:
        return None
    return answer.json()["description"]


def ban_entries(site, list_id):
    return {entry["email"] for entry in site.rest.get(f"/lists/{list_id}/bans").json().get("entries", [])}


def moderation(site, list_id, email):
    return site.rest.get(f"/lists/{list_id}/member/{email}").json().get("moderation_action")


# Bans -----------------------------------------------------------------------------------------------


def test_ban_stops_every_spelling(space, site, lists):
    dev, users = lists
    ask = request(Op.BAN, "Mallory@Example.ORG")
    outcome = space.apply(ask)
    assert outcome.detail == f"Banned Mallory@Example.ORG from {dev}, {users}."
    # She is still a member (a ban does not unsubscribe); once she leaves, no spelling of hers gets back in.
    member_id = site.rest.get(f"/lists/{dev}/member/mallory@example.org").json()["member_id"]
    assert site.rest.delete(f"/members/{member_id}").status_code == 204
    for spelling in ("mallory@example.org", "MALLORY@EXAMPLE.ORG", "Mallory@Example.ORG"):
        assert refused(site, dev, spelling) == "Membership is banned", spelling
    assert refused(site, dev, "mallory+lists@example.org") is None  # anchored: another address gets in
    assert space.verify(ask, outcome.state).verdict == Verdict.HOLDS

    space.revert(ask, outcome.state)
    assert ban_entries(site, dev) == set() and ban_entries(site, users) == set()
    assert space.verify(ask, outcome.state).verdict == Verdict.ABSENT
    assert refused(site, dev, "mallory@example.org") is None


def test_drift_check_sees_the_ban_lifted_by_hand(space, site, lists):
    _, users = lists
    ask = request(Op.BAN, "Mallory@Example.ORG")
    outcome = space.apply(ask)
    # A moderator lifts it in Postorius and bans one spelling instead: every other spelling gets in again.
    assert site.rest.delete(f"/lists/{users}/bans/{quote(MALLORY, safe='@')}").status_code == 204
    assert site.rest.post(f"/lists/{users}/bans", data={"email": "Mallory@Example.ORG"}).status_code == 201
    check = space.verify(ask, outcome.state)
    assert (check.verdict, check.detail) == (Verdict.ABSENT, f"Mallory@Example.ORG is not banned from {users}.")


def test_lift_removes_only_stewards_entry_and_ban_again_is_idempotent(space, site, lists):
    dev, _ = lists
    assert site.rest.post(f"/lists/{dev}/bans", data={"email": "mallory@example.org"}).status_code == 201  # a moderator's own ban
    ask = request(Op.BAN, "mallory@example.org", list=dev)
    outcome = space.apply(ask)
    assert outcome.detail == f"Banned mallory@example.org from {dev}."
    assert space.apply(ask).detail == f"mallory@example.org was already banned from {dev}."
    assert ban_entries(site, dev) == {"mallory@example.org", MALLORY}
    space.revert(ask, outcome.state)
    assert ban_entries(site, dev) == {"mallory@example.org"}


def test_site_wide_ban(space, site, lists):
    dev, _ = lists
    email = f"Mallory@{site.host}"  # the domain is this module's: other runs sharing the core are not touched
    ask = request(Op.BAN, email, scope="site")
    outcome = space.apply(ask)
    assert outcome.detail == f"Banned {email} from every list on the site."
    assert refused(site, dev, email.lower()) == "Membership is banned"
    assert space.verify(ask, outcome.state).verdict == Verdict.HOLDS
    space.revert(ask, outcome.state)
    assert space.verify(ask, outcome.state).verdict == Verdict.ABSENT
    assert refused(site, dev, email.lower()) is None


# Moderation -------------------------------------------------------------------------------------------


def test_moderate_check_and_restore(space, site, lists):
    dev, users = lists
    member_id = site.rest.get(f"/lists/{users}/member/mallory@example.org").json()["member_id"]
    assert site.rest.patch(f"/members/{member_id}", data={"moderation_action": "accept"}).status_code == 204
    ask = request(Op.MODERATE, "MALLORY@example.org")
    outcome = space.apply(ask)
    assert outcome.state == {"previous": {dev: None, users: "accept"}}
    assert moderation(site, dev, "mallory@example.org") == moderation(site, users, "mallory@example.org") == "hold"
    assert space.verify(ask, outcome.state).verdict == Verdict.HOLDS

    site.rest.patch(f"/members/{member_id}", data={"moderation_action": "defer"})  # changed by hand in Postorius
    check = space.verify(ask, outcome.state)
    assert (check.verdict, check.detail) == (Verdict.ABSENT, f"MALLORY@example.org's posts are not held for moderation on {users}.")

    space.revert(ask, outcome.state)
    assert moderation(site, dev, "mallory@example.org") is None
    assert moderation(site, users, "mallory@example.org") == "accept"


def test_lists_named_by_posting_address(db, monkeypatch, site, lists):
    dev, _ = lists
    posting = dev.replace(".", "@", 1)
    space = connect(monkeypatch, site, [posting])
    ban, mute = request(Op.BAN, "mallory@example.org"), request(Op.MODERATE, "mallory@example.org")
    banned, held = space.apply(ban).state, space.apply(mute).state
    assert ban_entries(site, dev) == {MALLORY} and moderation(site, dev, "mallory@example.org") == "hold"
    assert space.verify(ban, banned).verdict == space.verify(mute, held).verdict == Verdict.HOLDS
    space.revert(ban, banned)
    space.revert(mute, held)
    assert ban_entries(site, dev) == set() and moderation(site, dev, "mallory@example.org") is None
