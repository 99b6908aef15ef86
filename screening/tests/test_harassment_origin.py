"""Harassment from one text and harassment as a pattern: two origins under one category, kept apart on the flag.

The single-text harassment head (screening/model/training.py `harassment_text`) and the sustained-targeting count
(screening.pipeline) both raise `harassment`. A text flag is evidence toward a pattern and a label for retraining; a
pattern flag is neither: it judges several messages, so it never feeds another pattern and is never a text label.
"""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from screening.ingest import take
from screening.management.commands.retrain_screening import steward_labels
from screening.models import Flag, FlagStatus, Item
from screening.pipeline import HARASSMENT, score_pending
from screening.scoring import Finding
from screening.tests.flagging import ScriptedScorer, scripted  # noqa: F401 (the fixture)
from screening.tests.test_retrain import CALM, HOSTILE, write
from spaces.base import Item as SpaceItem
from spaces.models import SpaceConnection

T = datetime(2026, 3, 1, tzinfo=UTC)
THREAT = "the single-text head: threats or sexual harassment aimed at a person"
INSULT = "hostile wording toward a person"


@pytest.fixture
def github(db: Any) -> SpaceConnection:
    return SpaceConnection.objects.create(slug="gh", platform="github", title="GitHub", settings={})


def message(connection: SpaceConnection, ident: str, category: str, at: datetime, score: float = 0.9) -> Item:
    """A message from ivan to rita that the scorer flags under `category` only."""
    text = f"MESSAGE-{ident}"
    ScriptedScorer.script[text] = [Finding(category, score, 0.5, THREAT if category == HARASSMENT else INSULT)]
    item = take(connection, SpaceItem(external_id=ident, author=("ivan",), text=text, created_at=at, addressed=("rita",)), schedule=False)
    assert item is not None
    score_pending()
    return item


def harassment_flags(item: Item) -> dict[bool, Flag]:
    """The item's harassment flags by origin: True for the pattern's, False for the text head's."""
    return {flag.pattern: flag for flag in Flag.objects.filter(item=item, category=HARASSMENT)}


@pytest.mark.django_db
@pytest.mark.usefixtures("scripted")
def test_a_message_flagged_only_by_the_harassment_head_completes_the_pattern_and_both_flags_stand(
    github: SpaceConnection, client: Client, stewards: Any, login: Any
) -> None:
    message(github, "1", "trolling-insults", T)
    message(github, "2", "trolling-insults", T + timedelta(days=1))
    threat = message(github, "3", HARASSMENT, T + timedelta(days=2), score=0.93)
    flags = harassment_flags(threat)
    assert set(flags) == {False, True}, "the threat completes the pattern: its own flag and the pattern's"
    text, pattern = flags[False], flags[True]
    # The pattern never lowers or replaces the text head's finding: each flag keeps its own score and reasons.
    assert (text.score, text.why) == (0.93, THREAT)
    assert (pattern.score, pattern.why) == (0.5, "3 flagged messages from this author to the same person within 14 days")

    # A re-score (a new scorer version) updates each in place: still two, neither overwritten by the other.
    Item.objects.update(scored_at=None)
    score_pending()
    again = harassment_flags(threat)
    assert {origin: (flag.pk, flag.score, flag.why) for origin, flag in again.items()} == {
        False: (text.pk, 0.93, THREAT),
        True: (pattern.pk, 0.5, pattern.why),
    }

    # A steward sees both reasons, whichever of the two flags they open, and the queue says which is the pattern.
    login(stewards["bob"])
    for flag in (text, pattern):
        page = client.get(reverse("screening:flag", kwargs={"flag_id": flag.pk})).content.decode()
        assert THREAT in page and pattern.why in page
    queue = client.get(reverse("screening:queue"), {"category": HARASSMENT}).content.decode()
    assert queue.count("pattern across messages") == 1 and THREAT in queue


@pytest.mark.django_db
@pytest.mark.usefixtures("scripted")
def test_a_pattern_flag_never_counts_toward_another_pattern(github: SpaceConnection) -> None:
    message(github, "1", "trolling-insults", T)
    message(github, "2", "trolling-insults", T + timedelta(days=1))
    third = message(github, "3", "trolling-insults", T + timedelta(days=2))
    assert set(harassment_flags(third)) == {True}
    # A steward finds the third message itself no insult: what stands on it is the pattern flag alone.
    Flag.objects.filter(item=third, pattern=False).update(status=FlagStatus.DISMISSED, label=False)
    fourth = message(github, "4", HARASSMENT, T + timedelta(days=3))
    # Counted: the first two and the threat. Not the third: its only standing flag is a pattern's (0.6 if it counted).
    assert harassment_flags(fourth)[True].score == 0.5
    assert harassment_flags(fourth)[True].why.startswith("3 flagged messages")


