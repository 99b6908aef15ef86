"""Scoring stored items and raising flags for the stewards' review queue.

`score_pending` takes unscored items in batches, each batch one transaction: the scorer's findings, the
flags and the items' `scored_at` commit together, so a crash repeats at most the batch it was in, and a
second run finds nothing to do. A re-score (a new scorer version, an edited text) updates a flag's score,
threshold and reasons but never its review. A finding is judged against the community's cut for its category
and the item's kind when one is set (screening.thresholds), and the flag keeps that cut as its threshold.
Priority puts the worst first: the score, weighted by the
category's harm, and raised when the person addressed is a newcomer (nothing, or only one item, of theirs
in that connection so far).

Harassment is a pattern more than a text: after a batch's flags are raised, "sustained targeting" counts, for
each item that got a hostile flag, the items by the same author (the same person, or a shared author handle)
addressed to the same person (a shared addressed handle) within HARASSMENT_WINDOW before it that carry a text flag
not dismissed. From HARASSMENT_MIN_ITEMS on, that item gets a pattern flag (`Flag.pattern`) under `harassment`;
the later flagged items of that author to that person within the window are counted again, since an item can
arrive or be edited late. The match runs in the database on the blind index of the items' handles
(screening.models.ItemParty), in the batch's transaction.

A text flag of any category counts, the single-text harassment head's included (a threat is the strongest
evidence of a pattern); a pattern flag never does, so a pattern cannot feed itself. A text and a pattern flag of
`harassment` on one item are two flags, each with its own score, reasons and review: neither overwrites the other.
"""

from __future__ import annotations

import logging
import operator
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import reduce
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from screening.models import Flag, FlagStatus, Item, ItemParty, PartyRole
from screening.parties import lookup_digests, split_handles
from screening.scoring import Finding, Scorer, Text, get_scorer
from screening.thresholds import community_cuts, with_cut
from spaces.identities import identities_known_as, identity_space
from spaces.models import SpaceConnection

logger = logging.getLogger("steward.screening")

BATCH_SIZE = 100
BATCH_LIMIT = 1000
# How much harm each category does to a person: the review queue is ordered by score x weight.
HARM_WEIGHT = {
    "private-information": 3.0,
    "harassment": 3.0,
    "sexualized-language": 2.0,
    "personal-political-attacks": 2.0,
    "trolling-insults": 1.5,
    "inappropriate-conduct": 1.0,
}
DEFAULT_WEIGHT = 1.0
NEWCOMER_BOOST = 1.5
NEWCOMER_MAX_ITEMS = 1  # the addressed person's items in the connection: their first (or none yet)
HARASSMENT = "harassment"
# Categories whose text flag on an item does not start the sustained-targeting count (a leak is not hostile
# wording; it still counts toward a pattern that a hostile message starts).
NOT_HOSTILE = frozenset({"private-information"})
HARASSMENT_WINDOW = timedelta(days=14)
HARASSMENT_MIN_ITEMS = 3
HARASSMENT_THRESHOLD = 0.5


def priority(score: float, category: str, newcomer: bool) -> float:
    return round(score * HARM_WEIGHT.get(category, DEFAULT_WEIGHT) * (NEWCOMER_BOOST if newcomer else 1.0), 6)


def handles(value: str) -> tuple[str, ...]:
    return tuple(handle.strip().casefold() for handle in value.split(",") if handle.strip())


