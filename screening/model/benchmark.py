"""The figures SCREENING.md asks for: quality per source and overall, speed, cold start, size and memory."""

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score, roc_auc_score

from screening.scoring import Text

from .runtime import ScreeningModel
from .scorer import CATEGORY_THRESHOLD, DefaultScorer, rescale
from .training import Row

ROOT = Path(__file__).resolve().parents[2]


def precision_at(y: np.ndarray, s: np.ndarray, fraction: float) -> float:
    """Precision among the top `fraction` of scores: what a steward's review queue shows first."""
    k = max(1, round(len(s) * fraction))
    top = np.argsort(-s, kind="stable")[:k]
    return float(y[top].mean())


def quality(y: np.ndarray, s: np.ndarray, threshold: float = CATEGORY_THRESHOLD, boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    pred = s >= threshold
    both = 0 < y.sum() < len(y)
    out: dict[str, Any] = {
        "n": len(y),
        "positive_rate": float(y.mean()) if len(y) else 0.0,
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "pr_auc": float(average_precision_score(y, s)) if y.sum() else None,
        "roc_auc": float(roc_auc_score(y, s)) if both else None,
        "precision_top_1pct": precision_at(y, s, 0.01),
        "precision_top_5pct": precision_at(y, s, 0.05),
    }
    # Stratified bootstrap: each resample keeps the class sizes, so a small slice never draws zero positives.
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    f1s = []
    for _ in range(boot if len(y) else 0):
        i = np.concatenate([rng.choice(pos, len(pos)) if len(pos) else pos, rng.choice(neg, len(neg)) if len(neg) else neg])
        f1s.append(f1_score(y[i], pred[i], zero_division=0))
    out["f1_ci95"] = [float(np.percentile(f1s, 2.5)), float(np.percentile(f1s, 97.5))] if f1s else None
    return out


def row_scores(model: ScreeningModel, rows: Sequence[Row]) -> np.ndarray:
    """Each row's score on the common 0.5-threshold scale: its own source's head when the model has one, else the
    highest "trolling-insults" head for its kind (what the product would flag it with)."""
    probs = model.probabilities([r.text for r in rows], [r.kind for r in rows])
    scaled = np.stack([rescale(probs[:, i], h.threshold) for i, h in enumerate(model.heads)], axis=1)
    by_source = {s: i for i, h in enumerate(model.heads) for s in h.sources}
    out = np.zeros(len(rows))
    for j, r in enumerate(rows):
        if r.source in by_source:
            out[j] = scaled[j, by_source[r.source]]
        else:
            cols = [i for i, h in enumerate(model.heads) if h.category == "trolling-insults" and r.kind in h.kinds] or [
                i for i, h in enumerate(model.heads) if h.category == "trolling-insults" and "issue_comment" in h.kinds
            ]
            out[j] = scaled[j, cols].max()
    return out


def speed(scorer: DefaultScorer, texts: Sequence[tuple[str, str]], batch: int = 1000, singles: int = 300) -> dict[str, float]:
    """Texts per second through the whole scorer (model, encoder where it applies, private-information detector)
    for (text, kind) pairs."""
    pool = [Text(t, kind) for t, kind in texts] or [Text("thanks, looks good")]
    big = (pool * (batch // len(pool) + 1))[:batch]
    scorer.score(big[:10])  # warm: the model is loaded
    encoder = scorer.model.encoder
    # Time unseen texts: the encoder remembers the texts it scored, and the singles repeat the batch's texts.
    if encoder:
        encoder.forget()
    t0 = time.perf_counter()
    scorer.score(big)
    batch_s = time.perf_counter() - t0
    if encoder:
        encoder.forget()
    one = []
    for t in (pool * (singles // len(pool) + 1))[:singles]:
        t0 = time.perf_counter()
        scorer.score([t])
        one.append(time.perf_counter() - t0)
    return {
        "batch_size": batch,
        "batch_texts_per_s": batch / batch_s,
        "single_texts_per_s": len(one) / sum(one),
        "single_ms_median": 1000 * statistics.median(one),
        "single_ms_p95": 1000 * float(np.percentile(one, 95)),
    }


_COLD = """
import json, resource, sys, time
t0 = time.perf_counter()
from screening.model.runtime import ScreeningModel
from screening.pii import find_private_information
m = ScreeningModel.load(sys.argv[1], encoder=sys.argv[2] == "1")
m.probabilities(["first text"], ["issue_comment"]); find_private_information("first text")
cold = time.perf_counter() - t0
# Distinct texts: the encoder answers a repeated text from its cache, and memory is measured with the encoder run.
texts = [f"an issue comment number {i} of ordinary length, with some code and a link " * 3 for i in range(1000)]
m.probabilities(texts, ["issue_comment"] * len(texts))
print(json.dumps({"cold_start_s": cold, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def cold_start(directory: Path, encoder: bool) -> dict[str, float]:
    """Import + load + first score, in a fresh interpreter (nothing cached), and that process's peak memory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", _COLD, str(directory), "1" if encoder else "0"]
    res = subprocess.run(command, capture_output=True, text=True, check=True, env=env, cwd=ROOT)  # noqa: S603
    out: dict[str, float] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def size_mb(model: ScreeningModel, directory: Path) -> float:
    files = [p for p in directory.iterdir() if p.is_file()]
    if model.encoder:
        files += [p for p in model.encoder.directory.iterdir() if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def run(rows: Sequence[Row], scorer: DefaultScorer, directory: Path, *, boot: int = 1000, measure_speed: bool = True) -> dict[str, Any]:
    model = scorer.model
    scores = row_scores(model, rows)
    y = np.array([r.label for r in rows], dtype=int)
    src = np.array([r.source for r in rows])
    report: dict[str, Any] = {
        "model_version": scorer.version,
        "encoder": model.encoder.config.version if model.encoder else None,
        "threshold": CATEGORY_THRESHOLD,
        "sources": {},
    }
    for s in sorted(set(src)):
        m = src == s
        report["sources"][s] = quality(y[m], scores[m], boot=boot)
    report["overall"] = quality(y, scores, boot=boot)
    report["model_size_mb"] = size_mb(model, directory)
    if measure_speed:
        report["speed"] = speed(scorer, [(r.text, r.kind) for r in rows])
        report.update(cold_start(directory, model.encoder is not None))
    return report


def _fmt(v: Any) -> str:
    if v is None:
        return "  —  "
    if isinstance(v, list):
        return f"[{v[0]:.3f}, {v[1]:.3f}]"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def as_text(report: dict[str, Any]) -> str:
    cols = ["n", "positive_rate", "precision", "recall", "f1", "f1_ci95", "pr_auc", "roc_auc", "precision_top_1pct", "precision_top_5pct"]
    heads = ["n", "pos", "P", "R", "F1", "F1 95% CI", "PR-AUC", "ROC-AUC", "P@1%", "P@5%"]
    stage = f"with the encoder stage {report['encoder']}" if report.get("encoder") else "linear heads only"
    lines = [f"model {report['model_version']}, {stage} (threshold {report['threshold']} on the common scale)", ""]
    table = [["source", *heads]]
    for name, q in [*report["sources"].items(), ("overall", report["overall"])]:
        table.append([name, *(_fmt(q[c]) for c in cols)])
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines += ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in table]
    lines.append("")
    lines.append(f"model size on disk: {report['model_size_mb']:.1f} MB")
    if "speed" in report:
        sp = report["speed"]
        lines.append(f"batch of {sp['batch_size']}: {sp['batch_texts_per_s']:.0f} texts/s")
        lines.append(
            f"one at a time: {sp['single_texts_per_s']:.0f} texts/s "
            f"(median {sp['single_ms_median']:.2f} ms, p95 {sp['single_ms_p95']:.2f} ms)"
        )
        lines.append(f"cold start (import + load + first score, fresh process): {report['cold_start_s']:.2f} s")
        lines.append(f"peak memory (that process, after a batch of 1,000): {report['peak_rss_mb']:.0f} MB")
    return "\n".join(lines)
