"""Card numbers never leave the speech pipeline: they are masked before any sink sees a transcript.

Callers read card numbers out loud ("four one one one ..."), and recognisers write them as words,
digits or a mix. Any run of 13 or more digits (the shortest card number has 13) is replaced by a
mask that keeps only the last four, as PCI DSS allows, so neither the live console, the database
nor the logs ever hold a full number. Runs are not Luhn-checked: a misrecognised digit must not let
a real number through.
"""

from __future__ import annotations

import dataclasses
import re

from asr.frames import FinalTranscript, PartialTranscript, WordTiming

MIN_CARD_DIGITS = 13

_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_TOKEN = re.compile(r"\S+")
_EDGE_PUNCTUATION = ".,;:!?\"'()"


def _digits_of(token: str) -> str | None:
    """The digits a token stands for ("4111-1111", "four", "7,"), or None for any other word."""
    core = token.strip(_EDGE_PUNCTUATION).lower()
    if not core:
        return None
    if core in _DIGIT_WORDS:
        return _DIGIT_WORDS[core]
    compact = core.replace("-", "")
    return compact if compact.isdigit() else None


def _card_runs(tokens: list[str]) -> list[tuple[int, int, str]]:
    """(first, last, digits) of every run of consecutive digit tokens long enough to be a card."""
    runs: list[tuple[int, int, str]] = []
    start, digits = -1, ""
    for index, token in enumerate([*tokens, ""]):
        found = _digits_of(token) if token else None
        if found is not None:
            if start < 0:
                start = index
            digits += found
            continue
        if start >= 0 and len(digits) >= MIN_CARD_DIGITS:
            runs.append((start, index - 1, digits))
        start, digits = -1, ""
    return runs


def mask_for(digits: str) -> str:
    """What stands in for a card number: only the last four digits survive."""
    return f"[card ••••{digits[-4:]}]"


def redact_text(text: str) -> str:
    """``text`` with every spoken or written card number masked."""
    matches = list(_TOKEN.finditer(text))
    runs = _card_runs([m.group() for m in matches])
    for first, last, digits in reversed(runs):
        text = text[: matches[first].start()] + mask_for(digits) + text[matches[last].end() :]
    return text


def redact_words(words: tuple[WordTiming, ...]) -> tuple[WordTiming, ...]:
    """Word timings with each card number collapsed into one masked word spanning its time."""
    runs = _card_runs([w.word for w in words])
    if not runs:
        return words
    result: list[WordTiming] = []
    position = 0
    for first, last, digits in runs:
        result.extend(words[position:first])
        span = words[first : last + 1]
        confidence = min(w.confidence for w in span)
        result.append(WordTiming(mask_for(digits), span[0].start, span[-1].end, confidence))
        position = last + 1
    result.extend(words[position:])
    return tuple(result)


def redact(frame: PartialTranscript | FinalTranscript) -> PartialTranscript | FinalTranscript:
    """The same transcript frame with card numbers masked in its text and its words."""
    text, words = redact_text(frame.text), redact_words(frame.words)
    if text == frame.text and words == frame.words:
        return frame
    return dataclasses.replace(frame, text=text, words=words)
