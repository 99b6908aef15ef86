"""Training, shared by scripts/train_screening.py and `manage.py retrain_screening`.

Protocol (SCREENING.md): rows are never split within a `group`; the regularisation strength and each head's
threshold are chosen by an inner group-aware cross-validation on the training rows only; the reported figures
come from the outer folds, which the choice never saw.
"""

import csv
import datetime as dt
import json
import platform
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

from .attacks import INNER_FOLDS, OUTER_FOLDS, SEED, choose_cut, cross_validate_target, meets_bar, target_rows
from .attacks import fit as fit_target
from .digest import sha256
from .features import DEFAULT_PARAMS, Featurizer
from .runtime import CONFIG, MANIFEST, SHIPPED_DIR, WEIGHTS, rescale

# Issue-like kinds share the issue heads: chat, forum posts and mail read more like issue threads than reviews.
ISSUE_KINDS = ["issue_comment", "discussion", "chat", "forum_post", "email"]
ALL_KINDS = ["code_review", "commit_message", *ISSUE_KINDS]
CONTENT_TYPE_KIND = {"code_review": "code_review", "issue_comment": "issue_comment", "discussion_sentence": "discussion"}

HEADS: list[dict[str, Any]] = [
    {
        "name": "review_toxicity",
        "sources": ["toxicr"],
        "category": "trolling-insults",
        "kinds": ["code_review", "commit_message"],
        "why": "hostile or insulting wording in a code review",
    },
    {
        "name": "review_negativity",
        "sources": ["inclusive_code_reviews"],
        "category": "inappropriate-conduct",
        "kinds": ["code_review"],
        "why": "a harsh, belittling review comment",
    },
    {
        "name": "issue_incivility",
        "sources": ["vcu_locked_issues"],
        # Locked "too heated" threads alone teach that a quarter of all comments are uncivil; ordinary issue
        # comments (STRUDEL, the sexism set) teach it what a calm thread looks like. Figures stay on VCU rows.
        "aux": {"strudel_comments": "labels", "github_sexism": "labels"},
        "category": "trolling-insults",
        "kinds": ISSUE_KINDS,
        "why": "uncivil wording (mocking, insulting, bitter) in a discussion",
    },
    {
        "name": "issue_toxicity",
        "sources": ["strudel_comments"],
        "category": "trolling-insults",
        "kinds": [],  # measured, not used: 0.34 F1 in-domain adds more false flags than it finds
        "why": "toxic wording in an issue comment",
    },
    {
        "name": "sentence_incivility",
        "sources": ["ferreira_incivility"],
        "category": "trolling-insults",
        "kinds": [],  # measured, not used: trained on pre-selected tone-bearing sentences (70 % positive), it flags most ordinary text
        "why": "uncivil tone (name-calling, mocking, vulgarity)",
    },
    {
        "name": "sexism",
        "sources": ["github_sexism"],
        # Hostile-but-not-sexist text as negatives, so the head learns sexism rather than hostility in general.
        "aux": {"vcu_locked_issues": "negatives", "strudel_comments": "negatives", "inclusive_code_reviews": "negatives"},
        "category": "sexualized-language",
        "kinds": ALL_KINDS,
        "why": "sexist or sexualised remarks",
    },
]

# A category no head above covers gets a head trained on the stewards' labels alone once they have filed this many
# examples under it, and dismissed as many flags: enough for a 3-fold inner choice of C and threshold.
COMMUNITY_MIN_EXAMPLES = 20
NOT_LEARNED = frozenset({"private-information"})  # found by the detector's rules, not by a model

C_GRID = (1.0, 4.0, 16.0)

# The cuts a community may set on the scorer's common scale (screening.thresholds MIN_CUT..MAX_CUT), in the steps the
# cut pages show (screening.curves.SHOWN_CUTS): each head's cross-validated curve is stored at these.
CURVE_CUTS = tuple(round(0.20 + 0.05 * step, 2) for step in range(15))

