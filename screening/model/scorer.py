"""DefaultScorer: the shipped linear model plus the private-information detector, as policy-category Findings.

Each model head has its own threshold (chosen by cross-validation on its training folds). To report one score
per category, every head's probability is mapped onto a common scale where its own threshold sits at 0.5
(piecewise linear, order-preserving), and a category takes the highest of its heads that apply to the text's
kind. So `Finding.threshold` is 0.5 for model categories, and `score >= 0.5` means "some head flagged it".
"""

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from django.conf import settings

from screening.pii import find_private_information
from screening.scoring import Finding, Text

from .runtime import SHIPPED_DIR, ScreeningModel, rescale

CATEGORY_THRESHOLD = 0.5
PII_THRESHOLD = 0.5
PII_VERSION = "pii1"
# The kinds of the scoring contract that no head was trained on use the nearest trained kind.
_FALLBACK_KIND = "issue_comment"


def model_dir() -> Path:
    """A retrained model when settings name one (`manage.py retrain_screening --out`), else the shipped files."""
    configured = settings.STEWARD_SCREENING_MODEL_DIR
    return Path(configured) if configured else SHIPPED_DIR


class DefaultScorer:
    """Scores texts for the policy's categories. The model loads on first use, once per process."""

    _model: ScreeningModel | None = None
    _model_from: tuple[Path, bool] | None = None
    _lock = threading.Lock()

    def __init__(self, directory: Path | str | None = None, *, encoder: bool | None = None) -> None:
        self._directory = Path(directory) if directory else None
        self._encoder = encoder  # None: as settings.STEWARD_SCREENING_ENCODER says

    @property
    def model(self) -> ScreeningModel:
        encoder = settings.STEWARD_SCREENING_ENCODER if self._encoder is None else self._encoder
        source = (self._directory or model_dir(), bool(encoder))
        cls = type(self)
        if cls._model is None or cls._model_from != source:
            with cls._lock:
                if cls._model is None or cls._model_from != source:
                    cls._model = ScreeningModel.load(source[0], encoder=source[1])
                    cls._model_from = source
        return cls._model

    @property
    def version(self) -> str:
        return f"{self.model.version}+{PII_VERSION}"

    def score(self, texts: Sequence[Text]) -> list[list[Finding]]:
        if not texts:
            return []
        model = self.model
        kinds = [t.kind if any(t.kind in h.kinds for h in model.heads) else _FALLBACK_KIND for t in texts]
        probs = model.probabilities([t.text for t in texts], kinds)
        scaled = np.stack([rescale(probs[:, i], h.threshold) for i, h in enumerate(model.heads)], axis=1) if len(model.heads) else probs
        out: list[list[Finding]] = []
        for row, (text, kind) in enumerate(zip(texts, kinds, strict=True)):
            findings: dict[str, Finding] = {}
            for i, head in enumerate(model.heads):
                if kind not in head.kinds:
                    continue
                s = float(scaled[row, i])
                best = findings.get(head.category)
                if best is None or s > best.score:
                    findings[head.category] = Finding(head.category, round(s, 4), CATEGORY_THRESHOLD, head.why)
            hits = find_private_information(text.text, text.author, text.kind)
            if hits:
                top = max(h.score for h in hits)
                why = "; ".join(dict.fromkeys(h.why for h in hits))
                findings["private-information"] = Finding("private-information", top, PII_THRESHOLD, why)
            else:
                findings["private-information"] = Finding("private-information", 0.0, PII_THRESHOLD, "no private information found")
            out.append(sorted(findings.values(), key=lambda f: -f.score))
        return out
