"""Single-text heads for harm aimed at one person: which shared rows teach them, and how their cut is chosen.

The shared data types some of its uncivil rows (VCU's and Ferreira's incivility types, the sexism set's kinds).
A target's positives are the rows of the types that name it; its negatives are every other row of the sources
that type their rows (their other incivility included: an insult at a person is not bitter frustration), plus
optionally the civil rows of the untyped sources (ordinary traffic). Untyped uncivil rows are left out: whether
they attack a person is not known.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedGroupKFold

# The same protocol as every other head (screening/model/training.py imports this module, so not from there).
OUTER_FOLDS = 5
INNER_FOLDS = 3
SEED = 20261124


@dataclass(frozen=True)
class Target:
    category: str
    types: dict[str, frozenset[str]]  # source → the `category` values (any of ';'-separated) that are positives


ATTACK_TYPES = frozenset(
    {"Insulting", "Identity attacks/Name-Calling", "Identity attack/Name-Calling", "Identity Attack/Name-Calling", "name_calling"}
)
TARGETS = {
    "personal-political-attacks": Target(
        "personal-political-attacks",
        {"vcu_locked_issues": ATTACK_TYPES, "ferreira_incivility": ATTACK_TYPES},
    ),
    "harassment": Target(
        "harassment",
        {
            "vcu_locked_issues": frozenset({"Threat"}),
            "ferreira_incivility": frozenset({"threat"}),
            "github_sexism": frozenset({"Harassment", "Threats"}),
        },
    ),
}


def is_type(category: str, types: frozenset[str]) -> bool:
    return any(part.strip() in types for part in category.split(";"))


def target_labels(rows: Sequence[Any], target: Target, *, civil_aux: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(label, own, used) per row: positives of the target's types; `own` rows are the typed sources' (the figures
    and cuts are measured on them); with `civil_aux`, the other sources' civil rows join as negatives (not own)."""
    y = np.zeros(len(rows), dtype=int)
    own = np.zeros(len(rows), dtype=bool)
    used = np.zeros(len(rows), dtype=bool)
    for i, r in enumerate(rows):
        if r.source in target.types:
            used[i] = own[i] = True
            y[i] = int(bool(r.label) and is_type(r.category, target.types[r.source]))
        elif civil_aux and not r.label and r.source != "community":
            used[i] = True
    return y, own, used


def precision_cut(y: np.ndarray, p: np.ndarray, precision: float, min_hits: int = 3) -> float:
    """The lowest score cut at which these (out-of-fold) scores reach `precision`, with at least `min_hits` true
    positives above it; above every score (nothing flagged) when no cut does."""
    order = np.argsort(-p)
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys)
    k = np.arange(1, len(ys) + 1)
    last = np.r_[ps[1:] != ps[:-1], True]  # only cut between distinct scores
    ok = np.flatnonzero(last & (tp / k >= precision) & (tp >= min_hits))
    if not len(ok):
        return float(np.nextafter(1.0, 2.0))
    i = int(ok[-1])
    nxt = ps[i + 1] if i + 1 < len(ps) else 0.0
    return float((ps[i] + nxt) / 2)


# C for the single-text heads: the inner choice always fell on one of these two (scripts/screening_attacks.py).
TARGET_C_GRID = (1.0, 16.0)