# Single-text heads for harm aimed at one person, from the typed rows of the shared data (screening/model/attacks.py).
# Each is cut where the inner folds reach `precision`, not at its best F1: what a steward needs from such a category
# is that a flag of it is usually right. A head ships only when its outer folds meet BAR (pooled precision, and no
# fold under `every_fold`): under it, the category's name would mislead more than it helps, and the text still
# arrives under `trolling-insults` or `sexualized-language`. Its measured precision goes into the reasons stewards see.
BAR = {"pooled": 0.5, "every_fold": 0.4}
TARGET_HEADS: list[dict[str, Any]] = [
    {
        "name": "harassment_text",
        "target": "harassment",
        "sources": ["vcu_locked_issues", "ferreira_incivility", "github_sexism"],
        "category": "harassment",
        "kinds": ALL_KINDS,
        "precision": 0.7,
        "why": "threats or sexual harassment aimed at a person",
    },
    {
        "name": "personal_attacks",
        "target": "personal-political-attacks",
        "sources": ["vcu_locked_issues", "ferreira_incivility"],
        "category": "personal-political-attacks",
        "kinds": ISSUE_KINDS,
        "precision": 0.5,
        "why": "an insult or attack aimed at a person",
    },
]
# Fewer typed examples than this and a single-text head is not trained at all (a 3-fold inner choice needs them).
TARGET_MIN_POSITIVES = 20


@dataclass
class Row:
    text: str
    label: int
    source: str
    group: str
    kind: str
    category: str = ""


@dataclass
class Dataset:
    rows: list[Row]
    files: dict[str, str] = field(default_factory=dict)  # file name → SHA-256


def read_csv(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Row(
                r["text"],
                int(r["label"]),
                r["source"],
                f"{r['source']}:{r['group']}",
                CONTENT_TYPE_KIND.get(r["content_type"], r["content_type"]),
                r.get("category", ""),
            )
            for r in csv.DictReader(f)
        ]


def load_shared(data_dir: Path) -> Dataset:
    ds = Dataset([])
    for p in sorted(data_dir.glob("*.csv")):
        ds.rows.extend(read_csv(p))
        ds.files[p.name] = sha256(p)
    return ds


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The score cut that maximises F1 on these (out-of-fold) predictions."""
    order = np.argsort(-p)
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys)
    k = np.arange(1, len(ys) + 1)
    f1 = 2 * tp / (k + ys.sum())
    # only cut between distinct scores
    last = np.r_[ps[1:] != ps[:-1], True]
    i = int(np.argmax(np.where(last, f1, -1)))
    nxt = ps[i + 1] if i + 1 < len(ps) else 0.0
    return float((ps[i] + nxt) / 2)


def _fit(x: sp.csr_matrix, y: np.ndarray, c: float, w: np.ndarray | None = None) -> LogisticRegression:
    m = LogisticRegression(C=c, solver="liblinear", max_iter=1000)
    m.fit(x, y, sample_weight=w)
    return m


def choose(x: sp.csr_matrix, y: np.ndarray, groups: np.ndarray, w: np.ndarray | None, own: np.ndarray) -> tuple[float, float, float]:
    """(C, threshold, inner F1): inner group-aware CV over the training rows; scored on the head's own rows."""
    oof = {c: np.zeros(len(y)) for c in C_GRID}
    cv = StratifiedGroupKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=SEED)
    for tr, te in cv.split(np.zeros(len(y)), y, groups):
        for c in C_GRID:
            oof[c][te] = _fit(x[tr], y[tr], c, None if w is None else w[tr]).predict_proba(x[te])[:, 1]
    best = (C_GRID[0], 0.5, -1.0)
    for c in C_GRID:
        t = best_threshold(y[own], oof[c][own])
        f = f1_score(y[own], oof[c][own] >= t)
        if f > best[2]:
            best = (c, t, float(f))
    return best


def metrics(y: np.ndarray, p: np.ndarray, t: float) -> dict[str, float]:
    pred = p >= t
    return {
        "n": len(y),
        "positive": float(y.mean()),
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "pr_auc": float(average_precision_score(y, p)),
        "roc_auc": float(roc_auc_score(y, p)),
    }


