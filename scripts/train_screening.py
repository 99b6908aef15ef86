"""Train the shipped screening model from ../shared/data/screening/ and write screening/model/shipped/.

    .venv/bin/python scripts/train_screening.py [--data DIR] [--out DIR] [--no-cv]

Cross-validation (group-aware, thresholds chosen on training folds only) takes a few minutes on 2 cores;
its figures go into the manifest and docs/screening.md.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening.model.runtime import SHIPPED_DIR  # noqa: E402
from screening.model.training import load_shared, train  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "screening")
    ap.add_argument("--out", type=Path, default=SHIPPED_DIR)
    ap.add_argument("--no-cv", action="store_true", help="skip the cross-validated figures (faster)")
    args = ap.parse_args()
    start = time.perf_counter()
    ds = load_shared(args.data)
    print(f"{len(ds.rows)} rows from {len(ds.files)} files")
    train(ds, args.out, cross_validate=not args.no_cv)
    print(f"done in {time.perf_counter() - start:.0f} s → {args.out}")


if __name__ == "__main__":
    main()
