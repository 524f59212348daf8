"""The lexical layer: how much of an example's wording an utterance has, tolerant of recognition errors.

Two measures, the larger wins: the Dice overlap of character fingerprints (trigrams of English words,
characters and bigrams of Chinese), and a fuzzy word overlap for English where each content word
counts by its closest spelling in the other text ("guarantied" ~ "guaranteed", "many" ~ "money").
"""

from __future__ import annotations

from difflib import SequenceMatcher
from functools import lru_cache

MIN_WORD_SIMILARITY = 0.6  # below this two words are different words, not a slip of one
# Word-by-word comparison is quadratic; a text this long is an e-mail, compared clause by clause.
MAX_FUZZY_WORDS = 40


@lru_cache(maxsize=65536)
def word_similarity(a: str, b: str) -> float:
    """0..1: 1 for the same word, 0.8 or more for one stem ("guarantee"/"guaranteed"), 0 if unrelated."""
    if a == b:
        return 1.0
    ratio = SequenceMatcher(None, a, b).ratio()
    if len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5]:
        ratio = max(ratio, 0.8)
    return ratio if ratio >= MIN_WORD_SIMILARITY else 0.0


def fuzzy_word_overlap(ours: tuple[str, ...], theirs: tuple[str, ...]) -> float:
    """F1 of soft word matches between two lists of English content words (0 for Chinese text)."""
    if not ours or not theirs or max(len(ours), len(theirs)) > MAX_FUZZY_WORDS:
        return 0.0
    if any(len(w) == 1 and not w.isascii() for w in ours + theirs):
        return 0.0
    covered_ours = sum(max(word_similarity(a, b) for b in theirs) for a in ours) / len(ours)
    covered_theirs = sum(max(word_similarity(a, b) for a in ours) for b in theirs) / len(theirs)
    total = covered_ours + covered_theirs
    return 2 * covered_ours * covered_theirs / total if total else 0.0


def dice(ours: frozenset[str], theirs: frozenset[str]) -> float:
    """Dice overlap of two fingerprints (0..1): symmetric, so a long text does not contain everything."""
    if not ours or not theirs:
        return 0.0
    return 2 * len(ours & theirs) / (len(ours) + len(theirs))