def head_rows(ds: Dataset, head: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of a head's training rows, their labels, and which are its own source (the rest: auxiliary sources
    and steward labels, used for training only, never in the head's figures or its threshold).

    An auxiliary source joins as "labels" (its own labels), "negatives" (every row as a negative) or
    "positives-as-negatives" (only its positive rows, as negatives: uncivil but not this head's kind of harm);
    a head's `aux_weight` (default 1) weighs those rows against its own (`row_weights`)."""
    idx, y, own = [], [], []
    learned = head.get("community_category")
    for i, r in enumerate(ds.rows):
        if learned is not None:
            # A community head: what stewards filed under its category, against every flag they dismissed.
            if r.source == "community" and (r.category == learned or not r.label):
                idx.append(i)
                y.append(r.label if r.category == learned else 0)
                own.append(True)
            continue
        if r.source in head["sources"]:
            idx.append(i)
            y.append(r.label)
            own.append(True)
        elif r.source in head.get("aux", {}):
            mode = head["aux"][r.source]
            if mode == "positives-as-negatives" and not r.label:
                continue
            idx.append(i)
            y.append(r.label if mode == "labels" else 0)
            own.append(False)
        elif r.source == "community" and r.category in (head["category"], "*") and r.kind in head["kinds"]:
            idx.append(i)
            y.append(r.label)
            own.append(False)
    return np.array(idx, dtype=int), np.array(y, dtype=int), np.array(own, dtype=bool)


def row_weights(head: dict[str, Any], own: np.ndarray) -> np.ndarray | None:
    """Sample weights: auxiliary rows count `aux_weight` (default 1) against a head's own rows."""
    weight = float(head.get("aux_weight", 1.0))
    return None if weight == 1.0 else np.where(own, 1.0, weight)


def cross_validate_head(
    feat: Featurizer,
    counts: dict[str, sp.csr_matrix],
    groups_all: np.ndarray,
    head: dict[str, Any],
    idx: np.ndarray,
    y: np.ndarray,
    own: np.ndarray,
    other_negatives: np.ndarray,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Outer group-aware CV for one head: C and threshold from inner CV on each training fold; figures on own rows."""
    g, w = groups_all[idx], row_weights(head, own)
    oof, thr_used = np.zeros(len(idx)), np.zeros(len(idx))
    others = np.setdiff1d(np.flatnonzero(other_negatives), idx)
    noise = []
    outer = StratifiedGroupKFold(n_splits=OUTER_FOLDS, shuffle=True, random_state=SEED)
    for k, (tr, te) in enumerate(outer.split(np.zeros(len(y)), y, g)):
        # IDF from every row except this fold's test rows, so nothing about them leaks into the weights.
        keep = np.ones(len(groups_all), dtype=bool)
        keep[idx[te]] = False
        x_fold = feat.weigh(counts, Featurizer.idf_from(counts, np.flatnonzero(keep)))
        x = x_fold[idx]
        w_tr = None if w is None else w[tr]
        c, t, _ = choose(x[tr], y[tr], g[tr], w_tr, own[tr])
        model = _fit(x[tr], y[tr], c, w_tr)
        oof[te] = model.predict_proba(x[te])[:, 1]
        thr_used[te] = t
        if len(others):
            noise.append(float((model.predict_proba(x_fold[others])[:, 1] >= t).mean()))
        log(f"{head['name']} fold {k + 1}: C={c} threshold={t:.3f}")
    pred = oof >= thr_used
    m: dict[str, Any] = metrics(y[own], oof[own], 0.5)
    curve = cut_curve(y[own], oof[own], thr_used[own])
    m.update(
        precision=float(precision_score(y[own], pred[own], zero_division=0)),
        recall=float(recall_score(y[own], pred[own], zero_division=0)),
        f1=float(f1_score(y[own], pred[own], zero_division=0)),
    )
    # How often the head fires on the negatives of sources it never trained on: its noise elsewhere.
    m["flags_other_negatives"] = float(np.mean(noise)) if noise else 0.0
    m["curve"] = curve
    log(
        f"{head['name']}: CV F1 {m['f1']:.3f} P {m['precision']:.3f} R {m['recall']:.3f} PR-AUC {m['pr_auc']:.3f}"
        f" flags {m['flags_other_negatives']:.1%} of other sources' negatives"
    )
    return {"sources": head["sources"], **m}


def cut_curve(y: np.ndarray, oof: np.ndarray, thresholds: np.ndarray) -> dict[str, Any]:
    """The pooled out-of-fold figures at each cut of CURVE_CUTS on the scorer's common scale.

    Each row's probability is mapped as the scorer maps it (runtime.rescale) with the threshold of the fold that
    scored it, so 0.5 is every fold's own threshold and the curve there is the head's stored point exactly. Per cut:
    how many rows it flags and how many of those are positives, precision, recall, the share of all the source's rows
    it flags and the share of its negatives (the false alarms)."""
    scaled = np.empty(len(oof))
    for t in np.unique(thresholds):
        fold = thresholds == t
        scaled[fold] = rescale(oof[fold], float(t))
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    points = []
    for cut in CURVE_CUTS:
        hit = scaled >= cut
        flagged, true = int(hit.sum()), int((hit & (y == 1)).sum())
        points.append(
            {
                "cut": cut,
                "flagged": flagged,
                "true": true,
                "precision": round(true / flagged, 4) if flagged else None,
                "recall": round(true / positives, 4) if positives else None,
                "rows_flagged": round(flagged / len(y), 4) if len(y) else None,
                "negatives_flagged": round((flagged - true) / negatives, 4) if negatives else None,
            }
        )
    return {
        "scale": "the scorer's common scale: each fold's own threshold at 0.5 (screening.model.runtime.rescale)",
        "rows": len(y),
        "positives": positives,
        "points": points,
    }


def community_heads(ds: Dataset, covered: Iterable[str]) -> list[dict[str, Any]]:
    """Heads for the categories the shipped heads do not cover, where the stewards' labels are enough to learn from."""
    filed = Counter(r.category for r in ds.rows if r.source == "community" and r.label)
    dismissed = sum(1 for r in ds.rows if r.source == "community" and not r.label)
    skip = {*covered, *NOT_LEARNED}
    return [
        {
            "name": f"community_{category}",
            "sources": ["community"],
            "community_category": category,
            "category": category,
            "kinds": ALL_KINDS,
            "why": "like what the stewards filed under this category",
        }
        for category, count in sorted(filed.items())
        if category not in skip and count >= COMMUNITY_MIN_EXAMPLES and dismissed >= COMMUNITY_MIN_EXAMPLES
    ]


def featurise(ds: Dataset) -> tuple[Featurizer, dict[str, sp.csr_matrix], dict[str, np.ndarray], sp.csr_matrix, np.ndarray]:
    """The shared features of every row: the featuriser, its sublinear counts, IDF over all rows, the weighted
    matrix, and each row's group."""
    feat = Featurizer(DEFAULT_PARAMS)
    counts = feat.counts(feat.clean(r.text for r in ds.rows))
    idf = Featurizer.idf_from(counts)
    return feat, counts, idf, feat.weigh(counts, idf), np.array([r.group for r in ds.rows])


def train(ds: Dataset, out: Path, *, cross_validate: bool = True, log: Callable[[str], None] = print, note: str = "") -> dict[str, Any]:
    """Cross-validate (optionally), fit every head on all its rows, and write the model directory with its manifest."""
    feat, counts, full_idf, x_full, groups_all = featurise(ds)
    negatives = np.array([r.label == 0 and r.source != "community" for r in ds.rows])
    cv_figures: dict[str, Any] = {}
    heads_out, coefs, intercepts = [], [], []
    targets = []
    for head in TARGET_HEADS:
        fitted = train_target(feat, counts, x_full, groups_all, ds, head, cross_validate, log)
        if fitted is None:
            continue
        figures, trained = fitted
        if figures is not None and cross_validate:
            cv_figures[head["name"]] = figures
        if trained is not None:
            targets.append(trained)
    covered = {head["category"] for head in HEADS} | {trained[0]["category"] for trained in targets}
    for head in [*HEADS, *community_heads(ds, covered)]:
        idx, y, own = head_rows(ds, head)
        if len(idx) == 0 or y.min() == y.max():
            log(f"{head['name']}: no training rows, skipped")
            continue
        if cross_validate:
            cv_figures[head["name"]] = cross_validate_head(feat, counts, groups_all, head, idx, y, own, negatives, log)
        x, g, w = x_full[idx], groups_all[idx], row_weights(head, own)
        c, t, inner_f1 = choose(x, y, g, w, own)
        model = _fit(x, y, c, w)
        coefs.append(model.coef_[0].astype(np.float32))
        intercepts.append(float(model.intercept_[0]))
        community = int(sum(ds.rows[i].source == "community" for i in idx))
        heads_out.append(
            {
                **head,
                "threshold": t,
                "C": c,
                "inner_cv_f1": inner_f1,
                "rows": len(idx),
                # Steward labels, and the other sources' rows this head also trains on: two different things.
                "community_rows": community,
                "auxiliary_rows": int((~own).sum()) - community,
            }
        )
        log(f"{head['name']}: shipped C={c} threshold={t:.3f} (inner CV F1 {inner_f1:.3f})")
    for head_out, coef, intercept in targets:
        heads_out.append(head_out)
        coefs.append(coef)
        intercepts.append(intercept)
    return write(out, feat, full_idf, heads_out, np.stack(coefs, axis=1), np.array(intercepts, dtype=np.float32), ds, cv_figures, note)


def train_target(
    feat: Featurizer,
    counts: dict[str, sp.csr_matrix],
    x_full: sp.csr_matrix,
    groups_all: np.ndarray,
    ds: Dataset,
    head: dict[str, Any],
    cross_validate: bool,
    log: Callable[[str], None],
) -> tuple[dict[str, Any] | None, tuple[dict[str, Any], np.ndarray, float] | None] | None:
    """A single-text head: its cross-validated figures, and the head itself when they meet BAR (None: too few rows).

    Without cross-validation (a quick retrain), the shipped model's figures on the shared data decide, and the
    reasons say where they come from."""
    idx, y, measured = target_rows(ds.rows, head)
    if int(y[measured].sum()) < TARGET_MIN_POSITIVES:
        log(f"{head['name']}: {int(y[measured].sum())} typed examples, fewer than {TARGET_MIN_POSITIVES}: not trained")
        return None
    figures: dict[str, Any] | None
    if cross_validate:
        figures = cross_validate_target(feat, counts, ds.rows, head, log)
        measured_on = "cross-validation"
    else:
        shipped = SHIPPED_DIR / MANIFEST
        figures = json.loads(shipped.read_text()).get("cross_validation", {}).get(head["name"]) if shipped.is_file() else None
        measured_on = "the shipped model's cross-validation"
    shipped_head = figures is not None and meets_bar(figures, BAR)
    if figures is not None:
        figures = {**figures, "bar": BAR, "shipped": shipped_head}
    if not shipped_head or figures is None:
        log(f"{head['name']}: under the bar {BAR} (or not measured): not shipped, {head['category']} not produced by it")
        return figures, None
    c, cut = choose_cut(x_full[idx], y, groups_all[idx], measured, head["precision"])
    if cut > 1:
        log(f"{head['name']}: the inner folds never reach precision {head['precision']}: not shipped")
        return {**figures, "shipped": False}, None
    model = fit_target(x_full[idx], y, c)
    why = (
        f"{head['why']} (in {measured_on}, {figures['precision']:.0%} of such flags were right: {figures['true']} of "
        f"{figures['flagged']}, folds {figures['fold_precision_min']:.2f}–{figures['fold_precision_max']:.2f})"
    )
    out = {
        **{k: v for k, v in head.items() if k not in ("precision", "sources")},
        # `sources` names the sources whose own label a head predicts (the benchmark scores those rows with it);
        # this head predicts a type within them, not their label.
        "sources": [],
        "typed_sources": head["sources"],
        "why": why,
        "threshold": cut,
        "C": c,
        "target_precision": head["precision"],
        "measured_precision": figures["precision"],
        "rows": len(idx),
        "community_rows": int((~measured).sum()),
        "auxiliary_rows": 0,
    }
    log(f"{head['name']}: shipped C={c} cut={cut:.3f} for precision {head['precision']}")
    return figures, (out, model.coef_[0].astype(np.float32), float(model.intercept_[0]))


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("scikit-learn", "numpy", "scipy"):
        out[pkg] = metadata.version(pkg)
    return out


def write(
    out: Path,
    feat: Featurizer,
    idf: dict[str, np.ndarray],
    heads: list[dict[str, Any]],
    coef: np.ndarray,
    intercept: np.ndarray,
    ds: Dataset,
    cv_figures: dict[str, Any],
    note: str,
) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    weights = out / WEIGHTS
    np.savez_compressed(weights, idf_word=idf["word"], idf_char=idf["char"], coef=coef, intercept=intercept)
    digest = sha256(weights)
    config = {"version": f"linear-{digest[:12]}", "features": feat.params, "heads": heads}
    (out / CONFIG).write_text(json.dumps(config, indent=1) + "\n")
    manifest = {
        "version": config["version"],
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_files_sha256": ds.files,
        "rows": len(ds.rows),
        "community_rows": sum(r.source == "community" for r in ds.rows),
        "libraries": versions(),
        "protocol": (
            f"StratifiedGroupKFold by group, {OUTER_FOLDS} outer folds; C in {list(C_GRID)} and threshold "
            f"by {INNER_FOLDS}-fold inner CV on training folds only"
        ),
        "cross_validation": cv_figures,
        "weights_sha256": digest,
        "command": " ".join(sys.argv),
        "note": note,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def community_rows(labels: Iterable[tuple[str, str, str, bool]]) -> list[Row]:
    """Steward labels (text, kind, category, violation?) as training rows; each its own group."""
    return [Row(text, int(label), "community", f"community:{i}", kind, category) for i, (text, kind, category, label) in enumerate(labels)]


__all__: Sequence[str] = ["HEADS", "Dataset", "Row", "community_rows", "load_shared", "train"]
