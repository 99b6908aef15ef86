"""Test data for the review tests: a watched GitHub connection, and flags made the pipeline's way.

Items go in through `screening.ingest.take` and are scored by `screening.pipeline.score_pending`, with
`ScriptedScorer` configured as the scorer: a test double for the model that answers with the findings a test
wrote down for a text. It is never used by the product: the `scripted` fixture sets it for one test
(mark a test module with usefixtures("scripted")).
"""

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import pytest

from screening.ingest import take
from screening.models import Flag, Item
from screening.pipeline import score_pending
from screening.scoring import Finding, Text, get_scorer
from spaces import base
from spaces.models import SpaceConnection
from spaces.testing import make_connection

SECRET_TEXT = "you utter SECRET-TEXT clown"


class ScriptedScorer:
    """Test double: the findings for each text are whatever the test put in `script`."""

    version = "scripted-1"
    script: ClassVar[dict[str, list[Finding]]] = {}

    def score(self, texts: Sequence[Text]) -> list[list[Finding]]:
        return [list(self.script.get(text.text, [])) for text in texts]


@pytest.fixture
def scripted(settings: Any) -> Iterator[None]:
    settings.STEWARD_SCREENING_SCORER = "screening.tests.flagging.ScriptedScorer"
    get_scorer.cache_clear()
    ScriptedScorer.script.clear()
    yield
    ScriptedScorer.script.clear()
    get_scorer.cache_clear()


def github(monkeypatch: pytest.MonkeyPatch) -> SpaceConnection:
    return make_connection(monkeypatch, "github", slug="acme-gh", title="Acme GitHub", settings={"org": "acme"}, secrets={"token": "t"})


def flag(
    connection: SpaceConnection,
    ident: str = "1",
    *,
    category: str = "trolling-insults",
    score: float = 0.9,
    author: str = "ivan-gh",
    addressed: str = "rita-gh",
    text: str = "",
    **fields: Any,
) -> Flag:
    """One item taken and scored into one flag; `fields` are then set on the flag (a status, the newcomer mark)."""
    text = text or f"{SECRET_TEXT} #{ident}"
    ScriptedScorer.script[text] = [Finding(category, score, 0.5, "hostile wording toward a person")]
    delivered = base.Item(
        external_id=ident,
        author=tuple(handle.strip() for handle in author.split(",")),
        addressed=tuple(handle.strip() for handle in addressed.split(",")),
        text=text,
        url=f"https://github.com/acme/app/pull/1#discussion_r{ident}",
        thread="acme/app#1",
        kind="review_comment",
    )
    stored = take(connection, delivered, schedule=False)
    assert stored is not None
    Item.objects.filter(pk=stored.pk).update(context="Fix the parser")
    score_pending()
    made = Flag.objects.get(item=stored, category=category, pattern=False)  # the scorer's flag, not a pattern's beside it
    if fields:
        Flag.objects.filter(pk=made.pk).update(**fields)
        made.refresh_from_db()
    return made
