"""Choose the encoder stage's cascade gate by cross-validation: below which linear probability the encoder is skipped.

    .venv/bin/python scripts/encoder/cascade_gate.py [--max-loss 0.01] [--write]

The encoder is the costly part of scoring an issue comment (docs/screening.md, "Speed and size"). A text whose
`issue_incivility` linear probability is very low is almost never uncivil, so it is scored by the linear head alone
(its blended score is its linear probability, under the blend's threshold: not flagged). The gate must cost at
most `--max-loss` of the blend's recall, and it is chosen so that this holds whatever the encoder says: the blend
can only lose a true positive whose linear probability is under the gate, so the gate is the highest value under
which at most `--max-loss` of the positives fall.

Protocol, as the shipped head's (screening.model.training): the same outer group-aware folds and seed, C and the
head's threshold from inner CV on each training fold, IDF without the test fold, auxiliary rows for training only.
Each fold's gate is chosen by cross-fitting, on the out-of-fold probabilities of the *other* folds' VCU positives,
and measured on the fold itself (positives under it = the most recall the blend can lose there; texts under it =
the share of encoder runs saved). The shipped gate is the median of the five folds' gates. Needs no torch.
With `--write` it records the gate and the figures in the shipped encoder's `encoder.json` (its hashes are
unchanged: the gate is configuration, not a model file).
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from screening.model import training  # noqa: E402
from screening.model.digest import sha256  # noqa: E402
from screening.model.features import DEFAULT_PARAMS, Featurizer  # noqa: E402

HEAD = "issue_incivility"
DATA = ROOT.parent / "shared" / "data" / "screening"


def out_of_fold(ds: training.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Out-of-fold linear probabilities of the head's rows (VCU and its auxiliary sources), labels, folds, sources."""
    head = next(h for h in training.HEADS if h["name"] == HEAD)
    feat = Featurizer(DEFAULT_PARAMS)
    counts = feat.counts(feat.clean(r.text for r in ds.rows))
    groups_all = np.array([r.group for r in ds.rows])
    idx, y, own = training.head_rows(ds, head)
    g, w = groups_all[idx], training.row_weights(head, own)
    oof, fold = np.zeros(len(idx)), np.zeros(len(idx), dtype=int)
    outer = StratifiedGroupKFold(n_splits=training.OUTER_FOLDS, shuffle=True, random_state=training.SEED)
    for k, (tr, te) in enumerate(outer.split(np.zeros(len(y)), y, g)):
        keep = np.ones(len(groups_all), dtype=bool)
        keep[idx[te]] = False
        x = feat.weigh(counts, Featurizer.idf_from(counts, np.flatnonzero(keep)))[idx]
        w_tr = None if w is None else w[tr]
        c, _, _ = training.choose(x[tr], y[tr], g[tr], w_tr, own[tr])
        oof[te] = training._fit(x[tr], y[tr], c, w_tr).predict_proba(x[te])[:, 1]
        fold[te] = k
        print(f"fold {k + 1}: C={c}", flush=True)
    sources = np.array([ds.rows[i].source for i in idx])
    return oof, y, fold, sources


def gate_for(p_positive: np.ndarray, max_loss: float) -> float:
    """The highest gate under which at most `max_loss` of these positives' probabilities fall."""
    ordered = np.sort(p_positive)
    allowed = int(np.floor(max_loss * len(ordered)))  # this many positives may lie under the gate
    return float(ordered[allowed]) if allowed < len(ordered) else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-loss", type=float, default=0.01, help="the most recall the gate may cost (fraction of positives)")
    parser.add_argument("--write", action="store_true", help="record the gate in the shipped encoder.json")
    args = parser.parse_args()
    ds = training.load_shared(DATA)
    cache = ROOT / "var" / f"cascade-oof-{sha256(DATA / 'vcu_locked_issues.csv')[:12]}.npz"
    if cache.is_file():  # the out-of-fold probabilities take minutes; another --max-loss reuses them
        with np.load(cache, allow_pickle=False) as f:
            oof, y, fold, sources = f["oof"], f["y"], f["fold"], f["sources"]
    else:
        oof, y, fold, sources = out_of_fold(ds)
        cache.parent.mkdir(exist_ok=True)
        np.savez(cache, oof=oof, y=y, fold=fold, sources=sources)
    vcu = sources == "vcu_locked_issues"
    rows = []
    for k in range(training.OUTER_FOLDS):
        others, here = vcu & (fold != k), vcu & (fold == k)
        gate = gate_for(oof[others & (y == 1)], args.max_loss)
        ordinary = (~vcu) & (fold == k) & (y == 0)  # civil STRUDEL / sexism-set comments held out in this fold
        rows.append(
            {
                "fold": k + 1,
                "gate": gate,
                "positives_under_gate": float((oof[here & (y == 1)] < gate).mean()),
                "vcu_texts_under_gate": float((oof[here] < gate).mean()),
                "ordinary_civil_texts_under_gate": float((oof[ordinary] < gate).mean()) if ordinary.any() else None,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    gate = float(np.median([r["gate"] for r in rows]))
    summary = {
        "skip_below": gate,
        "max_loss": args.max_loss,
        "folds": rows,
        "mean_positives_under_gate": float(np.mean([r["positives_under_gate"] for r in rows])),
        "mean_vcu_texts_under_gate": float(np.mean([r["vcu_texts_under_gate"] for r in rows])),
        "mean_ordinary_civil_texts_under_gate": float(np.mean([r["ordinary_civil_texts_under_gate"] for r in rows])),
        "data_files_sha256": {p.name: sha256(p) for p in sorted(DATA.glob("*.csv"))},
        "versions": training.versions(),
    }
    print(json.dumps(summary, indent=1))
    if args.write:
        path = ROOT / "screening" / "model" / "shipped" / "encoder" / "encoder.json"
        config = json.loads(path.read_text())
        config["skip_below"] = gate
        config["cascade"] = summary
        path.write_text(json.dumps(config, indent=1) + "\n")


if __name__ == "__main__":
    main()
