"""The blind index of an item's parties (screening.models.ItemParty): who wrote it, whom it addresses.

A party's digest is `blind_digest("space:normalised handle")`, the space being the connection's identity space
(spaces.identities.identity_space), so the same handle in two spaces is two people, and "@Bob" and "bob" are one.
Lookups use `blind_digests`, one digest per index key, so they keep working in the middle of a key rotation.
`ingest` writes the rows with the item, in its transaction; `privacy.rotation` moves them to the newest key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from people.models import Identity, Person, normalise_handle
from privacy.keys import blind_digest, blind_digests
from screening.models import Item, ItemParty, PartyRole
from spaces.identities import identity_space


def split_handles(value: str) -> list[str]:
    return [handle.strip() for handle in (value or "").split(",") if handle.strip()]


def _key(space: str, handle: str) -> str:
    return f"{space}:{normalise_handle(space, handle)}"


def party_digests(space: str, author: str, addressed: str) -> set[tuple[str, str]]:
    """(role, digest) for every handle in an item's author and addressed fields, under the newest index key."""
    found: set[tuple[str, str]] = set()
    for role, value in ((PartyRole.AUTHOR, author), (PartyRole.ADDRESSED, addressed)):
        for handle in split_handles(value):
            if normalise_handle(space, handle):
                found.add((str(role), blind_digest(_key(space, handle))))
    return found


def lookup_digests(space: str, handles: Iterable[str]) -> list[str]:
    """Every digest (one per index key) the given handles may be stored under."""
    digests: list[str] = []
    for handle in handles:
        if normalise_handle(space, handle or ""):
            digests.extend(blind_digests(_key(space, handle)))
    return digests


def own_digests(person: Person) -> list[str]:
    """Every digest a person's identities may be stored under as an item's party."""
    digests: list[str] = []
    for identity in Identity.objects.filter(person=person):
        digests.extend(lookup_digests(identity.space, [identity.handle]))
    return digests


def wanted(item: Any, space: str | None = None) -> set[tuple[str, str]]:
    return party_digests(space if space is not None else identity_space(item.connection), item.author or "", item.addressed or "")


def reindex(items: Sequence[Item], spaces: dict[int, str]) -> int:
    """Bring the party rows of these items to their handles under the newest index key; how many items changed.

    Key rotation uses it (privacy.rotation): without STEWARD_INDEX_KEY the index key follows the encryption key.
    `spaces` caches each connection's identity space.
    """
    have: dict[int, dict[tuple[str, str], int]] = {item.pk: {} for item in items}
    for row_id, item_id, role, digest in ItemParty.objects.filter(item_id__in=list(have)).values_list("id", "item_id", "role", "digest"):
        have[item_id][(role, digest)] = row_id
    stale: list[int] = []
    missing: list[ItemParty] = []
    changed = 0
    for item in items:
        if item.connection_id not in spaces:
            spaces[item.connection_id] = identity_space(item.connection)
        want = wanted(item, spaces[item.connection_id])
        rows = have[item.pk]
        if want == set(rows):
            continue
        changed += 1
        stale.extend(row_id for key, row_id in rows.items() if key not in want)
        missing.extend(ItemParty(item_id=item.pk, role=role, digest=digest) for role, digest in sorted(want - set(rows)))
    if stale:
        ItemParty.objects.filter(pk__in=stale).delete()
    if missing:
        ItemParty.objects.bulk_create(missing, ignore_conflicts=True)
    return changed


def write_parties(item: Item, *, space: str | None = None) -> None:
    """Make the item's party rows match its author and addressed fields (call inside the item's transaction)."""
    want = wanted(item, space)
    have = set(ItemParty.objects.filter(item=item).values_list("role", "digest"))
    stale = have - want
    if stale:
        for role, digest in stale:
            ItemParty.objects.filter(item=item, role=role, digest=digest).delete()
    missing = want - have
    if missing:
        ItemParty.objects.bulk_create(
            [ItemParty(item=item, role=role, digest=digest) for role, digest in sorted(missing)], ignore_conflicts=True
        )
