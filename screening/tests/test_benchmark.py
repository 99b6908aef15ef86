"""The benchmark command on a small synthetic CSV written here (no shared rows)."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from screening.model.benchmark import precision_at, quality

pytestmark = pytest.mark.database_free

POLITE = ["Thanks, this looks good to me.", "Could you add a test for this case?", "Nice catch, merged.", "Please rebase on main."]
RUDE = ["You are an idiot and this code is garbage.", "Shut up, nobody asked for your stupid opinion.", "What a moronic patch, you clown."]


def write_csv(path: Path) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label", "source", "group", "content_type", "category"])
        for i, t in enumerate(POLITE * 3):
            w.writerow([t, 0, "toy_reviews" if i % 2 else "toxicr", f"g{i}", "code_review", ""])
        for i, t in enumerate(RUDE * 3):
            w.writerow([t, 1, "toy_reviews" if i % 2 else "toxicr", f"r{i}", "code_review", ""])


def test_separable_scores_give_perfect_figures() -> None:
    y = np.array([0, 0, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
    q = quality(y, s, boot=50)
    assert q["f1"] == q["precision"] == q["recall"] == 1.0
    assert q["pr_auc"] == q["roc_auc"] == 1.0
    assert q["f1_ci95"] == [1.0, 1.0]
    assert precision_at(y, s, 0.05) == 1.0


def test_json_report_shape(tmp_path: Path, capsys) -> None:
    data = tmp_path / "toy.csv"
    write_csv(data)
    call_command("screening_benchmark", str(data), "--json", "--no-speed", "--bootstrap", "50")
    report = json.loads(capsys.readouterr().out)
    assert set(report["sources"]) == {"toxicr", "toy_reviews"}
    for q in [*report["sources"].values(), report["overall"]]:
        assert 0 <= q["precision"] <= 1 and 0 <= q["recall"] <= 1 and 0 <= q["f1"] <= 1
        assert q["f1_ci95"][0] <= q["f1"] + 1e-9 and q["f1_ci95"][1] >= q["f1"] - 1e-9
        assert 0 <= q["precision_top_1pct"] <= 1
    assert report["overall"]["n"] == 21
    assert report["overall"]["roc_auc"] > 0.8  # plain insults against plain politeness
    assert 0 < report["model_size_mb"] < 50


def test_speed_and_text_report(tmp_path: Path, capsys) -> None:
    data = tmp_path / "toy.csv"
    write_csv(data)
    call_command("screening_benchmark", str(data), "--bootstrap", "20")
    out = capsys.readouterr().out
    for words in ("overall", "texts/s", "cold start", "peak memory", "model size"):
        assert words in out
