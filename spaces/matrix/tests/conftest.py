"""The real Synapse for the Matrix tests: `make test` starts one (scripts/synapse.sh) and names it in
STEWARD_TEST_SYNAPSE_URL, e.g. `http://127.0.0.1:8448`.

Without it the tests are skipped with the reason, except in CI (CI=true), where they fail: they must not vanish
from a run unnoticed. Every test gets accounts and rooms of its own (fresh names), so runs on SQLite and
PostgreSQL, and parallel workers, can share one homeserver.
"""

import hashlib
import hmac
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from spaces.matrix.client import MatrixClient
from spaces.testing import make_connection, space_of

SYNAPSE_URL = "STEWARD_TEST_SYNAPSE_URL"
SHARED_SECRET = b"steward-test-registration"  # scripts/synapse.sh's registration_shared_secret
SERVER_NAME = "steward.test"


@dataclass(frozen=True)
class Account:
    user_id: str
    access_token: str


@dataclass
class Homeserver:
    url: str
    clients: list[MatrixClient] = field(default_factory=list)

    def register(self, name: str, *, admin: bool = False) -> Account:
        """A fresh account `@<name>-<random>:steward.test`, registered with the shared secret (Synapse's admin API)."""
        localpart = f"{name}-{uuid.uuid4().hex[:8]}"
        with httpx.Client(base_url=self.url, timeout=20) as http:
            nonce = http.get("/_synapse/admin/v1/register").json()["nonce"]
            password = uuid.uuid4().hex
            mac = hmac.new(SHARED_SECRET, digestmod=hashlib.sha1)
            for part in (nonce, localpart, password, "admin" if admin else "notadmin"):
                mac.update(part.encode() + (b"" if part in ("admin", "notadmin") else b"\x00"))
            answer = http.post(
                "/_synapse/admin/v1/register",
                json={"nonce": nonce, "username": localpart, "password": password, "admin": admin, "mac": mac.hexdigest()},
            )
            assert answer.status_code == 200, answer.text
            data = answer.json()
        return Account(data["user_id"], data["access_token"])

    def client(self, account: Account) -> MatrixClient:
        client = MatrixClient(self.url, account.access_token)
        self.clients.append(client)
        return client

    def room(self, owner: Account, *, members: tuple[Account, ...] = (), moderators: tuple[Account, ...] = (), name: str = "room") -> str:
        """A public room created by `owner`, joined by `members` and `moderators` (power 50). The owner is the room's
        creator: from room version 12 a creator outranks every power level and may not be listed among them."""
        owner_client = self.client(owner)
        power = {account.user_id: 50 for account in moderators}
        room = owner_client.create_room({"name": name, "preset": "public_chat", "power_level_content_override": {"users": power}})
        for account in (*members, *moderators):
            self.client(account).join(room)
        return room

    def close(self) -> None:
        for client in self.clients:
            if client._http is not None:
                client._http.close()


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI runs the Matrix tests against a real Synapse, but {reason}.", pytrace=False)
    pytest.skip(f"No real Synapse: {reason} (make test starts one with scripts/synapse.sh).")


@pytest.fixture(scope="session")
def synapse() -> Iterator[Homeserver]:
    url = os.environ.get(SYNAPSE_URL, "").rstrip("/")
    if not url:
        _unavailable(f"{SYNAPSE_URL} is not set")
    try:
        answer = httpx.get(f"{url}/_matrix/client/versions", timeout=5)
    except httpx.TransportError as error:
        _unavailable(f"nothing answers at {url} ({type(error).__name__})")
    if answer.status_code != 200:
        _unavailable(f"{url} answered {answer.status_code} to /_matrix/client/versions")
    homeserver = Homeserver(url)
    yield homeserver
    homeserver.close()


@dataclass
class Community:
    """Two rooms moderated by Steward's bot (power 100 via the owner's grant), a human moderator and two members."""

    homeserver: Homeserver
    owner: Account
    bot: Account
    moderator: Account
    alice: Account
    bob: Account
    rooms: tuple[str, str]

    def as_(self, account: Account) -> MatrixClient:
        return self.homeserver.client(account)


@pytest.fixture
def community(synapse: Homeserver) -> Community:
    owner, bot, moderator, alice, bob = (synapse.register(name) for name in ("owner", "steward-bot", "mod", "alice", "bob"))
    rooms = []
    for name in ("general", "dev"):
        room = synapse.room(owner, members=(alice, bob), moderators=(moderator,), name=name)
        owner_client = synapse.client(owner)
        levels = owner_client.state(room, "m.room.power_levels") or {}
        levels["users"] = dict(levels.get("users", {})) | {bot.user_id: 100}
        owner_client.put_state(room, "m.room.power_levels", "", levels)
        synapse.client(bot).join(room)
        rooms.append(room)
    return Community(synapse, owner, bot, moderator, alice, bob, (rooms[0], rooms[1]))


@pytest.fixture
def matrix(db, monkeypatch: pytest.MonkeyPatch, community: Community):
    """The Matrix space for `community`, as a configured connection (slug "matrix-test")."""
    connection = make_connection(
        monkeypatch,
        "matrix",
        slug="matrix-test",
        settings={"homeserver": community.homeserver.url, "rooms": list(community.rooms)},
        secrets={"access_token": community.bot.access_token},
    )
    return space_of(connection)
