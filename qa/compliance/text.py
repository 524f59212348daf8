"""Text handling for matching: normalising, splitting into clauses, and the units compared lexically.

English is compared by character trigrams of the normalised words (so "guarantied" still shares most
of its trigrams with "guaranteed", the kind of error a recogniser makes); Chinese, written without
spaces, by characters and character bigrams.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{_HAN}]")
# A token is a run of Latin letters/digits (apostrophes kept: "can't") or one Han character.
_TOKEN = re.compile(rf"[a-z0-9]+(?:'[a-z]+)?|[{_HAN}]")
# Clause boundaries: punctuation, and the conjunctions that start a new statement.
_PUNCTUATION = re.compile(r"[.,;:!?\u3002\uff0c\uff1b\uff1a\uff01\uff1f\u3001\u2026\n]+")
_EN_CONJUNCTIONS = re.compile(
    r"\b(?:and|but|so|because|although|though|however|whereas|while|or)\b", re.IGNORECASE
)
_ZH_CONJUNCTIONS = re.compile(r"但是|可是|不过|然而|而且|并且|所以|因为|因此|虽然|或者")
MAX_CLAUSES = 64  # a long message is checked sentence by sentence; past this only whole-text matching


def normalise(text: str) -> str:
    """Lower case, full-width folded (NFKC), curly apostrophes straightened, spaces collapsed.

    A lone UTF-16 surrogate (valid in JSON, not in UTF-8) becomes "?": the encoder needs UTF-8.
    """
    text = text.encode("utf-8", "replace").decode("utf-8")
    folded = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    return " ".join(folded.split())


def tokens(text: str) -> list[str]:
    """Words (English) and single characters (Chinese), in order, of normalised ``text``."""
    return _TOKEN.findall(normalise(text))


def clauses(text: str) -> list[str]:
    """The sentences and clauses of ``text`` (split on punctuation and conjunctions), non-empty."""
    parts: list[str] = []
    for sentence in _PUNCTUATION.split(normalise(text)):
        for piece in _ZH_CONJUNCTIONS.split(_EN_CONJUNCTIONS.sub("|", sentence)):
            parts.extend(p.strip() for p in piece.split("|") if tokens(p))
    return parts[:MAX_CLAUSES]


def units(text: str) -> list[str]:
    """What one utterance is compared as: the whole text, then each clause when there are several."""
    whole = normalise(text)
    parts = clauses(text)
    return [whole] + (parts if len(parts) > 1 else [])


def grams(text: str, stopwords: frozenset[str] = frozenset()) -> frozenset[str]:
    """The lexical fingerprint: character trigrams of English words, characters and bigrams of Chinese.

    Words in ``stopwords`` are left out of the English trigrams ("what is your" says nothing).
    """
    out: set[str] = set()
    latin: list[str] = []
    han_run: list[str] = []

    def flush_han() -> None:
        out.update(han_run)
        out.update(a + b for a, b in itertools.pairwise(han_run))
        han_run.clear()

    for token in tokens(text):
        if _HAN_CHAR.fullmatch(token):
            han_run.append(token)
            continue
        flush_han()
        if token not in stopwords:
            latin.append(token.replace("'", ""))
    flush_han()
    out.update(_trigrams(latin))
    return frozenset(out)


def _trigrams(words: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for word in words:
        padded = f" {word} "
        out.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return out
