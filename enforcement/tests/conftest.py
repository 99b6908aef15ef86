"""A sanctioned person with an identity on the tiny test forum, and the forum itself served on a real socket."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cases.actions import InvolvedPerson, do_declare_conflict
from cases.models import Case, PartyRole
from decisions.models import Sanction
from decisions.tests.conftest import COMMITTEE, make_ready, propose, votes
from enforcement.models import Plan
from enforcement.tests.tiny_space import FakeTinyForum, TinySpace
from intake.actions import Submission, do_submit_report
from people.models import Space
from spaces import registry
from spaces.github.fake import FakeGitHub
from spaces.models import SpaceConnection
from spaces.testing import make_connection


@pytest.fixture
def tiny_registered() -> Iterator[None]:
    saved = registry.platforms()
    registry.register(TinySpace)
    yield
    registry._platforms.clear()
    registry._platforms.update(saved)


@pytest.fixture
def forum(tiny_registered: None) -> Iterator[FakeTinyForum]:
    fake = FakeTinyForum()
    with fake.serve() as url:
        fake.url = url  # type: ignore[attr-defined]
        yield fake


@pytest.fixture
def forum_connection(forum: FakeTinyForum, monkeypatch: pytest.MonkeyPatch, db: Any) -> SpaceConnection:
    return make_connection(
        monkeypatch, TinySpace.platform, slug="tiny", settings={"api_url": forum.url}, secrets={"token": forum.token}, title="Tiny forum"
    )  # type: ignore[attr-defined]


def sanction_case(stewards: dict[str, Any], level: str = "temporary-ban", handle: str = "ivan", **fields: Any) -> tuple[Case, Sanction]:
    """A case decided by a real vote: `level` on Ivan, whose identity on the tiny forum is `handle`."""
    receipt = do_submit_report(
        Submission(
            body="Ivan kept insulting me in the forum.",
            reporter_name="Rita Reporter",
            reporter_email="rita@example.net",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Ivan", Space.OTHER, handle)],
        )
    )
    case = Case.objects.get(code_name=receipt.case_code_name)
    for name in COMMITTEE:
        do_declare_conflict(stewards[name], case, "none")
    make_ready(case, stewards["alice"])
    fields.setdefault("skip_reason", "Sustained harassment after private requests to stop.")
    proposal = propose(case, stewards["alice"], level, **fields)
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    return case, Sanction.objects.get(decision__case=case)


@pytest.fixture
def sanctioned(stewards: dict[str, Any], forum_connection: SpaceConnection) -> Callable[..., tuple[Case, Sanction, Plan]]:
    def _make(level: str = "temporary-ban", handle: str = "ivan", **fields: Any) -> tuple[Case, Sanction, Plan]:
        case, sanction = sanction_case(stewards, level, handle, **fields)
        return case, sanction, Plan.objects.get(sanction=sanction)

    return _make


@pytest.fixture
def github(db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeGitHub, SpaceConnection]]:
    """GitHub's fake, served on a real socket, and a connection to it (organisation acme)."""
    fake = FakeGitHub()
    with fake.serve() as url:
        secrets = {"token": fake.token, "webhook_secret": "x"}
        yield fake, make_connection(monkeypatch, "github", slug="gh", settings={"org": "acme", "api_url": url}, secrets=secrets)
