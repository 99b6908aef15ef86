"""The scorer interface: what screening asks of a model, whichever backend settings choose.

`settings.STEWARD_SCREENING_SCORER` names a class (default: the model shipped in this package, trained on
the shared labelled data, see docs/screening.md). A scorer runs entirely on this machine: nothing in
screening sends text anywhere.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

# What kind of text an item is: the models differ by it (code review is not chat).
KINDS = ("code_review", "issue_comment", "discussion", "commit_message", "chat", "forum_post", "email")


@dataclass(frozen=True)
class Text:
    text: str
    kind: str = "issue_comment"  # one of KINDS
    author: tuple[str, ...] = ()  # the author's handles: their own e-mail in a signature is not a leak
    context: str = ""  # the text it replies to, the thread title: may explain a quote


@dataclass(frozen=True)
class Finding:
    """One category a text scored on. `flag` says whether it reached the category's threshold."""

    category: str  # a policy category code, e.g. "trolling-insults", "private-information"
    score: float  # 0..1, comparable within a category
    threshold: float
    why: str  # plain words for the steward: "hostile wording toward a person", "a phone number of someone else"

    @property
    def flag(self) -> bool:
        return self.score >= self.threshold


class Scorer(Protocol):
    version: str  # changes whenever the model or its thresholds change; stored with each score

    def score(self, texts: Sequence[Text]) -> list[list[Finding]]:
        """For each text, its findings (at least every category that reached its threshold)."""
        ...


@cache
def get_scorer() -> Scorer:
    """The configured scorer, made once per process (the model loads lazily, on first use)."""
    cls = import_string(settings.STEWARD_SCREENING_SCORER)
    scorer: Scorer = cls()
    return scorer
