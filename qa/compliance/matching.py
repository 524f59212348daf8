"""How well one utterance matches one rule: sentence vectors and a lexical layer, one score.

The sentence encoder carries paraphrase and language ("I promise this will make you money", "保证赚钱");
the lexical layer carries recognition errors the encoder is thrown by ("guarantied to make many":
cosine 0.34, yet nearly the example's words). They combine as a soft "or": lexical overlap lifts the
cosine towards 1 in proportion to what the cosine leaves, squared so a word or two in common (a
partial overlap) lifts little. A pair only counts when the utterance and the example agree on
negation (:mod:`qa.compliance.negation`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qa.compliance.lexical import dice, fuzzy_word_overlap
from qa.compliance.negation import STOPWORDS, content_words, same_polarity
from qa.compliance.text import grams, normalise, units

LEXICAL_WEIGHT = 0.6  # how far full lexical overlap lifts the cosine towards 1
# Calibrated on the non-held-out part of tests/data/qa/compliance_cases.yaml (bench/qa_compliance.py).
DEFAULT_THRESHOLD = 0.62


class SentenceEncoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def combine(cosine: float, lexical: float) -> float:
    """One score in 0..1 from the cosine and the lexical overlap."""
    base = max(0.0, cosine)
    return base + (1.0 - base) * LEXICAL_WEIGHT * lexical**2


@dataclass(frozen=True)
class Match:
    score: float
    unit: str
    example: str


@dataclass(frozen=True)
class Lexicon:
    """The lexical view of a text: its fingerprint and its content words."""

    fingerprint: frozenset[str]
    words: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Lexicon:
        return cls(grams(text, STOPWORDS), content_words(text))

    def similarity(self, other: Lexicon) -> float:
        return max(dice(self.fingerprint, other.fingerprint), fuzzy_word_overlap(self.words, other.words))


@dataclass(frozen=True)
class EncodedText:
    """An utterance ready to compare: its units (whole text, then clauses), vectors, lexicons."""

    units: list[str]
    vectors: np.ndarray
    lexicons: list[Lexicon]


def encode_text(text: str, encoder: SentenceEncoder) -> EncodedText:
    unit_texts = units(text)
    return EncodedText(unit_texts, encoder.encode(unit_texts), [Lexicon.of(u) for u in unit_texts])


class ExampleIndex:
    """The examples of one rule with their vectors and lexicons, computed once."""

    def __init__(self, examples: Sequence[str], vectors: np.ndarray) -> None:
        self.examples = [normalise(e) for e in examples]
        self.vectors = vectors
        self.lexicons = [Lexicon.of(e) for e in self.examples]

    def best(self, text: EncodedText) -> Match:
        """The best-scoring (unit, example) pair that agrees on negation; score 0 when none does."""
        cosines = text.vectors @ self.vectors.T
        best = Match(0.0, "", "")
        for u, unit in enumerate(text.units):
            for e, example in enumerate(self.examples):
                score = combine(float(cosines[u, e]), text.lexicons[u].similarity(self.lexicons[e]))
                if score > best.score and same_polarity(unit, example):
                    best = Match(score, unit, example)
        return best