@pytest.mark.django_db
@pytest.mark.usefixtures("scripted")
def test_stewards_labels_of_text_head_harassment_flags_are_training_rows_and_pattern_flags_are_not(github: SpaceConnection) -> None:
    message(github, "1", "trolling-insults", T)
    message(github, "2", "trolling-insults", T + timedelta(days=1))
    threat = message(github, "3", HARASSMENT, T + timedelta(days=2))
    banter = message(github, "4", HARASSMENT, T + timedelta(days=20))  # the head was wrong: a joke among friends
    flags = harassment_flags(threat)
    Flag.objects.filter(pk=flags[False].pk).update(status=FlagStatus.CASE_OPENED, label=True)
    # The pattern flag confirmed, and filed under another category: still a verdict on a series, not on this text.
    Flag.objects.filter(pk=flags[True].pk).update(status=FlagStatus.ACTED, label=True, label_category="trolling-insults")
    Flag.objects.filter(item=banter).update(status=FlagStatus.DISMISSED, label=False)
    assert sorted(steward_labels()) == [
        ("MESSAGE-3", "issue_comment", HARASSMENT, True),
        ("MESSAGE-4", "issue_comment", HARASSMENT, False),
    ]


# A tiny shared data set (test_retrain's), with the sexism set's rows typed as it types them: enough harassment for
# the single-text head to be trained.
TARGETS = ["you", "she", "that reviewer", "the new maintainer", "our intern", "he", "the author", "her"]
THREATS = ("had better watch out, I know where they live", "nice body, send me pics", "will regret this, I will hurt them")
HARASSING = [f"{who} {what}" for who in TARGETS for what in THREATS]
CIVIL = [
    f"{who} {what}"
    for who in TARGETS
    for what in ("fixed the flaky test in the parser", "should add a changelog entry", "asked a good question about the API")
]


def shared_data(folder: Path) -> Path:
    folder.mkdir()
    write(folder / "toxicr.csv", "toxicr", "code_review", HOSTILE, CALM)
    write(folder / "vcu_locked_issues.csv", "vcu_locked_issues", "issue_comment", HOSTILE, CALM)
    with (folder / "github_sexism.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "label", "source", "group", "content_type", "category"])
        writer.writeheader()
        rows = [(text, 1, "Harassment") for text in HARASSING] + [(text, 0, "") for text in CIVIL]
        for n, (text, label, category) in enumerate(rows):
            common = {"source": "github_sexism", "group": f"g{n}", "content_type": "issue_comment"}
            writer.writerow({"text": text, "label": label, "category": category, **common})
    return folder


@pytest.mark.django_db
@pytest.mark.usefixtures("scripted")
def test_retraining_feeds_the_text_labels_to_the_harassment_head(github: SpaceConnection, tmp_path: Path) -> None:
    message(github, "1", "trolling-insults", T)
    message(github, "2", "trolling-insults", T + timedelta(days=1))
    threat = message(github, "3", HARASSMENT, T + timedelta(days=2))
    Flag.objects.filter(item=threat, pattern=False).update(status=FlagStatus.CASE_OPENED, label=True)
    Flag.objects.filter(item=threat, pattern=True).update(status=FlagStatus.ACTED, label=True)
    out = tmp_path / "model"
    stdout = io.StringIO()
    call_command("retrain_screening", "--data", str(shared_data(tmp_path / "data")), "--out", str(out), stdout=stdout)
    shared = 2 * (len(HOSTILE) + len(CALM)) + len(HARASSING) + len(CIVIL)
    assert f"{shared} shared rows, 1 steward labels" in stdout.getvalue()
    heads = {head["name"]: head for head in json.loads((out / "config.json").read_text())["heads"]}
    # The steward's verdict on the threat is a row of the harassment head; the pattern flag's (also confirmed) is not.
    assert "harassment_text" in heads, stdout.getvalue()  # shipped on the shipped model's figures, at its own cut
    assert heads["harassment_text"]["community_rows"] == 1
