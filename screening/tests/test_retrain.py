"""`retrain_screening` end to end: reviewed flags become training rows, the new model directory is used and scores.

The training set is a tiny one written here (the shared schema, our own sentences), so the test runs in seconds.
"""

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from screening.model.runtime import SHIPPED_DIR
from screening.model.scorer import DefaultScorer
from screening.models import Flag, FlagStatus
from screening.scoring import Text, get_scorer
from screening.tests.flagging import flag, github, scripted  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted")]

FIELDS = ["text", "label", "source", "group", "content_type", "category"]
HOSTILE = [
    "this is garbage code, are you an idiot",
    "what a stupid useless patch, learn to code",
    "only a moron would write this crap",
    "you clearly have no clue, stop wasting our time",
    "pathetic, this is the dumbest change I have seen",
    "are you stupid? this crap breaks everything",
]
CALM = [
    "please add a test for the empty list case",
    "nit: rename this variable to something clearer",
    "looks good to me, thanks for the fix",
    "could we move this helper into utils?",
    "this loop can be replaced by a comprehension",
    "the docstring should mention the return value",
    "thanks, merged after the CI run",
    "maybe log the error before retrying",
    "can you rebase on main please",
    "I think this needs a changelog entry",
    "good catch, the index was off by one",
    "let us discuss the API in the issue first",
]
SEXIST = [
    "girls cannot write real code, go back to the kitchen",
    "she only got commit rights because she is pretty",
    "women should stick to documentation, leave the kernel to men",
    "nice legs, shame about the pull request sweetheart",
    "typical woman, too emotional to review code",
    "lol a female maintainer, this project is doomed",
]


