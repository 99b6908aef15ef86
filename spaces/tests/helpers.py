"""Helpers for the tests of what comes in from spaces: a test-hooks connection, signed deliveries, a sanction.

The sanction is made the real way (report, declarations, inform and response records, a proposal, the
votes): Ivan (GitHub `ivan-gh`) is under a Warning with a no-contact period protecting Rita, the
reporter, who also has the GitHub identity `rita-gh`.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case
from decisions.models import ProposalStatus, Sanction
from decisions.tests.conftest import make_ready, new_case, propose, reporter, votes
from people.actions import do_link_identity
from people.models import Space
from spaces.models import SpaceConnection
from spaces.testing import make_connection
from spaces.tests.fake_space import PLATFORM, sign

SECRET = "webhook-signing-secret-for-tests"


def hook_connection(monkeypatch: pytest.MonkeyPatch, slug: str = "acme-test", **fields: Any) -> SpaceConnection:
    connection = make_connection(monkeypatch, PLATFORM, slug=slug, secrets={"secret": SECRET}, title=f"Acme {slug}")
    if fields:
        SpaceConnection.objects.filter(pk=connection.pk).update(**fields)
        connection.refresh_from_db()
    return connection


def post_hook(
    client: Client, slug: str, events: list[dict[str, Any]], *, delivery: str = "delivery-1", secret: str = SECRET, **extra: Any
) -> Any:
    body = json.dumps({"events": events, **extra}).encode()
    return client.post(
        reverse("spaces:webhook", kwargs={"slug": slug}),
        body,
        content_type="application/json",
        headers={"X-Test-Delivery": delivery, "X-Test-Signature": sign(secret, body)},
    )


def item(ident: str = "c-1", author: str = "ivan-gh", addressed: tuple[str, ...] = ("rita-gh",), **fields: Any) -> dict[str, Any]:
    fields.setdefault("text", "@rita-gh you again?")
    fields.setdefault("url", f"https://example.org/acme/issues/1#{ident}")
    return {"id": ident, "author": [author], "addressed": list(addressed), **fields}


def item_at(ident: str, when: datetime, **fields: Any) -> dict[str, Any]:
    return item(ident, created_at=when.isoformat(), **fields)


@dataclass
class Sanctioned:
    case: Case
    sanction: Sanction


def sanctioned(stewards: dict[str, Any], levels: dict[str, str] | None = None) -> Sanctioned:
    """Ivan under a 30-day Warning protecting Rita; by default all five stewards declared no conflict."""
    from cases.actions import do_declare_conflict

    case, _ = new_case()
    for name, level in (levels or dict.fromkeys(("alice", "bob", "carol", "dave", "erin"), "none")).items():
        do_declare_conflict(stewards[name], case, level)
    make_ready(case, stewards["alice"])
    do_link_identity(None, reporter(case).person, Space.GITHUB, "rita-gh")
    proposal = propose(case, stewards["alice"], "warning")
    for name, level in (levels or dict.fromkeys(("alice", "bob", "carol", "dave", "erin"), "none")).items():
        proposal.refresh_from_db()
        if level == "none" and proposal.status == ProposalStatus.OPEN:
            votes(proposal, stewards, **{name: "yes"})
    case.refresh_from_db()
    return Sanctioned(case, Sanction.objects.get(decision__case=case))