class Newcomers:
    """Whether an item addresses a newcomer. Asked only for flagged items; counts are made once per connection."""

    def __init__(self) -> None:
        self.counts: dict[int, Counter[str]] = {}
        self.persons: dict[int, Counter[int]] = {}

    def _handle_counts(self, connection_id: int) -> Counter[str]:
        if connection_id not in self.counts:
            counts: Counter[str] = Counter()
            for author in Item.objects.filter(connection_id=connection_id).values_list("author", flat=True).iterator():
                counts.update(set(handles(author or "")))
            self.counts[connection_id] = counts
        return self.counts[connection_id]

    def _person_counts(self, connection_id: int) -> Counter[int]:
        if connection_id not in self.persons:
            rows = Item.objects.filter(connection_id=connection_id, author_person__isnull=False).values_list("author_person_id", flat=True)
            self.persons[connection_id] = Counter(rows)
        return self.persons[connection_id]

    def addressed(self, item: Item) -> bool:
        to = handles(item.addressed or "")
        if not to:
            return False
        connection: SpaceConnection = item.connection
        people: set[int] = set(identities_known_as(identity_space(connection), to).values_list("person_id", flat=True))
        people.discard(item.author_person_id or 0)
        if any(self._person_counts(connection.pk)[person] <= NEWCOMER_MAX_ITEMS for person in people):
            return True
        counts = self._handle_counts(connection.pk)
        mine = set(handles(item.author or ""))
        return any(counts[handle] <= NEWCOMER_MAX_ITEMS for handle in to if handle not in mine) and not people


def unscored() -> QuerySet[Item]:
    return Item.objects.filter(scored_at__isnull=True, connection__watch=True)


def more_than_a_batch_waiting(batch_size: int = BATCH_SIZE) -> bool:
    """Whether a second worker would find work of its own (a backfill, a busy space): one indexed probe, no count."""
    return unscored().order_by("id").values_list("pk", flat=True)[batch_size : batch_size + 1].exists()


def score_pending(limit: int = BATCH_LIMIT, *, batch_size: int = BATCH_SIZE) -> int:
    """Score up to `limit` unscored items; return how many were scored."""
    scorer = get_scorer()
    newcomers = Newcomers()
    done = 0
    while done < limit:
        scored = _score_batch(scorer, min(batch_size, limit - done), newcomers)
        if not scored:
            break
        done += scored
    if done:
        logger.info("screening scored: items=%d scorer=%s", done, scorer.version)
    return done


def _score_batch(scorer: Scorer, size: int, newcomers: Newcomers) -> int:
    with transaction.atomic():
        items = list(
            unscored()
            # Only the items' rows: locking the joined connection row too would make every other worker skip
            # every item of that space (SKIP LOCKED), and the work would not spread.
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("connection")
            .order_by("id")[:size]
        )
        if not items:
            return 0
        texts = [Text(text=item.text, kind=item.kind, author=handles(item.author or ""), context=item.context or "") for item in items]
        results: Sequence[Sequence[Finding]] = scorer.score(texts)
        if len(results) != len(items):
            raise RuntimeError(f"The scorer answered {len(results)} results for {len(items)} texts.")
        now = timezone.now()
        # The community's cut per category and kind (screening.thresholds), read in the batch's transaction.
        cuts = community_cuts()
        hostile: list[tuple[Item, bool]] = []
        for item, findings in zip(items, results, strict=True):
            flagged = [judged for finding in findings if (judged := with_cut(finding, item.kind, cuts)).flag]
            newcomer = newcomers.addressed(item) if flagged else False
            raised = [_raise_flag(item, finding, newcomer) for finding in flagged]
            # A hostile flag still standing (a re-score keeps a dismissal) may be part of a pattern.
            if any(flag.category not in NOT_HOSTILE and flag.status != FlagStatus.DISMISSED for flag in raised):
                hostile.append((item, newcomer))
        for item, newcomer in hostile:
            sustained_targeting(item, newcomer)
        batch = [item.pk for item in items]
        for item, _ in hostile:
            for later in later_in_pattern(item, besides=batch):
                sustained_targeting(later, newcomers.addressed(later))
        Item.objects.filter(pk__in=batch).update(scored_at=now, scorer_version=scorer.version[:64])
    return len(items)


