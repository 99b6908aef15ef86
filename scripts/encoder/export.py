"""Export a fine-tuned encoder classifier to ONNX and quantise it to int8, so Steward scores it without torch.

The graph takes `input_ids` and `attention_mask` (int64, batch x tokens, both axes dynamic) and returns `logit`
(batch). Dynamic int8 quantisation of the weights (onnxruntime.quantization) keeps the file near 23 MB and makes
scoring on CPU about twice as fast; cross_validate.py --int8 measures what it costs in F1.
"""

import tempfile
from pathlib import Path

import numpy as np
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic


def export_int8(model: torch.nn.Module, target: Path) -> Path:
    model.eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "encoder-fp32.onnx"
        torch.onnx.export(
            model,
            (ids, mask),
            str(full),
            input_names=["input_ids", "attention_mask"],
            output_names=["logit"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}, "logit": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        quantize_dynamic(str(full), str(target), weight_type=QuantType.QInt8)
    return target


def onnx_probabilities(path: Path, batches: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out = [session.run(["logit"], {"input_ids": ids.astype(np.int64), "attention_mask": mask.astype(np.int64)})[0] for ids, mask in batches]
    return 1 / (1 + np.exp(-np.concatenate(out)))
