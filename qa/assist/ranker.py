"""Knowledge-base answers for what a customer just said: the top articles with their source.

Each article is indexed as several views (its title, its title with the start of its body, and its
first body sentences), encoded once by the shared multilingual sentence encoder; a question's
semantic score for an article averages its best view's cosine with its title's and its lead's, so
one precise sentence deep in an article counts without a stray sentence taking over, and an
English question still finds a Chinese article. A BM25 layer over stemmed words and
Chinese bigrams adds exact-term evidence (product names, "invoice" vs "receipt") that sentence
vectors blur. Articles in the customer's language get a small bonus, so when the knowledge base has
the same answer in English and Chinese, the caller's version comes first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.assist.lexical import Bm25Index
from qa.assist.text import joined_pairs, sentences, tokens
from qa.encoder import SentenceEncoder, shared_encoder
from qa.language import detect_language

# Calibrated on tests/data/qa (83 questions, English and Chinese): top-1 is flat from 0.3 to 0.4
# lexical weight; a larger language bonus starts to bury cross-language answers.
LEXICAL_WEIGHT = 0.35
LANGUAGE_BONUS = 0.02
SENTENCE_VIEWS = 6  # body sentences indexed per article; later ones rarely carry the topic
LEAD_CHARS = 300  # body start that goes with the title into one view
SNIPPET_CHARS = 200
TITLE_REPEAT = 2  # title words count twice in BM25: titles name the topic


@dataclass(frozen=True)
class KbEntry:
    key: str
    title: str
    body: str
    language: str = "en"
    article_id: int | None = None


@dataclass(frozen=True)
class Suggestion:
    article_key: str
    title: str
    snippet: str
    source: str
    rank: int
    score: float


@dataclass(frozen=True)
class _View:
    entry: int
    sentence: int | None  # index into the body sentences, None for title views


class KbRanker:
    """Immutable index over knowledge-base entries; vectors are computed once, here."""

    def __init__(self, entries: Sequence[KbEntry], encoder: SentenceEncoder | None = None) -> None:
        self.entries: tuple[KbEntry, ...] = tuple(entries)
        self._encoder = encoder or shared_encoder()
        self._sentences = [sentences(e.body) for e in self.entries]
        texts: list[str] = []
        views: list[_View] = []
        for index, entry in enumerate(self.entries):
            texts += [entry.title, f"{entry.title}. {entry.body[:LEAD_CHARS]}"]
            views += [_View(index, None), _View(index, None)]
            for number, sentence in enumerate(self._sentences[index][:SENTENCE_VIEWS]):
                texts.append(sentence)
                views.append(_View(index, number))
        self._views = views
        self._owners = np.array([v.entry for v in views], dtype=np.int64)
        # Row of each entry's title view; its title-with-lead view is the next row.
        self._title_rows = np.array(
            [i for i, v in enumerate(views) if v.sentence is None][::2], dtype=np.int64
        )
        self._vectors = self._encoder.encode(texts) if texts else np.zeros((0, 512), np.float32)
        self._lexical = Bm25Index(
            [tokens(" ".join([e.title] * TITLE_REPEAT + [e.body])) for e in self.entries]
        )

    def __len__(self) -> int:
        return len(self.entries)

    def scores(self, text: str, *, language: str | None = None) -> tuple[np.ndarray, list[int | None]]:
        """Per entry: the combined score and the body sentence that matched best (None: the title)."""
        count = len(self.entries)
        if count == 0 or not text.strip():
            return np.zeros(count), [None] * count
        language = language or detect_language(text)
        cosines = self._vectors @ self._encoder.encode_one(text)
        best = np.full(count, -1.0)
        np.maximum.at(best, self._owners, cosines)
        semantic = (best + cosines[self._title_rows] + cosines[self._title_rows + 1]) / 3
        best_view: list[int | None] = [None] * count
        for view_index in np.argsort(-cosines):
            view = self._views[int(view_index)]
            if best_view[view.entry] is None and cosines[view_index] >= best[view.entry] - 1e-6:
                best_view[view.entry] = int(view_index)
        words = tokens(text) + [t for t in joined_pairs(text) if self._lexical.knows(t)]
        lexical = np.array(self._lexical.scores(words))
        bonus = np.array([LANGUAGE_BONUS if e.language == language else 0.0 for e in self.entries])
        combined = semantic + LEXICAL_WEIGHT * lexical + bonus
        matched = [self._views[v].sentence if v is not None else None for v in best_view]
        return combined, matched

    def suggest(self, text: str, *, language: str | None = None, k: int = 3) -> list[Suggestion]:
        """The ``k`` best entries for ``text``, best first (empty for an empty text or index)."""
        if not self.entries or not text.strip():
            return []
        combined, matched = self.scores(text, language=language)
        order = np.argsort(-combined, kind="stable")[:k]
        return [
            Suggestion(
                article_key=self.entries[i].key,
                title=self.entries[i].title,
                snippet=self._snippet(int(i), matched[int(i)]),
                source=f"kb:{self.entries[i].key}",
                rank=rank,
                score=round(float(combined[i]), 4),
            )
            for rank, i in enumerate(order, start=1)
        ]

    def _snippet(self, index: int, sentence: int | None) -> str:
        parts = self._sentences[index]
        if not parts:
            return self.entries[index].title[:SNIPPET_CHARS]
        start = sentence or 0
        snippet = " ".join(parts[start:]) if self.entries[index].language != "zh" else "".join(parts[start:])
        return snippet[:SNIPPET_CHARS]
