"""Random, pronounceable code names for cases and people, so stewards can talk about them without names."""

import secrets
from collections.abc import Callable, Collection
from typing import Any

from django.db.models import QuerySet

ADJECTIVES = (
    "amber",
    "azure",
    "brisk",
    "calm",
    "cedar",
    "coral",
    "crisp",
    "dusky",
    "ember",
    "fern",
    "gentle",
    "golden",
    "hazel",
    "indigo",
    "ivory",
    "jade",
    "keen",
    "lilac",
    "lucid",
    "maple",
    "misty",
    "noble",
    "ochre",
    "olive",
    "opal",
    "pale",
    "quiet",
    "rapid",
    "russet",
    "sable",
    "silver",
    "slate",
    "steady",
    "sunny",
    "teal",
    "tidal",
    "umber",
    "velvet",
    "vivid",
    "warm",
    "willow",
    "young",
    "zesty",
)
NOUNS = (
    "badger",
    "bison",
    "crane",
    "dolphin",
    "egret",
    "falcon",
    "finch",
    "gecko",
    "heron",
    "ibis",
    "jackal",
    "kestrel",
    "koala",
    "lark",
    "lynx",
    "marten",
    "moose",
    "newt",
    "ocelot",
    "orca",
    "otter",
    "owl",
    "panda",
    "pika",
    "quail",
    "raven",
    "robin",
    "salmon",
    "seal",
    "sparrow",
    "stork",
    "swift",
    "tapir",
    "tern",
    "viper",
    "walrus",
    "wren",
    "yak",
    "zebra",
)


# Tiers of names, shortest first. A name is taken from the lowest tier that still has room, so a small
# community keeps the short names it always had ("amber-otter-42") and a large one never runs out:
#   tier 0: adjective-noun-NN               43 * 39 * 90             =     150,930
#   tier 1: adjective-adjective-noun-NN      43 * 42 * 39 * 90        =   6,339,060
#   tier 2: adjective-adjective-noun-NNNN    43 * 42 * 39 * 9,900     = 697,282,200
# (the two adjectives differ; tier 2's numbers start at 100, so it never repeats a tier-1 name). Every
# tier is words and a number a person can say over the phone. Names given before tiers existed are
# tier-0 names, or tier 0 with a hex suffix: both stay valid, and no name of a later tier can equal one
# of them (a different number of words or digits).
TIERS = 3
CANDIDATES_PER_TIER = 8


def _number(tier: int) -> int:
    return secrets.randbelow(9900) + 100 if tier == 2 else secrets.randbelow(90) + 10


def random_code_name(tier: int = 0) -> str:
    if tier == 0:
        return f"{secrets.choice(ADJECTIVES)}-{secrets.choice(NOUNS)}-{_number(0)}"
    first = secrets.choice(ADJECTIVES)
    second = secrets.choice([adjective for adjective in ADJECTIVES if adjective != first])
    return f"{first}-{second}-{secrets.choice(NOUNS)}-{_number(tier)}"


def tier_size(tier: int) -> int:
    adjectives = len(ADJECTIVES) if tier == 0 else len(ADJECTIVES) * (len(ADJECTIVES) - 1)
    return adjectives * len(NOUNS) * (9900 if tier == 2 else 90)


def taken_among(queryset: QuerySet[Any]) -> Callable[[list[str]], set[str]]:
    """Which of a batch of names rows of `queryset` already have: one query on the unique code_name column."""
    return lambda names: set(queryset.filter(code_name__in=names).values_list("code_name", flat=True))


def unique_code_name(taken_among: Callable[[list[str]], Collection[str]]) -> str:
    """A name nobody has, found with one lookup: `taken_among(names)` answers which of a batch are taken.

    The batch holds a few random names from every tier; the first free one of the lowest tier wins. Even
    with tier 0 all but full this is one query (its candidates are taken, tier 1's are not), where
    asking name by name would take ever more lookups as the space fills.
    """
    for _ in range(10):
        batch = [random_code_name(tier) for tier in range(TIERS) for _ in range(CANDIDATES_PER_TIER)]
        taken = set(taken_among(batch))
        for name in batch:
            if name not in taken:
                return name
    raise RuntimeError("no free code name in ten batches: the name space is full")
