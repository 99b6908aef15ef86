"""Load a trained screening model from its directory (JSON + .npz, never pickle) and score texts with it."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .encoder import Encoder
from .files import CONFIG, MANIFEST, SHIPPED_DIR, WEIGHTS

if TYPE_CHECKING:
    from .features import Featurizer

__all__ = ["CONFIG", "MANIFEST", "SHIPPED_DIR", "WEIGHTS", "Head", "ScreeningModel", "rescale"]


def rescale(p: np.ndarray, t: float) -> np.ndarray:
    """Map probabilities so that threshold t lands on 0.5, keeping the order (0 → 0, t → 0.5, 1 → 1).

    The common scale the scorer reports every head on (screening.model.scorer), and the one a community's cut is
    set on; training uses it too, to store each head's cross-validated curve over the cuts an admin may choose."""
    t = min(max(t, 1e-6), 1 - 1e-6)
    return np.where(p < t, 0.5 * p / t, 0.5 + 0.5 * (p - t) / (1 - t))


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
    def __init__(
        self,
        featurizer: "Featurizer",
        heads: list[Head],
        coef: np.ndarray,
        intercept: np.ndarray,
        version: str,
        encoder: Encoder | None = None,
    ) -> None:
        self.featurizer = featurizer
        self.coef = coef  # (n_features, n_heads), float32
        self.intercept = intercept  # (n_heads,)
        self.index = {h.name: i for i, h in enumerate(heads)}
        self.encoder = encoder if encoder is not None and encoder.config.head in self.index else None
        self.version = f"{version}+{self.encoder.version}" if self.encoder else version
        if self.encoder:
            # The refined head's probability becomes the blend, so its threshold is the blend's.
            i = self.index[self.encoder.config.head]
            heads = [*heads[:i], replace(heads[i], threshold=self.encoder.config.threshold), *heads[i + 1 :]]
        self.heads = heads

    @classmethod
    def load(cls, directory: Path | str = SHIPPED_DIR, *, encoder: bool = True) -> "ScreeningModel":
        """The model in `directory`; with `encoder`, its second stage too when the directory has one."""
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
        second = Encoder.find(d) if encoder else None
        from .features import Featurizer  # scikit-learn: imported when a model loads, not by every process at start

        return cls(Featurizer(config["features"], idf), heads, coef, intercept, str(config["version"]), second)

    def probabilities(self, texts: Sequence[str], kinds: Sequence[str] | None = None) -> np.ndarray:
        """(len(texts), n_heads) probabilities of the positive class for every head. `kinds` (default: all
        "issue_comment", as `Text`) says which texts the encoder refines: those its head applies to."""
        if not texts:
            return np.zeros((0, len(self.heads)), dtype=np.float32)
        cleaned = self.featurizer.clean(texts)
        x = self.featurizer.transform_cleaned(cleaned)
        z = np.asarray(x @ self.coef) + self.intercept
        probs = 1.0 / (1.0 + np.exp(-z))
        if self.encoder:
            i = self.index[self.encoder.config.head]
            applies = self.heads[i].kinds
            # The cascade: a text the linear head puts under the gate keeps its linear probability (under the blend's
            # threshold, so not flagged); every other text it applies to gets the average with the encoder's.
            gate = self.encoder.config.skip_below
            rows = [j for j, kind in enumerate(kinds or ["issue_comment"] * len(texts)) if kind in applies and probs[j, i] >= gate]
            if rows:
                same_preparation = self.encoder.config.max_chars == int(self.featurizer.params["max_chars"])
                own = (
                    self.encoder.probabilities_of_prepared([cleaned[j] for j in rows])
                    if same_preparation
                    else self.encoder.probabilities([texts[j] for j in rows])
                )
                probs[rows, i] = (probs[rows, i] + own) / 2
        return probs
