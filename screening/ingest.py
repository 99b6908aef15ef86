"""Taking content into screening: each item a space delivers (webhook, catch-up read, backfill) is stored once.

`take` stores one item (the webhook and polling path: spaces.routing.dispatch calls screening.space_events); `take_many` stores a
batch with one query for what is already there (the backfill path). A re-delivery changes nothing; an edit
(same id, new text) replaces the text and clears `scored_at`, so the new text is scored. Only connections
with `watch` on are screened. Scoring is scheduled after the commit (screening.tasks).

Both keep the blind index of an item's parties (screening.parties: who wrote it, whom it addresses) in the
same transaction as the item, whenever an item is created or its handles change.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from people.models import Person
from screening.models import Item, ItemParty
from screening.parties import party_digests, write_parties
from screening.scoring import KINDS
from spaces import base
from spaces.identities import identities_known_as, identity_space
from spaces.models import SpaceConnection

# A platform's kind of item -> screening.scoring.KINDS.
KIND_OF = {
    "issue_comment": "issue_comment",
    "review_comment": "code_review",
    "review": "code_review",
    "commit_comment": "code_review",
    "commit": "commit_message",
    "issue": "issue_comment",  # an issue's or pull request's opening post
    "discussion_comment": "discussion",
    "discussion": "discussion",
    "message": "chat",
    "post": "forum_post",
    "topic": "forum_post",
    "mail": "email",
    "email": "email",
}
# When the item does not say, the platform does.
PLATFORM_KIND = {
    "github": "issue_comment",
    "slack": "chat",
    "discord": "chat",
    "zulip": "chat",
    "matrix": "chat",
    "discourse": "forum_post",
    "mailman": "email",
    "email": "email",
}


def screening_kind(connection: SpaceConnection, kind: str) -> str:
    if kind in KINDS:
        return kind
    return KIND_OF.get(kind) or PLATFORM_KIND.get(connection.platform, "issue_comment")


class _People:
    """Author handles -> Person, through the connection's identities; asked once per distinct author."""

    def __init__(self, connection: SpaceConnection) -> None:
        self.space = identity_space(connection)
        self.known: dict[tuple[str, ...], Person | None] = {}

    def of(self, handles: tuple[str, ...]) -> Person | None:
        if handles not in self.known:
            identity = identities_known_as(self.space, handles).select_related("person").first() if handles else None
            self.known[handles] = identity.person if identity is not None else None
        return self.known[handles]


def _fields(connection: SpaceConnection, item: base.Item, people: _People) -> dict[str, Any]:
    return {
        "kind": screening_kind(connection, item.kind),
        "author": ",".join(item.author)[:500],
        "author_person": people.of(item.author),
        "addressed": ",".join(item.addressed)[:1000],
        "text": item.text,
        "url": item.url[:500],
        "thread": item.thread[:200],
        "created_at": item.created_at,
    }


def _edited(stored: Item, item: base.Item) -> bool:
    return stored.text != item.text


def _apply_edit(stored: Item, item: base.Item, space: str) -> None:
    addressed = ",".join(item.addressed)[:1000]
    handles_changed = addressed != stored.addressed
    stored.text = item.text
    stored.addressed = addressed
    stored.scored_at = None
    stored.save(update_fields=["text", "addressed", "scored_at"])
    if handles_changed:
        write_parties(stored, space=space)


def take(connection: SpaceConnection, item: base.Item, *, schedule: bool = True) -> Item | None:
    """Store one item for screening (None when the connection is not watched); schedule scoring after commit."""
    if not connection.watch:
        return None
    external_id = item.external_id[:200]
    space = identity_space(connection)
    with transaction.atomic():
        stored = Item.objects.filter(connection=connection, external_id=external_id).first()
        if stored is None:
            stored, created = Item.objects.get_or_create(
                connection=connection, external_id=external_id, defaults=_fields(connection, item, _People(connection))
            )
            if created:
                write_parties(stored, space=space)
            changed = created
        else:
            changed = False
        if not changed and _edited(stored, item):
            _apply_edit(stored, item, space)
            changed = True
        if changed and schedule:
            schedule_scoring()
    return stored


@dataclass
class Taken:
    created: int = 0
    edited: int = 0
    unchanged: int = 0

    def __iadd__(self, other: Taken) -> Taken:
        self.created += other.created
        self.edited += other.edited
        self.unchanged += other.unchanged
        return self


@dataclass
class Reading:
    """How far a bulk read (a backfill, an archive) has got: items read, what storing them did, and its pace."""

    read: int = 0
    taken: Taken = field(default_factory=Taken)
    started: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return max(time.monotonic() - self.started, 1e-9)

    @property
    def rate(self) -> float:
        return self.read / self.seconds


def take_many(connection: SpaceConnection, items: Sequence[base.Item], *, schedule: bool = True) -> Taken:
    """Store a batch (call inside the caller's transaction): one query for what exists, one insert for the new."""
    taken = Taken()
    if not connection.watch or not items:
        return taken
    latest: dict[str, base.Item] = {}
    for item in items:  # the same item twice in a batch: its last version counts
        latest[item.external_id[:200]] = item
    existing = {stored.external_id: stored for stored in Item.objects.filter(connection=connection, external_id__in=list(latest))}
    people = _People(connection)
    new: list[Item] = []
    with transaction.atomic():
        for external_id, item in latest.items():
            stored = existing.get(external_id)
            if stored is None:
                new.append(Item(connection=connection, external_id=external_id, **_fields(connection, item, people)))
            elif _edited(stored, item):
                _apply_edit(stored, item, people.space)
                taken.edited += 1
            else:
                taken.unchanged += 1
        # A webhook may store one of these between the query and the insert: then it is already there.
        Item.objects.bulk_create(new, ignore_conflicts=True)
        _index_new(connection, new, people.space)
        taken.created += len(new)
        taken.unchanged += len(items) - len(latest)
        if schedule and (taken.created or taken.edited):
            schedule_scoring()
    return taken


def _index_new(connection: SpaceConnection, new: list[Item], space: str) -> None:
    """Party rows for bulk-created items (whose ids the insert may not return), one insert for all."""
    if not new:
        return
    ids = dict(
        Item.objects.filter(connection=connection, external_id__in=[item.external_id for item in new]).values_list("external_id", "pk")
    )
    parties = [
        ItemParty(item_id=ids[item.external_id], role=role, digest=digest)
        for item in new
        if item.external_id in ids
        for role, digest in sorted(party_digests(space, item.author, item.addressed))
    ]
    ItemParty.objects.bulk_create(parties, ignore_conflicts=True)


def schedule_scoring() -> None:
    """Queue a scoring run once the current transaction commits (one waiting run at most: steward.periodic)."""
    from screening.tasks import ensure_scoring

    transaction.on_commit(ensure_scoring, robust=True)
