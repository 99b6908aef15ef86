"""Cross-validate alternative training set-ups for some screening heads; print their figures (nothing is written).

    .venv/bin/python scripts/screening_variants.py [--data DIR] [--only NAME ...]

The numbers in docs/screening.md ("Variants tried") come from this script. Each variant is the shipped head's
definition (screening.model.training.HEADS) with other auxiliary rows or weights, measured with the same
group-aware outer/inner protocol as the shipped figures. Choosing among variants by these figures would itself
use the test folds, so a chosen variant's figure is slightly optimistic; they are reported, not shipped.
"""

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening.model import training  # noqa: E402
from screening.model.features import DEFAULT_PARAMS, Featurizer  # noqa: E402

HOSTILE_SOURCES = ("vcu_locked_issues", "strudel_comments", "inclusive_code_reviews", "toxicr")
HOSTILE_AS_NEGATIVES = dict.fromkeys(HOSTILE_SOURCES, "positives-as-negatives")


def variants() -> list[tuple[str, dict[str, Any]]]:
    heads = {head["name"]: head for head in training.HEADS}
    sexism, strudel, issues = heads["sexism"], heads["issue_toxicity"], heads["issue_incivility"]
    return [
        ("sexism: shipped (other sources' rows as negatives, weight 1)", sexism),
        ("sexism: auxiliary negatives weighted 0.3", {**sexism, "aux_weight": 0.3}),
        ("sexism: auxiliary negatives weighted 0.1", {**sexism, "aux_weight": 0.1}),
        ("sexism: only other sources' uncivil rows as negatives", {**sexism, "aux": HOSTILE_AS_NEGATIVES}),
        ("sexism: no auxiliary rows", {**sexism, "aux": {}}),
        ("strudel: shipped (own rows only)", strudel),
        ("strudel: + VCU labels weighted 0.3", {**strudel, "aux": {"vcu_locked_issues": "labels"}, "aux_weight": 0.3}),
        ("strudel: + VCU labels weighted 0.5", {**strudel, "aux": {"vcu_locked_issues": "labels"}, "aux_weight": 0.5}),
        ("issues: + Ferreira sentences' labels", {**issues, "aux": {**issues["aux"], "ferreira_incivility": "labels"}}),
        ("issues: auxiliary rows weighted 0.5", {**issues, "aux_weight": 0.5}),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "screening")
    ap.add_argument("--only", nargs="*", default=[], help="run the variants whose name starts with one of these")
    args = ap.parse_args()
    ds = training.load_shared(args.data)
    feat = Featurizer(DEFAULT_PARAMS)
    counts = feat.counts(feat.clean(row.text for row in ds.rows))
    groups = np.array([row.group for row in ds.rows])
    negatives = np.array([row.label == 0 for row in ds.rows])
    print(f"{'variant':64} {'P':>6} {'R':>6} {'F1':>6} {'PR-AUC':>7} {'flags elsewhere':>16}")
    for name, head in variants():
        if args.only and not any(name.startswith(prefix) for prefix in args.only):
            continue
        start = time.perf_counter()
        idx, y, own = training.head_rows(ds, head)
        m = training.cross_validate_head(feat, counts, groups, head, idx, y, own, negatives, log=lambda _: None)
        print(
            f"{name:64} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['pr_auc']:7.3f} "
            f"{m['flags_other_negatives']:15.1%}  ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
