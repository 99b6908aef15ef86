"""Harm aimed at one person in one text: produced only with a measured precision that stewards see, or not at all.

The shipped model is tested as shipped (its files, its manifest, docs/screening.md); the training rule (a
single-text head ships only when its cross-validated precision meets the bar) on a small data set written here.
"""

import csv
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from screening.ingest import take
from screening.model.attacks import meets_bar, precision_cut
from screening.model.benchmark import row_scores
from screening.model.runtime import CONFIG, MANIFEST, SHIPPED_DIR
from screening.model.scorer import DefaultScorer, rescale
from screening.model.training import BAR, TARGET_HEADS, Row, featurise, load_shared, train_target
from screening.models import Flag
from screening.pipeline import score_pending
from screening.scoring import Finding, Text, get_scorer
from screening.tests.flagging import github
from spaces import base

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screening.md"
# Written for this test (none of the training rows): sexual harassment aimed at one person, and a threat.
HARASSING = "hey sweetheart, send me nudes and maybe I will merge your PR, you would look good on your knees under my desk"
PROFANITY_AT_A_THING = "This fucking build system is garbage. What a shitty, broken piece of crap tooling, damn it."
CALM = "Thanks for the report, I can reproduce it on 2.3; the fix is in the next release."


@pytest.fixture(scope="module")
def scorer() -> DefaultScorer:
    return DefaultScorer(SHIPPED_DIR)


def manifest() -> dict[str, Any]:
    return json.loads((SHIPPED_DIR / MANIFEST).read_text())


def heads() -> dict[str, dict[str, Any]]:
    return {head["name"]: head for head in json.loads((SHIPPED_DIR / CONFIG).read_text())["heads"]}


def findings(scorer: DefaultScorer, text: str, kind: str = "issue_comment") -> dict[str, Finding]:
    [found] = scorer.score([Text(text, kind)])
    return {f.category: f for f in found}


@pytest.mark.database_free
def test_harassment_in_one_text_is_flagged_and_says_how_often_such_flags_are_right(scorer: DefaultScorer) -> None:
    figures = manifest()["cross_validation"]["harassment_text"]
    assert figures["shipped"] and meets_bar(figures, BAR)
    for kind in ("issue_comment", "chat", "code_review"):
        harassment = findings(scorer, HARASSING, kind)["harassment"]
        assert harassment.flag, (kind, harassment)
        # The reasons carry the measured precision, with its spread over the folds, as the manifest records it.
        assert f"{figures['precision']:.0%} of such flags were right" in harassment.why
        assert f"{figures['true']} of {figures['flagged']}" in harassment.why
        assert f"folds {figures['fold_precision_min']:.2f}–{figures['fold_precision_max']:.2f}" in harassment.why


@pytest.mark.database_free
def test_profanity_at_a_thing_and_calm_text_are_not_harassment(scorer: DefaultScorer) -> None:
    for text in (PROFANITY_AT_A_THING, CALM):
        found = findings(scorer, text)
        assert not found["harassment"].flag, (text, found["harassment"])
        assert "personal-political-attacks" not in found


@pytest.mark.database_free
def test_personal_attacks_are_not_produced_and_the_manifest_says_why(scorer: DefaultScorer) -> None:
    """Under the bar, the category is never produced: no head, no finding, and the figures are in the manifest."""
    figures = manifest()["cross_validation"]["personal_attacks"]
    assert not figures["shipped"] and not meets_bar(figures, BAR)
    assert all(head["category"] != "personal-political-attacks" for head in heads().values())
    for text in ("You are an idiot and a liar, nobody wants you in this project.", PROFANITY_AT_A_THING, HARASSING):
        assert "personal-political-attacks" not in findings(scorer, text)


@pytest.mark.database_free
def test_the_benchmark_still_scores_each_source_with_its_own_head(scorer: DefaultScorer) -> None:
    """The harassment head predicts a type within the typed sources, not their label: it must not take their rows."""
    rows = [Row(HARASSING, 1, source, "g", "issue_comment") for source in ("vcu_locked_issues", "ferreira_incivility", "github_sexism")]
    model = scorer.model
    probs = model.probabilities([r.text for r in rows], [r.kind for r in rows])
    own = {"vcu_locked_issues": "issue_incivility", "ferreira_incivility": "sentence_incivility", "github_sexism": "sexism"}
    for j, (row, score) in enumerate(zip(rows, row_scores(model, rows), strict=True)):
        i = model.index[own[row.source]]
        assert score == pytest.approx(float(rescale(probs[j : j + 1, i], model.heads[i].threshold)[0]))
    assert heads()["harassment_text"]["sources"] == []


