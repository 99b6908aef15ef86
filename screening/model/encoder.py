"""The second stage of the default model: a fine-tuned MiniLM encoder averaged with one linear head.

A small transformer reads word order and tone that a bag of n-grams cannot ("well, *that* went great"), and on
heated issue threads it lifts cross-validated F1 well above the linear head (docs/screening.md). It runs as an
int8 ONNX graph through onnxruntime on the CPU; torch is only needed to train it (scripts/encoder/train.py).

The encoder directory holds `model.onnx`, `tokenizer.json` and `encoder.json` (which head it refines, the blend
threshold chosen by cross-validation, and the sha256 of both files). Loading checks both hashes, so only the
files the training script wrote are ever parsed. The session loads on first use, once per process.
"""

import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .digest import sha256
from .preprocess import neutralise

DIRECTORY = "encoder"
CONFIG = "encoder.json"
MODEL = "model.onnx"
TOKENIZER = "tokenizer.json"


class EncoderIntegrityError(RuntimeError):
    """The encoder's files are not the ones its config was written for."""


@dataclass(frozen=True)
class EncoderConfig:
    head: str  # the linear head whose probability is averaged with the encoder's
    threshold: float  # on the averaged probability
    max_tokens: int
    max_chars: int
    version: str
    model_sha256: str
    tokenizer_sha256: str


class Encoder:
    def __init__(self, directory: Path, config: EncoderConfig) -> None:
        self.directory = directory
        self.config = config
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @classmethod
    def find(cls, model_dir: Path) -> "Encoder | None":
        """The encoder stored with a model directory, if it has one (its config is read now, its graph later)."""
        path = model_dir / DIRECTORY / CONFIG
        if not path.is_file():
            return None
        raw = json.loads(path.read_text())
        fields = {name: raw[name] for name in EncoderConfig.__dataclass_fields__}
        return cls(path.parent, EncoderConfig(**fields))

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def altered(self) -> list[str]:
        """The names of the encoder's files that are missing or differ from the sha256 its config records."""
        expected = {MODEL: self.config.model_sha256, TOKENIZER: self.config.tokenizer_sha256}
        return [
            name for name, digest in expected.items() if not (self.directory / name).is_file() or sha256(self.directory / name) != digest
        ]

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            altered = self.altered()
            if altered:
                raise EncoderIntegrityError(f"{', '.join(altered)} in {self.directory} do not match the sha256 in {CONFIG}")
            import onnxruntime
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.directory / TOKENIZER))
            tokenizer.enable_truncation(self.config.max_tokens)
            tokenizer.no_padding()  # each text runs alone (see probabilities), so nothing is padded
            options = onnxruntime.SessionOptions()
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.log_severity_level = 3
            # Threads per process (0: one per core, onnxruntime's default). With several workers on a machine, 1
            # gives each worker a core instead of every worker contending for all of them (operations.md).
            options.intra_op_num_threads = int(os.environ.get("STEWARD_SCREENING_THREADS", "0"))
            self._tokenizer = tokenizer
            self._session = onnxruntime.InferenceSession(str(self.directory / MODEL), options, providers=["CPUExecutionProvider"])

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """The encoder's probability that each text is uncivil, prepared exactly as in training.

        One text per run: the int8 graph quantises its activations with one range per run, so a text batched with
        others would score differently (by up to 0.18 here) than alone. Alone, a text's score depends on the
        text only; it costs about half the throughput of batches (docs/screening.md, "Speed and size").
        """
        if not texts:
            return np.zeros(0, dtype=np.float32)
        self._load()
        out = np.zeros(len(texts), dtype=np.float32)
        for row, encoded in enumerate(self._tokenizer.encode_batch([neutralise(t[: self.config.max_chars]) for t in texts])):
            ids = np.array([encoded.ids], dtype=np.int64)
            (logit,) = self._session.run(["logit"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})
            out[row] = 1.0 / (1.0 + np.exp(-logit[0]))
        return out