def target_rows(rows: Sequence[Any], head: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices, labels, and which rows the figures are measured on (the typed sources and the civil rows of the
    others; the stewards' labels for the head's category and kinds join for training only)."""
    y_all, _, used = target_labels(rows, TARGETS[head["target"]], civil_aux=True)
    idx, y, measured = [], [], []
    for i, r in enumerate(rows):
        if r.source == "community":
            if r.category in (head["category"], "*") and r.kind in head["kinds"]:
                idx.append(i)
                y.append(int(r.label))
                measured.append(False)
        elif used[i]:
            idx.append(i)
            y.append(int(y_all[i]))
            measured.append(True)
    return np.array(idx, dtype=int), np.array(y, dtype=int), np.array(measured, dtype=bool)


def choose_cut(x: sp.csr_matrix, y: np.ndarray, groups: np.ndarray, measured: np.ndarray, precision: float) -> tuple[float, float]:
    """(C, cut): C by inner-fold average precision, and the lowest cut at which the inner folds' out-of-fold scores
    reach `precision` (above 1 when none does). Group-aware inner CV on these training rows only."""
    oof = {c: np.zeros(len(y)) for c in TARGET_C_GRID}
    cv = StratifiedGroupKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=SEED)
    for tr, te in cv.split(np.zeros(len(y)), y, groups):
        for c in TARGET_C_GRID:
            oof[c][te] = fit(x[tr], y[tr], c).predict_proba(x[te])[:, 1]
    c = max(TARGET_C_GRID, key=lambda c: average_precision_score(y[measured], oof[c][measured]))
    return c, precision_cut(y[measured], oof[c][measured], precision)


def fit(x: sp.csr_matrix, y: np.ndarray, c: float) -> LogisticRegression:
    return LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=SEED).fit(x, y)


def _counts(y: np.ndarray, flagged: np.ndarray) -> dict[str, int]:
    return {"flagged": int(flagged.sum()), "true": int((flagged & (y == 1)).sum()), "positives": int(y.sum()), "rows": len(y)}


def _precision(c: dict[str, Any]) -> float | None:
    return round(c["true"] / c["flagged"], 3) if c["flagged"] else None


def cross_validate_target(
    featurizer: Any,
    counts: dict[str, sp.csr_matrix],
    rows: Sequence[Any],
    head: dict[str, Any],
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Outer group-aware CV of a single-text head at its precision-oriented cut: per fold and pooled, overall and
    per source, how many it flagged and how many of those were right, so its precision is shown with its spread."""
    idx, y, measured = target_rows(rows, head)
    groups = np.array([rows[i].group for i in idx])
    sources = np.array([rows[i].source if TARGETS[head["target"]].types.get(rows[i].source) else "others' civil rows" for i in idx])
    oof, flagged = np.zeros(len(idx)), np.zeros(len(idx), dtype=bool)
    folds: list[dict[str, Any]] = []
    outer = StratifiedGroupKFold(n_splits=OUTER_FOLDS, shuffle=True, random_state=SEED)
    for k, (tr, te) in enumerate(outer.split(np.zeros(len(y)), y, groups)):
        keep = np.ones(counts["word"].shape[0], dtype=bool)
        keep[idx[te]] = False
        x = featurizer.weigh(counts, featurizer.idf_from(counts, np.flatnonzero(keep)))[idx]
        c, cut = choose_cut(x[tr], y[tr], groups[tr], measured[tr], head["precision"])
        oof[te] = fit(x[tr], y[tr], c).predict_proba(x[te])[:, 1]
        flagged[te] = oof[te] >= cut
        te = te[measured[te]]
        fold: dict[str, Any] = {"fold": k + 1, "C": c, "cut": round(cut, 4), **_counts(y[te], flagged[te])}
        fold["precision"] = _precision(fold)
        folds.append(fold)
        log(f"{head['name']} fold {k + 1}: C={c} cut={cut:.3f} flagged {fold['flagged']}, right {fold['true']}")
    m = measured
    pooled = _counts(y[m], flagged[m])
    precisions = [f["precision"] for f in folds if f["precision"] is not None]
    out: dict[str, Any] = {
        "target_precision": head["precision"],
        **pooled,
        "precision": _precision(pooled),
        "recall": round(pooled["true"] / max(pooled["positives"], 1), 3),
        "fold_precision_min": min(precisions) if precisions else None,
        "fold_precision_max": max(precisions) if precisions else None,
        "pr_auc": round(float(average_precision_score(y[m], oof[m])), 3),
        "folds": folds,
        "by_source": {},
    }
    for source in sorted(set(sources[m])):
        s = m & (sources == source)
        hits = _counts(y[s], flagged[s])
        out["by_source"][source] = {
            **hits,
            "precision": _precision(hits),
            "pr_auc": round(float(average_precision_score(y[s], oof[s])), 3) if hits["positives"] else None,
        }
    spread = f"folds {out['fold_precision_min']}–{out['fold_precision_max']}"
    log(f"{head['name']}: precision {out['precision']} ({spread}), recall {out['recall']}")
    return out


def meets_bar(figures: dict[str, Any], bar: dict[str, float]) -> bool:
    """Whether a single-text head's cross-validated precision is good and stable enough to show stewards."""
    return bool(
        figures.get("precision") is not None
        and figures["precision"] >= bar["pooled"]
        and figures["fold_precision_min"] is not None
        and figures["fold_precision_min"] >= bar["every_fold"]
        and all(f["flagged"] for f in figures["folds"])
    )