@pytest.mark.database_free
def test_the_docs_show_the_manifest_s_figures_per_fold() -> None:
    docs = DOCS.read_text()
    cv = manifest()["cross_validation"]
    for name in ("harassment_text", "personal_attacks"):
        figures = cv[name]
        row = next((line for line in docs.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, f"docs/screening.md has no row for {name}"
        precision = "—" if figures["precision"] is None else f"{figures['precision']:.2f}"
        assert f"| {figures['true']} of {figures['flagged']} |" in row and f"**{precision}**" in row, row
        for fold in figures["folds"]:
            shown = "—" if fold["precision"] is None else f"{fold['precision']:.2f}"
            assert f"{fold['true']}/{fold['flagged']} ({shown})" in row, (fold, row)
    assert "scripts/train_screening.py" in docs and "scripts/screening_attacks.py" in docs


@pytest.mark.django_db
def test_the_flag_page_shows_the_measured_precision(
    client: Client, monkeypatch: pytest.MonkeyPatch, stewards: Any, login: Any, settings: Any
) -> None:
    settings.STEWARD_SCREENING_SCORER = "screening.model.scorer.DefaultScorer"
    settings.STEWARD_SCREENING_MODEL_DIR = ""
    get_scorer.cache_clear()
    connection = github(monkeypatch)
    item = base.Item(external_id="h1", author=("ivan-gh",), addressed=("rita-gh",), text=HARASSING, kind="issue_comment")
    stored = take(connection, item, schedule=False)
    assert stored is not None
    try:
        score_pending()
    finally:
        get_scorer.cache_clear()
    flag = Flag.objects.get(item=stored, category="harassment")
    figures = manifest()["cross_validation"]["harassment_text"]
    login(stewards["bob"])
    html = client.get(reverse("screening:flag", kwargs={"flag_id": flag.pk})).content.decode()
    assert f"{figures['precision']:.0%} of such flags were right" in html
    assert "threats or sexual harassment aimed at a person" in html


@pytest.mark.database_free
def test_precision_cut_and_the_bar() -> None:
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    assert 0.5 < precision_cut(y, p, 0.7) < 0.6  # three right of four above it
    assert precision_cut(y, p, 0.7, min_hits=4) > 1  # never: nothing is flagged
    good = {"precision": 0.6, "fold_precision_min": 0.45, "folds": [{"flagged": 3}] * 5}
    assert meets_bar(good, BAR)
    assert not meets_bar({**good, "fold_precision_min": 0.2}, BAR)  # one fold far under: not stable
    assert not meets_bar({**good, "folds": [{"flagged": 3}] * 4 + [{"flagged": 0}]}, BAR)  # a fold where it found nothing
    assert not meets_bar({**good, "precision": None}, BAR)


HARASSMENT_HEAD = next(head for head in TARGET_HEADS if head["name"] == "harassment_text")
FIELDS = ["text", "label", "source", "group", "content_type", "category"]
NAMES = ["alex", "sam", "kim", "lee", "pat", "jo", "max", "ray", "ash", "val", "rob", "tia", "noa", "eli", "ida", "gus"]


def write(folder: Path, source: str, rows: list[tuple[str, int, str]]) -> None:
    with (folder / f"{source}.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=FIELDS)
        out.writeheader()
        for n, (text, label, category) in enumerate(rows):
            row = {"text": text, "label": label, "source": source, "group": f"g{n}", "category": category}
            out.writerow({**row, "content_type": "issue_comment"})


def typed_data(folder: Path, *, separable: bool) -> Path:
    folder.mkdir()
    threats = [f"{name}, I know where you live and I will hurt you, watch your back {name}" for name in NAMES * 2]
    bitter = [f"this release is a disaster again, {name} broke the build for the third time" for name in NAMES * 2]
    calm = [f"thanks {name}, the patch for issue {n} looks good to me" for n, name in enumerate(NAMES * 4)]
    if separable:
        vcu = [(t, 1, "Threat") for t in threats] + [(t, 1, "Bitter frustration") for t in bitter]
    else:  # the same wording typed both ways at random: nothing to learn
        rng = np.random.default_rng(0)
        vcu = [(t, 1, "Threat" if rng.random() < 0.5 else "Bitter frustration") for t in threats + bitter]
    write(folder, "vcu_locked_issues", vcu + [(t, 0, "") for t in calm])
    write(folder, "toxicr", [(t, 0, "") for t in calm] + [(f"you idiot {name}", 1, "") for name in NAMES[:10]])
    return folder


def single_text_head(folder: Path) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The harassment head trained as the training script trains it: (figures, shipped head or None)."""
    ds = load_shared(folder)
    feat, counts, _, x_full, groups = featurise(ds)
    fitted = train_target(feat, counts, x_full, groups, ds, HARASSMENT_HEAD, True, lambda _: None)
    assert fitted is not None
    figures, trained = fitted
    return figures, None if trained is None else trained[0]


@pytest.mark.database_free
def test_a_single_text_head_ships_only_when_its_measured_precision_meets_the_bar(tmp_path: Path) -> None:
    figures, head = single_text_head(typed_data(tmp_path / "clean", separable=True))
    assert figures is not None and figures["shipped"] and head is not None and head["category"] == "harassment"
    assert re.search(r"\d+% of such flags were right: \d+ of \d+, folds", head["why"])
    assert f"{figures['precision']:.0%} of such flags were right" in head["why"]
    assert len(figures["folds"]) == 5 and set(figures["by_source"]) == {"vcu_locked_issues", "others' civil rows"}

    # The same wording typed both ways at random: under the bar, so no head and the category is never produced.
    figures, head = single_text_head(typed_data(tmp_path / "noisy", separable=False))
    assert figures is not None and not figures["shipped"] and head is None
