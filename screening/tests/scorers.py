"""A test double for the screening model: never used by the product (settings name it only in tests).

Words in capitals decide: IDIOT scores trolling-insults 0.9, PHONE private-information 0.8, and a
`FAIL-SCORER` text makes the whole call raise (a model crash mid-run).
"""

import threading
from collections.abc import Sequence

from screening.scoring import Finding, Text

PATH = "screening.tests.scorers.KeywordScorer"


class ScorerCrashed(Exception):
    pass


class KeywordScorer:
    version = "keywords-1"
    calls: list[int] = []  # batch sizes, for the tests

    def score(self, texts: Sequence[Text]) -> list[list[Finding]]:
        KeywordScorer.calls.append(len(texts))
        results: list[list[Finding]] = []
        for text in texts:
            if "FAIL-SCORER" in text.text:
                raise ScorerCrashed
            findings = [
                Finding("trolling-insults", 0.9 if "IDIOT" in text.text else 0.1, 0.5, "hostile wording toward a person"),
                Finding("private-information", 0.8 if "PHONE" in text.text else 0.0, 0.5, "a phone number of someone else"),
            ]
            results.append(findings)
        return results


class KeywordScorerV2(KeywordScorer):
    version = "keywords-2"

    def score(self, texts: Sequence[Text]) -> list[list[Finding]]:
        return [[Finding(f.category, min(1.0, f.score + 0.05), 0.6, f.why + " (v2)") for f in row] for row in super().score(texts)]


class HeldScorer(KeywordScorer):
    """Its first call stops inside the batch's transaction until the test lets it go: a worker caught mid-batch."""

    arrived = threading.Event()
    go = threading.Event()

    def score(self, texts: Sequence[Text]) -> list[list[Finding]]:
        if not HeldScorer.arrived.is_set():
            HeldScorer.arrived.set()
            HeldScorer.go.wait(20)
        return super().score(texts)