def _raise_flag(item: Item, finding: Finding, newcomer: bool, *, pattern: bool = False) -> Flag:
    """Raise the item's flag for the finding's category and origin (a text head's, or the pattern's), or update it."""
    values = {
        "score": finding.score,
        "threshold": finding.threshold,
        "why": finding.why,
        "priority": priority(finding.score, finding.category, newcomer),
        "newcomer_target": newcomer,
    }
    flag = Flag.objects.filter(item=item, category=finding.category, pattern=pattern).first()
    if flag is None:
        return Flag.objects.create(item=item, category=finding.category[:50], pattern=pattern, **values)
    for name, value in values.items():  # the review (status, label, case, action) stays as the steward left it
        setattr(flag, name, value)
    flag.save(update_fields=list(values))
    return flag


def _same_pair(item: Item) -> QuerySet[Any] | None:  # Any: the stubs do not follow the annotation
    """Items (with their time as `at`) by this item's author to a person it addresses that carry a flag that counts:
    a text flag of any category (the harassment head's too), unless a steward dismissed it; never a pattern flag.
    None when the item names no author or no one."""
    space = identity_space(item.connection)
    to = lookup_digests(space, split_handles(item.addressed or ""))
    if not to:
        return None
    by = lookup_digests(space, split_handles(item.author or ""))
    same_author: list[Q] = []
    if by:
        same_author.append(Q(Exists(ItemParty.objects.filter(item_id=OuterRef("pk"), role=PartyRole.AUTHOR, digest__in=by))))
    if item.author_person_id is not None:
        same_author.append(Q(author_person_id=item.author_person_id))
    if not same_author:
        return None
    return (
        Item.objects.annotate(at=Coalesce("created_at", "received_at"))
        .filter(reduce(operator.or_, same_author))
        .filter(Exists(ItemParty.objects.filter(item_id=OuterRef("pk"), role=PartyRole.ADDRESSED, digest__in=to)))
        .filter(Exists(Flag.objects.filter(item_id=OuterRef("pk"), pattern=False).exclude(status=FlagStatus.DISMISSED)))
    )


def targeting_count(item: Item) -> int:
    """Items (this one included) by this item's author to a person it addresses, in the window before it, flagged.

    A text flag counts unless a steward dismissed it; pattern flags do not count (they are the result).
    """
    pair = _same_pair(item)
    if pair is None:
        return 0
    at = item.created_at or item.received_at
    # Up to this item: one batch raises it once, on the last.
    return pair.filter(at__gt=at - HARASSMENT_WINDOW).filter(Q(at__lt=at) | Q(at=at, pk__lte=item.pk)).count()


def later_in_pattern(item: Item, *, besides: Iterable[int] = ()) -> list[Item]:
    """Flagged items after this one (within the window) by its author to a person it addresses: an item scored late
    (an edit, a slow read) can complete a pattern whose later messages were scored before it."""
    pair = _same_pair(item)
    if pair is None:
        return []
    at = item.created_at or item.received_at
    later = pair.filter(at__lt=at + HARASSMENT_WINDOW).filter(Q(at__gt=at) | Q(at=at, pk__gt=item.pk)).exclude(pk__in=list(besides))
    return list(later.select_related("connection").order_by("at", "pk"))


def sustained_targeting(item: Item, newcomer: bool) -> Flag | None:
    """Raise (or update) the harassment pattern flag on `item` when its author keeps targeting the same person.

    A text flag of harassment on the item (the single-text head's) stays beside it as it is: its own score, reasons
    and review. The pattern never lowers, replaces or hides it; a steward sees both, each on its own flag.
    """
    count = targeting_count(item)
    if count < HARASSMENT_MIN_ITEMS:
        return None
    score = round(min(1.0, 0.5 + 0.1 * (count - HARASSMENT_MIN_ITEMS)), 6)
    days = HARASSMENT_WINDOW.days
    # The data migration screening 0008 recognises the flags raised before `Flag.pattern` by this wording.
    why = f"{count} flagged messages from this author to the same person within {days} days"
    return _raise_flag(item, Finding(HARASSMENT, score, HARASSMENT_THRESHOLD, why), newcomer, pattern=True)
