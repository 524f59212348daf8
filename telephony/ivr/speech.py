"""Matching what a caller said against menu keywords, and spoken digits ("one two three") to DTMF.

The text comes from a recogniser transcribing the caller's leg (Whisper freely, Vosk restricted to
the menu's phrases), so matching forgives what recognisers vary on: case, punctuation, accents
("facturacion" for "facturación") and a plural -s ("bills" for "bill"). When no keyword is there
as such, a word close enough to a one-word keyword still counts (Whisper tiny.en heard a Piper
"billing" over a real G.711 call as "Billie."); two options equally close count as no match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from difflib import SequenceMatcher

WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
SPOKEN_DIGITS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "cero": "0", "uno": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6",
    "siete": "7", "ocho": "8", "nueve": "9",
}  # fmt: skip


NEAR_MATCH = 0.75  # similarity of a heard word to a keyword that still counts (difflib ratio)
NEAR_MIN_LENGTH = 4  # shorter words are too easily near something ("bill" and "pill")


def words(text: str) -> list[str]:
    return WORD.findall(text.casefold())


def _folded(word: str) -> str:
    """A word without accents and without a plural -s, for comparing keywords with speech."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    if len(plain) > 3 and plain.endswith("s") and not plain.endswith("ss"):
        return plain[:-1]
    return plain


def match_keyword(text: str, options: Mapping[str, Iterable[str]]) -> str | None:
    """The option whose keyword (one or more words) appears in ``text``; the longest keyword wins."""
    spoken = " " + " ".join(_folded(w) for w in words(text)) + " "
    best: tuple[int, str] | None = None
    for option, keywords in options.items():
        for keyword in keywords:
            phrase = " ".join(_folded(w) for w in words(keyword))
            if phrase and f" {phrase} " in spoken and (best is None or len(phrase) > best[0]):
                best = (len(phrase), option)
    return best[1] if best else _near_keyword(spoken.split(), options)


def _forms(keyword: str, heard: str) -> tuple[str, ...]:
    """A keyword and, for an -ing word, its root when the heard word is longer than it: Whisper hears
    a lone "billing" as "Billy" (a bare "bill" is another word, not a misheard "billing")."""
    root = keyword[:-3]
    if keyword.endswith("ing") and len(root) >= NEAR_MIN_LENGTH and len(heard) > len(root):
        return (keyword, root)
    return (keyword,)


def _near_keyword(heard: list[str], options: Mapping[str, Iterable[str]]) -> str | None:
    """The option with a one-word keyword closest to a heard word (same first letter, similar
    enough); None when nothing is close or two options are equally close."""
    scores: dict[str, float] = {}
    for option, keywords in options.items():
        for keyword in keywords:
            kw = [_folded(w) for w in words(keyword)]
            if len(kw) != 1 or len(kw[0]) < NEAR_MIN_LENGTH:
                continue
            for word in heard:
                if len(word) < NEAR_MIN_LENGTH - 1 or word[0] != kw[0][0]:
                    continue
                ratio = max(SequenceMatcher(None, word, form).ratio() for form in _forms(kw[0], word))
                if ratio >= NEAR_MATCH and ratio > scores.get(option, 0.0):
                    scores[option] = ratio
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None
    return ranked[0][0]


def spoken_digits(text: str) -> str:
    """Digits in an utterance: "my order is one two 3 4" -> "1234"; other words are ignored."""
    out: list[str] = []
    for word in words(text):
        if word.isdigit():
            out.append(word)
        elif word in SPOKEN_DIGITS:
            out.append(SPOKEN_DIGITS[word])
    return "".join(out)
