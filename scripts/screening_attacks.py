"""Measure single-text detectors for personal attacks and harassment on the shared data (group-aware CV).

    .venv/bin/python scripts/screening_attacks.py [--data DIR] [--only NAME ...]

Each variant is a linear head over the shipped features, trained on the typed rows of the shared data (VCU's and
Ferreira's incivility types, the sexism set's kinds) against every other row of those sources and, optionally, the
civil rows of the untyped sources. Outer StratifiedGroupKFold by `group` (5 folds, the shipped seed); C and every
threshold are chosen by a 3-fold group-aware inner CV on the training folds only. Printed per fold and pooled:
precision and recall at the F1-optimal cut and at the cut where the inner folds' precision first reaches 0.5 / 0.7,
precision among the top 1 % and 5 % of each source's scores, and the share of other sources' civil rows flagged.
Nothing here reads the held-back evaluation data; no row is written anywhere.
"""

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.model_selection import StratifiedGroupKFold  # noqa: E402

from screening.model.attacks import TARGETS, precision_cut, target_labels  # noqa: E402
from screening.model.features import DEFAULT_PARAMS, Featurizer  # noqa: E402
from screening.model.training import INNER_FOLDS, OUTER_FOLDS, SEED, _fit, best_threshold, load_shared  # noqa: E402

C_GRID = (1.0, 4.0, 16.0)

# Targeted features (variant "+targeted"): a person addressed and an insult near it. A short general lexicon,
# written without looking at the rows.
INSULTS = [
    "idiot",
    "idiots",
    "idiotic",
    "moron",
    "morons",
    "moronic",
    "stupid",
    "dumb",
    "dumbass",
    "retard",
    "retarded",
    "retards",
    "imbecile",
    "clown",
    "clowns",
    "jerk",
    "jerks",
    "loser",
    "losers",
    "liar",
    "liars",
    "troll",
    "trolls",
    "incompetent",
    "pathetic",
    "fool",
    "fools",
    "foolish",
    "ignorant",
    "arrogant",
    "asshole",
    "assholes",
    "dick",
    "dicks",
    "prick",
    "bastard",
    "bastards",
    "scum",
    "cunt",
    "twat",
    "douche",
    "douchebag",
    "wanker",
    "bitch",
    "bitches",
    "crook",
    "crooks",
    "hypocrite",
    "hypocrites",
    "fanboy",
    "fanboys",
    "shill",
    "shills",
    "coward",
    "cowards",
    "lazy",
    "clueless",
    "braindead",
    "brainless",
    "useless",
    "worthless",
    "delusional",
    "insane",
    "crazy",
    "psycho",
    "childish",
    "entitled",
]
YOU = {"you", "your", "you're", "youre", "yours", "yourself", "yourselves", "u", "ur", "ya", "zzmention"}
IDENTITY = [
    "gay",
    "gays",
    "lesbian",
    "trans",
    "transgender",
    "woman",
    "women",
    "girl",
    "girls",
    "female",
    "females",
    "black",
    "blacks",
    "white",
    "jew",
    "jews",
    "jewish",
    "muslim",
    "muslims",
    "christian",
    "christians",
    "indian",
    "indians",
    "chinese",
    "russian",
    "russians",
    "asian",
    "asians",
    "arab",
    "arabs",
    "mexican",
    "immigrant",
    "immigrants",
    "feminist",
    "feminists",
    "sjw",
    "sjws",
    "leftist",
    "leftists",
    "liberal",
    "liberals",
    "conservative",
    "conservatives",
    "nazi",
    "nazis",
    "commie",
    "communist",
    "communists",
]
_TOKEN = re.compile(r"[\w']+")


def targeted(cleaned: list[str]) -> sp.csr_matrix:
    insults, identity = set(INSULTS), set(IDENTITY)
    rows = []
    for text in cleaned:
        toks = _TOKEN.findall(text.lower())
        you = [i for i, t in enumerate(toks) if t in YOU]
        ins = [i for i, t in enumerate(toks) if t in insults]
        ide = [i for i, t in enumerate(toks) if t in identity]
        near = any(abs(a - b) <= 4 for a in you for b in ins)
        rows.append(
            [
                min(len(you), 5) / 5,
                float(bool(ins)),
                float(near),
                float(bool(ide)),
                float(bool(ide) and bool(ins)),
                float("zzmention" in toks and bool(ins)),
            ]
        )
    return sp.csr_matrix(np.array(rows, dtype=np.float32))


