"""What the cascade's gate and a shorter token cap do to the blended decision, on out-of-fold linear probabilities.

    .venv/bin/python scripts/encoder/cascade_gate.py            # first: the out-of-fold linear probabilities
    .venv/bin/python scripts/encoder/cascade_effect.py [--tokens 128 64] [--gate G]

For every row of the `issue_incivility` head (VCU, and its auxiliary sources STRUDEL and the sexism set) it blends
the head's out-of-fold linear probability (cascade_gate.py's folds: the shipped head's protocol) with the shipped
encoder's probability, at each token cap, with and without the gate, and reports P / R / F1 at the blend's threshold,
PR-AUC and the share of texts the encoder runs on. STRUDEL and the sexism set are held out for both halves (the
encoder trained on VCU only, the linear half never on the fold it scores); on VCU the shipped encoder has seen
every row, so its VCU figures flatter the blend: read the VCU rows for the *difference* the gate or the cap makes,
not for the level (the level is the fold-by-fold CV in docs/screening.md). Needs no torch.
"""

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from screening.model import training  # noqa: E402
from screening.model.digest import sha256  # noqa: E402
from screening.model.encoder import Encoder  # noqa: E402
from screening.model.runtime import SHIPPED_DIR  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "screening"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, nargs="+", default=[128, 64])
    parser.add_argument("--gate", type=float, default=None, help="default: the shipped encoder.json's skip_below")
    args = parser.parse_args()
    ds = training.load_shared(DATA)
    head = next(h for h in training.HEADS if h["name"] == "issue_incivility")
    idx, _, _ = training.head_rows(ds, head)
    texts = [ds.rows[i].text for i in idx]
    encoder = Encoder.find(SHIPPED_DIR)
    assert encoder is not None
    gate = encoder.config.skip_below if args.gate is None else args.gate
    threshold = encoder.config.threshold
    encoded = {}
    for tokens in args.tokens:  # the encoder's probabilities take minutes: kept in var/ for another --gate
        path = ROOT / "var" / f"cascade-encoder-{encoder.config.version}-{tokens}.npy"
        if not path.is_file():
            path.parent.mkdir(exist_ok=True)
            np.save(path, Encoder(encoder.directory, replace(encoder.config, max_tokens=tokens)).probabilities(texts))
        encoded[tokens] = np.load(path, allow_pickle=False)
    cache = ROOT / "var" / f"cascade-oof-{sha256(DATA / 'vcu_locked_issues.csv')[:12]}.npz"
    with np.load(cache, allow_pickle=False) as f:
        oof, y, sources = f["oof"], f["y"], f["sources"]
    report = []
    for tokens, own in encoded.items():
        for g in (0.0, gate):
            ran = oof >= g
            blend = np.where(ran, (oof + own) / 2, oof)
            for source in ("vcu_locked_issues", "strudel_comments", "github_sexism"):
                m = sources == source
                pred = blend[m] >= threshold
                report.append(
                    {
                        "tokens": tokens,
                        "gate": g,
                        "source": source,
                        "precision": round(float(precision_score(y[m], pred, zero_division=0)), 4),
                        "recall": round(float(recall_score(y[m], pred, zero_division=0)), 4),
                        "f1": round(float(f1_score(y[m], pred, zero_division=0)), 4),
                        "pr_auc": round(float(average_precision_score(y[m], blend[m])), 4),
                        "encoder_runs": round(float(ran[m].mean()), 4),
                        "flags_civil": round(float(pred[y[m] == 0].mean()), 4),
                    }
                )
                print(json.dumps(report[-1]), flush=True)
    out = ROOT / "var" / "cascade-effect.json"
    out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
