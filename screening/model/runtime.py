"""Load a trained screening model from its directory (JSON + .npz, never pickle) and score texts with it."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .features import Featurizer

SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"
CONFIG = "config.json"
WEIGHTS = "weights.npz"
MANIFEST = "MANIFEST.json"


@dataclass(frozen=True)
class Head:
    """One linear classifier over the shared features: what it was trained on and how its score is used."""

    name: str
    category: str  # the policy category its score feeds
    kinds: tuple[str, ...]  # the item kinds it applies to
    threshold: float  # chosen by cross-validation on training folds only
    why: str
    sources: tuple[str, ...]


class ScreeningModel:
    def __init__(self, featurizer: Featurizer, heads: list[Head], coef: np.ndarray, intercept: np.ndarray, version: str) -> None:
        self.featurizer = featurizer
        self.heads = heads
        self.coef = coef  # (n_features, n_heads), float32
        self.intercept = intercept  # (n_heads,)
        self.version = version
        self.index = {h.name: i for i, h in enumerate(heads)}

    @classmethod
    def load(cls, directory: Path | str = SHIPPED_DIR) -> "ScreeningModel":
        d = Path(directory)
        config: dict[str, Any] = json.loads((d / CONFIG).read_text())
        # allow_pickle=False: a model directory can come from a retrain; it must never run code on load.
        with np.load(d / WEIGHTS, allow_pickle=False) as w:
            idf = {"word": w["idf_word"], "char": w["idf_char"]}
            coef = w["coef"].astype(np.float32)
            intercept = w["intercept"].astype(np.float32)
        heads = [
            Head(h["name"], h["category"], tuple(h["kinds"]), float(h["threshold"]), h["why"], tuple(h["sources"])) for h in config["heads"]
        ]
        return cls(Featurizer(config["features"], idf), heads, coef, intercept, str(config["version"]))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), n_heads) probabilities of the positive class for every head."""
        if not texts:
            return np.zeros((0, len(self.heads)), dtype=np.float32)
        x = self.featurizer.transform(texts)
        z = np.asarray(x @ self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))