def inner_choice(x: sp.csr_matrix, y: np.ndarray, g: np.ndarray, own: np.ndarray, cw: str | None) -> dict[str, Any]:
    """C by inner PR-ranking (F1 at its best cut), and the cuts for F1 and for precision 0.5 / 0.7 on inner OOF."""
    oof = {c: np.zeros(len(y)) for c in C_GRID}
    cv = StratifiedGroupKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=SEED)
    for tr, te in cv.split(np.zeros(len(y)), y, g):
        for c in C_GRID:
            oof[c][te] = fit(x[tr], y[tr], c, cw).predict_proba(x[te])[:, 1]
    best: dict[str, Any] = {"f1": -1.0}
    for c in C_GRID:
        t = best_threshold(y[own], oof[c][own])
        pred = oof[c][own] >= t
        tp = float((pred & (y[own] == 1)).sum())
        f = 2 * tp / max(pred.sum() + y[own].sum(), 1)
        if f > best["f1"]:
            best = {
                "C": c,
                "f1": f,
                "t_f1": t,
                "t_p50": precision_cut(y[own], oof[c][own], 0.5),
                "t_p70": precision_cut(y[own], oof[c][own], 0.7),
            }
    return best


def fit(x: sp.csr_matrix, y: np.ndarray, c: float, cw: str | None) -> Any:
    if cw is None:
        return _fit(x, y, c)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, solver="liblinear", max_iter=1000, class_weight=cw).fit(x, y)


def run_variant(
    name: str, spec: dict[str, Any], ds: Any, counts: dict[str, sp.csr_matrix], extra: sp.csr_matrix, gate_y: np.ndarray
) -> None:
    target = TARGETS[spec["target"]]
    y_all, own_all, use = target_labels(ds.rows, target, civil_aux=spec.get("civil_aux", False))
    idx = np.flatnonzero(use)
    y, own = y_all[idx], own_all[idx]
    groups = np.array([r.group for r in ds.rows])[idx]
    sources = np.array([r.source for r in ds.rows])[idx]
    feat = Featurizer(DEFAULT_PARAMS)
    outer = StratifiedGroupKFold(n_splits=OUTER_FOLDS, shuffle=True, random_state=SEED)
    oof = np.zeros(len(idx))
    cuts = {k: np.zeros(len(idx)) for k in ("t_f1", "t_p50", "t_p70")}
    fold_of = np.zeros(len(idx), dtype=int)
    print(f"\n== {name}: {int(y[own].sum())} positives in {int(own.sum())} own rows, {int((~own).sum())} auxiliary civil rows")
    for k, (tr, te) in enumerate(outer.split(np.zeros(len(y)), y, groups)):
        keep = np.ones(len(ds.rows), dtype=bool)
        keep[idx[te]] = False
        x = feat.weigh(counts, Featurizer.idf_from(counts, np.flatnonzero(keep)))[idx]
        if spec.get("targeted"):
            x = sp.hstack([x, extra[idx]], format="csr")
        ch = inner_choice(x[tr], y[tr], groups[tr], own[tr], spec.get("class_weight"))
        model = fit(x[tr], y[tr], ch["C"], spec.get("class_weight"))
        oof[te] = model.predict_proba(x[te])[:, 1]
        for key in cuts:
            cuts[key][te] = ch[key]
        fold_of[te] = k
        print(f"  fold {k + 1}: C={ch['C']} inner F1 {ch['f1']:.3f} cuts f1={ch['t_f1']:.3f} p50={ch['t_p50']:.3f} p70={ch['t_p70']:.3f}")
    report(y, oof, cuts, fold_of, sources, own, np.ones(len(idx), dtype=bool))
    if spec.get("gate"):
        print("  -- gated: flagged only where the incivility set-up flags the row too (out of fold)")
        report(y, oof, cuts, fold_of, sources, own, gate_y[idx])


