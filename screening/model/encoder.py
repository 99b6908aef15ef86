"""The second stage of the default model: a fine-tuned MiniLM encoder averaged with one linear head.

A small transformer reads word order and tone that a bag of n-grams cannot ("well, *that* went great"), and on
heated issue threads it lifts cross-validated F1 well above the linear head (docs/screening.md). It runs as an
int8 ONNX graph through onnxruntime on the CPU; torch is only needed to train it (scripts/encoder/train.py).

The encoder directory holds `model.onnx`, `tokenizer.json` and `encoder.json` (which head it refines, the blend
threshold chosen by cross-validation, the cascade's gate, and the sha256 of both files). Loading checks both
hashes, so only the files the training script wrote are ever parsed. The session loads on first use, once per
process.

The encoder costs a hundred times the linear path per text, so it runs only where it can matter (a cascade, as
`ScreeningModel.probabilities` applies it): a text whose linear probability is under `skip_below` keeps that
probability, and the gate is chosen by cross-validation so that it costs at most a stated sliver of the blend's
recall (scripts/encoder/cascade_gate.py). Texts already seen are answered from a bounded cache. Neither depends on
what else is in a batch: each text still runs alone, and its score is a function of the text only.
"""

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
    # The cascade: under this linear probability the encoder is not run (0: always run). encoder.json files written
    # before the cascade have no gate, and keep running the encoder on every text.
    skip_below: float = field(default=0.0)


# Remembered encoder probabilities, by the digest of the prepared text: bot messages, templates and "+1"s repeat in
# a backfill. 50,000 digests and floats are a few MB.
CACHE_SIZE = 50_000


class Encoder:
    def __init__(self, directory: Path, config: EncoderConfig) -> None:
        self.directory = directory
        self.config = config
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self._threads = 1
        self._side_by_side: Any = None
        self._workers: ThreadPoolExecutor | None = None
        self._workers_pid = 0
        self._cache: OrderedDict[bytes, float] = OrderedDict()
        self._cache_lock = threading.Lock()

    @classmethod
    def find(cls, model_dir: Path) -> "Encoder | None":
        """The encoder stored with a model directory, if it has one (its config is read now, its graph later)."""
        path = model_dir / DIRECTORY / CONFIG
        if not path.is_file():
            return None
        raw = json.loads(path.read_text())
        fields = {name: raw[name] for name in EncoderConfig.__dataclass_fields__ if name in raw}
        return cls(path.parent, EncoderConfig(**fields))

    @property
    def version(self) -> str:
        """The encoder's version, and its gate when it has one (the gate changes the scores of the texts it skips)."""
        return f"{self.config.version}-gate{self.config.skip_below:.4g}" if self.config.skip_below else self.config.version

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
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.directory / TOKENIZER))
            tokenizer.enable_truncation(self.config.max_tokens)
            tokenizer.no_padding()  # each text runs alone (see probabilities), so nothing is padded
            # Threads per process (0: one per core). With several workers on a machine, 1 gives each worker a core
            # instead of every worker contending for all of them (operations.md).
            self._threads = int(os.environ.get("STEWARD_SCREENING_THREADS", "0")) or os.cpu_count() or 1
            self._tokenizer = tokenizer
            self._session = self._open(self._threads)

    def _side_by_side_runner(self) -> tuple[Any, ThreadPoolExecutor] | None:
        """A second session, one thread per run, and a worker per core: for the texts of a batch (opened with the first).

        One text's run splits its matrix products over the threads (latency). A batch's texts run side by side
        instead, one thread each: small matrices split badly across cores, whole texts do not. Both sessions compute
        the same numbers for a text (tested), so a text's score does not depend on which one ran it.
        """
        if self._threads < 2:
            return None
        with self._lock:
            if self._side_by_side is None:
                self._side_by_side = self._open(1)
            # A forked child inherits the pool but not its threads: work sent to it would wait forever.
            if self._workers is None or self._workers_pid != os.getpid():
                self._workers = ThreadPoolExecutor(self._threads, thread_name_prefix="screening-encoder")
                self._workers_pid = os.getpid()
        return self._side_by_side, self._workers

    def _open(self, threads: int) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        options.intra_op_num_threads = threads
        # Idle threads sleep instead of spinning: on a machine shared with the web server, the database or other
        # workers, spinning threads took the cores those need (measured: one-text scoring 3x slower under load).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return onnxruntime.InferenceSession(str(self.directory / MODEL), options, providers=["CPUExecutionProvider"])

    @staticmethod
    def _run(session: Any, ids: list[int]) -> float:
        row = np.array([ids], dtype=np.int64)
        (logit,) = session.run(["logit"], {"input_ids": row, "attention_mask": np.ones_like(row)})
        return float(1.0 / (1.0 + np.exp(-logit[0])))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """The encoder's probability that each text is uncivil, prepared exactly as in training."""
        return self.probabilities_of_prepared([neutralise(t[: self.config.max_chars]) for t in texts])

    def probabilities_of_prepared(self, prepared: Sequence[str]) -> np.ndarray:
        """As `probabilities`, for texts already cut to `max_chars` and neutralised (the linear features did it).

        One text per run: the int8 graph quantises its activations with one range per run, so a text batched with
        others would score differently (by up to 0.18 here) than alone. Batching would gain nothing on this CPU
        anyway (per text, a batch of 8 or 32 same-length texts costs as much CPU time as one run each; measured,
        docs/screening.md), so texts run one per run, side by side on the cores.
        """
        out = np.zeros(len(prepared), dtype=np.float32)
        keys = [hashlib.blake2b(t.encode(), digest_size=16).digest() for t in prepared]
        with self._cache_lock:
            known = {k: self._cache[k] for k in keys if k in self._cache}
        first = {k: j for j, k in reversed(list(enumerate(keys)))}  # a text repeated within the batch runs once
        todo = sorted(j for k, j in first.items() if k not in known)
        if todo:
            self._load()
            encoded = [e.ids for e in self._tokenizer.encode_batch([prepared[j] for j in todo])]
            runner = self._side_by_side_runner() if len(todo) > 1 else None
            if runner:
                session, workers = runner
                found = list(workers.map(lambda ids: self._run(session, ids), encoded))
            else:
                found = [self._run(self._session, ids) for ids in encoded]
            known.update((keys[j], p) for j, p in zip(todo, found, strict=True))
            with self._cache_lock:
                for j in todo:
                    self._cache[keys[j]] = known[keys[j]]
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        for j, k in enumerate(keys):
            out[j] = known[k]
        return out

    def forget(self) -> None:
        """Empty the cache of seen texts (the benchmark times unseen texts)."""
        with self._cache_lock:
            self._cache.clear()
