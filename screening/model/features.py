"""Hashed word and character n-gram TF-IDF features, rebuilt from JSON parameters (nothing pickled).

Hashing keeps the vectoriser stateless: what inference needs is its parameters (JSON) and one IDF weight per
hashed column (an array in the .npz). Character n-grams catch obfuscated profanity ("f*ck", "stup1d").
"""

import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

from .preprocess import neutralise

DEFAULT_PARAMS: dict[str, Any] = {
    "word": {"analyzer": "word", "ngram_range": [1, 2], "n_features": 2**18, "token_pattern": r"(?u)\b\w+\b|[!?]+"},
    "char": {"analyzer": "char_wb", "ngram_range": [2, 5], "n_features": 2**19},
    "max_chars": 4000,  # long texts are cut: the opening says enough, and it bounds the time per text
}


class WordPieceCache:
    """Character n-gram counts per whitespace-separated word, remembered: the same columns as the vectoriser.

    `char_wb` n-grams never cross a word boundary, so a text's counts are the sum of its words' counts. Words
    repeat (Zipf), so hashing each distinct word once and gathering with numpy is several times faster on long
    texts than generating and hashing every n-gram of every text. The result is identical to
    `HashingVectorizer.transform` (tested). The cache is cleared when it holds `max_words`, which bounds memory.
    """

    def __init__(self, vectorizer: HashingVectorizer, max_words: int = 100_000) -> None:
        self.vectorizer = vectorizer
        self.max_words = max_words
        self._lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self.ids: dict[str, int] = {}
        self.starts = np.zeros(0, dtype=np.int64)
        self.lengths = np.zeros(0, dtype=np.int64)
        self.columns = np.zeros(0, dtype=np.int32)
        self.counts = np.zeros(0, dtype=np.float32)

    def _learn(self, words: list[str]) -> None:
        m = self.vectorizer.transform(words).tocsr()
        m.sum_duplicates()
        self.starts = np.r_[self.starts, len(self.columns) + m.indptr[:-1]].astype(np.int64)
        self.lengths = np.r_[self.lengths, np.diff(m.indptr)].astype(np.int64)
        self.columns = np.r_[self.columns, m.indices].astype(np.int32)
        self.counts = np.r_[self.counts, m.data].astype(np.float32)
        first = len(self.ids)
        self.ids.update((word, first + i) for i, word in enumerate(words))

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        # One model is shared by a process's threads: learning and clearing must not interleave with a lookup.
        with self._lock:
            return self._transform(texts)

    def _transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        split = [text.split() for text in texts]
        new = list(dict.fromkeys(word for words in split for word in words if word not in self.ids))
        if len(self.ids) + len(new) > self.max_words:
            self._clear()
            new = list(dict.fromkeys(word for words in split for word in words))
        if new:
            self._learn(new)
        ids = self.ids
        tokens = np.fromiter((ids[word] for words in split for word in words), dtype=np.int64)
        per_text = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        lengths = self.lengths[tokens]
        total = int(lengths.sum())
        # For every (token, n-gram) pair: where its column sits in the store, and which text it belongs to.
        token_offsets = np.cumsum(lengths) - lengths
        positions = np.repeat(self.starts[tokens] - token_offsets, lengths) + np.arange(total)
        per_text_ngrams = np.bincount(np.repeat(np.arange(len(texts)), per_text), weights=lengths, minlength=len(texts))
        indptr = np.r_[0, np.cumsum(per_text_ngrams)].astype(np.int64)
        n_features = int(self.vectorizer.n_features)
        matrix = sp.csr_matrix((self.counts[positions], self.columns[positions], indptr), shape=(len(texts), n_features))
        matrix.sum_duplicates()
        return matrix


class Featurizer:
    """Text → L2-normalised sublinear TF-IDF rows, one block per vectoriser, side by side."""

    def __init__(self, params: dict[str, Any], idf: dict[str, np.ndarray] | None = None) -> None:
        self.params = params
        self.vectorizers = {name: self._make(params[name]) for name in ("word", "char")}
        char = self.vectorizers["char"]
        self.char_cache = WordPieceCache(char) if char.analyzer == "char_wb" else None
        self.idf = idf or {}

    @staticmethod
    def _make(p: dict[str, Any]) -> HashingVectorizer:
        kw: dict[str, Any] = {
            "analyzer": p["analyzer"],
            "ngram_range": tuple(p["ngram_range"]),
            "n_features": p["n_features"],
            "alternate_sign": False,
            "norm": None,
            "lowercase": True,
            "dtype": np.float32,
        }
        if "token_pattern" in p:
            kw["token_pattern"] = p["token_pattern"]
        return HashingVectorizer(**kw)

    @property
    def n_features(self) -> int:
        return sum(int(self.params[n]["n_features"]) for n in ("word", "char"))

    def clean(self, texts: Iterable[str]) -> list[str]:
        cap = int(self.params["max_chars"])
        return [neutralise(t[:cap]) for t in texts]

    def counts(self, cleaned: Sequence[str]) -> dict[str, sp.csr_matrix]:
        out = {}
        for name, vec in self.vectorizers.items():
            m = self.char_cache.transform(cleaned) if name == "char" and self.char_cache else vec.transform(cleaned).tocsr()
            m.data = 1.0 + np.log(m.data)  # sublinear tf: a word said five times is not five times the insult
            out[name] = m
        return out

    def transform_cleaned(self, cleaned: Sequence[str]) -> sp.csr_matrix:
        return self.weigh(self.counts(cleaned))

    def weigh(self, counts: dict[str, sp.csr_matrix], idf: dict[str, np.ndarray] | None = None) -> sp.csr_matrix:
        """Apply IDF weights to sublinear counts, normalise each block, and put the blocks side by side."""
        idf = idf or self.idf
        blocks = []
        for name, m in counts.items():
            m = m.copy()
            m.data *= idf[name][m.indices]
            blocks.append(normalize(m, copy=False))
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    @staticmethod
    def idf_from(counts: dict[str, sp.csr_matrix], rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Smooth IDF (as TfidfTransformer(smooth_idf=True)) from the document frequencies of `rows`."""
        out = {}
        for name, m in counts.items():
            sub = m if rows is None else m[rows]
            n = sub.shape[0]
            df = np.bincount(sub.indices, minlength=sub.shape[1])
            out[name] = (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)
        return out

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        return self.transform_cleaned(self.clean(texts))