def report(
    y: np.ndarray, p: np.ndarray, cuts: dict[str, np.ndarray], fold_of: np.ndarray, sources: np.ndarray, own: np.ndarray, gate: np.ndarray
) -> None:
    from sklearn.metrics import average_precision_score

    for src in sorted(set(sources[own])):
        m = own & (sources == src)
        print(f"  [{src}] n={m.sum()} positives={int(y[m].sum())} PR-AUC {average_precision_score(y[m], p[m] * gate[m]):.3f}")
        for key, cut in cuts.items():
            per = []
            for k in range(OUTER_FOLDS):
                f = m & (fold_of == k)
                pred = (p[f] >= cut[f]) & gate[f]
                tp = int((pred & (y[f] == 1)).sum())
                per.append((tp, int(pred.sum()), int(y[f].sum())))
            tp, fl, pos = (sum(v[i] for v in per) for i in range(3))
            prec = [f"{a / b:.2f}" if b else "—" for a, b, _ in per]
            hits = " ".join(f"{a}/{b}" for a, b, _ in per)
            folds = f"per fold P {' '.join(prec)}; TP/flagged {hits}"
            print(f"    {key}: P {tp / max(fl, 1):.3f} R {tp / max(pos, 1):.3f} flagged {fl} ({folds})")
        for share in (0.01, 0.05):
            tops: list[float] = []
            for k in range(OUTER_FOLDS):
                f = np.flatnonzero(m & (fold_of == k))
                n = max(1, round(share * len(f)))
                top = f[np.argsort(-(p[f] * gate[f]))[:n]]
                tops.append(float(y[top].mean()))
            print(f"    top {share:.0%}: P {np.mean(tops):.3f} (per fold {' '.join(f'{v:.2f}' for v in tops)})")
    aux = ~own
    if aux.any():
        for key, cut in cuts.items():
            print(f"    civil rows of other sources flagged at {key}: {((p[aux] >= cut[aux]) & gate[aux]).mean():.2%}")


VARIANTS: dict[str, dict[str, Any]] = {
    "attacks": {"target": "personal-political-attacks", "gate": True},
    "attacks+civil": {"target": "personal-political-attacks", "civil_aux": True},
    "attacks+targeted": {"target": "personal-political-attacks", "targeted": True},
    "harassment+civil": {"target": "harassment", "civil_aux": True},
    "harassment": {"target": "harassment", "gate": True},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "screening")
    ap.add_argument("--only", nargs="*", default=list(VARIANTS))
    args = ap.parse_args()
    start = time.perf_counter()
    ds = load_shared(args.data)
    feat = Featurizer(DEFAULT_PARAMS)
    cleaned = feat.clean(r.text for r in ds.rows)
    counts = feat.counts(cleaned)
    extra = targeted(cleaned)
    gate_y = np.ones(len(ds.rows), dtype=bool)
    if any(VARIANTS[v].get("gate") for v in args.only):
        gate_y = incivility_gate(ds, counts)
    for name in args.only:
        run_variant(name, VARIANTS[name], ds, counts, extra, gate_y)
    print(f"\ndone in {time.perf_counter() - start:.0f} s")


def incivility_gate(ds: Any, counts: dict[str, sp.csr_matrix]) -> np.ndarray:
    """Out-of-fold: would the shipped incivility set-up (VCU + Ferreira labels, C=1) flag this row? Cut by inner CV."""
    labels = np.array([r.label for r in ds.rows])
    groups = np.array([r.group for r in ds.rows])
    feat = Featurizer(DEFAULT_PARAMS)
    x = feat.weigh(counts, Featurizer.idf_from(counts))
    out = np.zeros(len(ds.rows), dtype=bool)
    outer = StratifiedGroupKFold(n_splits=OUTER_FOLDS, shuffle=True, random_state=SEED + 1)
    for tr, te in outer.split(np.zeros(len(labels)), labels, groups):
        inner = np.zeros(len(tr))
        for itr, ite in StratifiedGroupKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=SEED).split(
            np.zeros(len(tr)), labels[tr], groups[tr]
        ):
            inner[ite] = _fit(x[tr][itr], labels[tr][itr], 1.0).predict_proba(x[tr][ite])[:, 1]
        t = best_threshold(labels[tr], inner)
        out[te] = _fit(x[tr], labels[tr], 1.0).predict_proba(x[te])[:, 1] >= t
    print(f"gate flags {out.mean():.1%} of all rows (out of fold)")
    return out


if __name__ == "__main__":
    main()
