"""Random, pronounceable code names for cases and people, so stewards can talk about them without names."""

import secrets
from collections.abc import Callable

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


def random_code_name() -> str:
    return f"{secrets.choice(ADJECTIVES)}-{secrets.choice(NOUNS)}-{secrets.randbelow(90) + 10}"


def unique_code_name(taken: Callable[[str], bool]) -> str:
    for _ in range(50):
        name = random_code_name()
        if not taken(name):
            return name
    # 44 * 45 * 90 names; fall back to a longer suffix if that space is ever crowded.
    return f"{random_code_name()}-{secrets.token_hex(2)}"
