"""BM25 over the assist tokens, scaled to about 0..1 so it can be added to a cosine.

A raw BM25 sum grows with the length of the question; dividing by the best score the question's
own known tokens could reach (each matched with a saturated term frequency) keeps a two-word
question and a rambling caller turn on the same scale.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

K1 = 1.2
B = 0.75


class Bm25Index:
    """Immutable BM25 index over tokenised documents."""

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self._counts = [Counter(doc) for doc in documents]
        self._lengths = [len(doc) for doc in documents]
        self._average = (sum(self._lengths) / len(self._lengths)) if self._lengths else 0.0
        frequency: Counter[str] = Counter()
        for counts in self._counts:
            frequency.update(counts.keys())
        total = len(documents)
        self._idf = {term: math.log(1 + (total - n + 0.5) / (n + 0.5)) for term, n in frequency.items()}
        self._postings: dict[str, list[int]] = {}
        for index, counts in enumerate(self._counts):
            for term in counts:
                self._postings.setdefault(term, []).append(index)

    def knows(self, term: str) -> bool:
        return term in self._idf

    def scores(self, query: Sequence[str]) -> list[float]:
        """One score per document in 0..1 (1: every known query term, saturated, in that document)."""
        out = [0.0] * len(self._counts)
        # Terms no document has still count in the ceiling (as the rarest term would), so one
        # common shared word ("order") is not full evidence for a question mostly about other things.
        unseen = math.log(1 + (len(self._counts) + 0.5) / 0.5)
        terms = set(query)
        ceiling = sum(self._idf.get(t, unseen) for t in terms)  # tf=1 at average length
        if ceiling <= 0:
            return out
        for term in terms & self._idf.keys():
            idf = self._idf[term]
            for index in self._postings[term]:
                tf = self._counts[index][term]
                norm = K1 * (1 - B + B * self._lengths[index] / (self._average or 1))
                out[index] += idf * tf * (K1 + 1) / (tf + norm)
        return [min(score / ceiling, 1.5) for score in out]