def write(path: Path, source: str, content_type: str, positives: list[str], negatives: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for n, (text, label) in enumerate([(t, 1) for t in positives] + [(t, 0) for t in negatives]):
            writer.writerow(
                {"text": text, "label": label, "source": source, "group": f"g{n}", "content_type": content_type, "category": ""}
            )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    write(folder / "toxicr.csv", "toxicr", "code_review", HOSTILE, CALM)
    write(folder / "vcu_locked_issues.csv", "vcu_locked_issues", "issue_comment", HOSTILE, CALM)
    write(folder / "github_sexism.csv", "github_sexism", "issue_comment", SEXIST, CALM)
    return folder


def test_retraining_uses_steward_labels_and_the_new_model_is_loaded(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    connection = github(monkeypatch)
    flag(connection, "1", text="your patch is rubbish and so are you", status=FlagStatus.ACTED, label=True)
    flag(connection, "2", text="nobody wants your rubbish here", status=FlagStatus.CASE_OPENED, label=True)
    flag(connection, "3", text="this rubbish cache needs a rewrite", status=FlagStatus.DISMISSED, label=False)
    flag(connection, "4", text="a remark about her looks", category="sexualized-language", status=FlagStatus.ACTED, label=True)
    flag(connection, "5", text="not reviewed yet")  # open: no label, not a training row

    out = tmp_path / "model"
    stdout = io.StringIO()
    call_command("retrain_screening", "--data", str(data), "--out", str(out), stdout=stdout)
    assert "54 shared rows, 4 steward labels" in stdout.getvalue()
    # The encoder stage is not retrained (that needs torch): the shipped one goes with the new heads.
    assert "the shipped encoder stage is kept with it" in stdout.getvalue()
    assert (out / "encoder" / "model.onnx").read_bytes() == (SHIPPED_DIR / "encoder" / "model.onnx").read_bytes()

    manifest = json.loads((out / "MANIFEST.json").read_text())
    assert (manifest["rows"], manifest["community_rows"]) == (58, 4)
    assert set(manifest["data_files_sha256"]) == {"toxicr.csv", "vcu_locked_issues.csv", "github_sexism.csv"}
    heads = {head["name"]: head for head in json.loads((out / "config.json").read_text())["heads"]}
    # Code-review labels join the code-review head of their category; the sexism head gets the one of its category.
    assert set(heads) == {"review_toxicity", "issue_incivility", "sexism"}
    assert (heads["review_toxicity"]["rows"], heads["review_toxicity"]["community_rows"]) == (21, 3)
    # Its auxiliary rows (the sexism set, with their labels) are not the community's.
    assert (heads["issue_incivility"]["community_rows"], heads["issue_incivility"]["auxiliary_rows"]) == (0, 18)
    assert (heads["sexism"]["community_rows"], heads["sexism"]["auxiliary_rows"]) == (1, 18)  # VCU rows as negatives

    settings.STEWARD_SCREENING_SCORER = "screening.model.scorer.DefaultScorer"
    settings.STEWARD_SCREENING_MODEL_DIR = str(out)
    monkeypatch.setattr(DefaultScorer, "_model", None)  # the class-level cache; restored after the test
    get_scorer.cache_clear()
    scorer = get_scorer()
    assert isinstance(scorer, DefaultScorer)
    assert scorer.version.startswith(manifest["version"])
    assert scorer.model.encoder is not None and scorer.model.encoder.directory == out / "encoder"
    rude, calm = scorer.score(
        [
            Text("are you stupid? this crap breaks everything", "code_review"),
            Text("please add a test for the empty list case", "code_review"),
        ]
    )
    insult = {finding.category: finding.score for finding in rude}
    ordinary = {finding.category: finding.score for finding in calm}
    assert insult["trolling-insults"] > 0.5 > ordinary["trolling-insults"]
    get_scorer.cache_clear()


ATTACKS = [
    f"{who} is a liar and a fraud, {why}"
    for who, why in [
        ("you", "everyone knows it"),
        ("he", "nobody should trust him"),
        ("she", "always has been"),
        ("this maintainer", "a disgrace to the project"),
        ("you people", "no integrity at all"),
        ("that clown", "and a coward too"),
        ("you", "a shameless hypocrite"),
        ("our so-called lead", "a pathetic fraud"),
        ("their reviewer", "a lying hypocrite"),
        ("you", "a coward hiding behind rules"),
        ("he", "a dishonest crook"),
        ("this person", "a fraud and a bigot"),
        ("you", "a disgrace and a liar"),
        ("that guy", "a lying coward"),
        ("she", "a fraud who should resign"),
        ("you", "a hypocrite and a bully"),
        ("the committee", "liars and frauds all"),
        ("you", "a liar, resign now"),
        ("him", "a fraud, kick him out"),
        ("you", "a bigot and a fraud"),
    ]
]


def test_stewards_filing_under_an_uncovered_category_grow_a_head_for_it(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    connection = github(monkeypatch)
    for n, text in enumerate(ATTACKS):
        filed = flag(connection, f"a{n}", text=text, status=FlagStatus.CASE_OPENED, label=True)
        filed.label_category = "personal-political-attacks"  # filed by the steward under another category
        filed.save(update_fields=["label_category"])
    for n, text in enumerate(CALM + [f"{text}, thanks" for text in CALM]):
        flag(connection, f"c{n}", text=text, status=FlagStatus.DISMISSED, label=False)
    # A harassment flag from the sustained-targeting pattern judges a series of messages, not its text: not a row.
    # (ivan's attacks on rita before it make one; confirmed here, it would be a harassment row if it were taken.)
    pattern = Flag.objects.filter(item=flag(connection, "h", text="see you at the meeting").item, category="harassment", pattern=True)
    assert pattern.update(status=FlagStatus.ACTED, label=True) == 1

    out = tmp_path / "model"
    call_command("retrain_screening", "--data", str(data), "--out", str(out), stdout=io.StringIO())
    heads = {head["name"]: head for head in json.loads((out / "config.json").read_text())["heads"]}
    learned = heads["community_personal-political-attacks"]
    assert learned["category"] == "personal-political-attacks"
    assert learned["rows"] == len(ATTACKS) + 2 * len(CALM) and learned["community_rows"] == learned["rows"]
    assert "community_harassment" not in heads

    scorer = DefaultScorer(out)
    attack, calm = scorer.score([Text("you are a liar and a fraud"), Text("could we move this helper into utils?")])
    assert {f.category: f for f in attack}["personal-political-attacks"].flag
    assert not {f.category: f for f in calm}["personal-political-attacks"].flag


def test_too_few_filed_examples_grow_no_head(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = github(monkeypatch)
    for n, text in enumerate(ATTACKS[:5]):
        filed = flag(connection, f"a{n}", text=text, status=FlagStatus.CASE_OPENED, label=True)
        filed.label_category = "personal-political-attacks"
        filed.save(update_fields=["label_category"])
    out = tmp_path / "model"
    call_command("retrain_screening", "--data", str(data), "--out", str(out), stdout=io.StringIO())
    heads = {head["name"] for head in json.loads((out / "config.json").read_text())["heads"]}
    assert heads == {"review_toxicity", "issue_incivility", "sexism"}
