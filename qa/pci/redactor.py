"""Card data masked in messages and in transcript frames (text and word list in one pass).

A frame with a word list is redacted over its words, and its text is rebuilt from them: the text and
the words can never disagree about a number (a recogniser once wrote "for" for the first "four",
and the text kept 15 digits while the words were masked). :class:`LegRedactor` is the per-leg form
the speech pipeline uses: it remembers a cue ("my card number is") for a few seconds, so the digits
the caller reads in the next segment count as cued.
"""

from __future__ import annotations

import dataclasses

from asr.frames import FinalTranscript, PartialTranscript, TranscriptFrame, WordTiming
from qa.pci.detect import Finding, OpenCues, Scan, scan

CUE_MEMORY_SECONDS = 10.0


def apply(text: str, findings: list[Finding]) -> str:
    """``text`` with every finding replaced by its mask."""
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        text = text[: finding.start] + finding.mask + text[finding.end :]
    return text


def redact_text(text: str) -> str:
    """A message or log line with every card number, security code and expiry date masked."""
    found = scan(text)
    return apply(text, found.findings) if found.findings else text


def contains_card_data(text: str) -> bool:
    """Whether ``text`` holds a card number, a security code or an expiry date."""
    return bool(scan(text).findings)


def _redact_words(
    words: tuple[WordTiming, ...], carried: OpenCues, in_progress: bool
) -> tuple[tuple[WordTiming, ...], Scan]:
    """Words with each finding merged into one masked word spanning its time."""
    offsets, position = [], 0
    for word in words:
        offsets.append(position)
        position += len(word.word) + 1
    joined = " ".join(w.word for w in words)
    found = scan(joined, carried, in_progress=in_progress)
    if not found.findings:
        return words, found
    result: list[WordTiming] = []
    index = 0
    for finding in found.findings:
        first = max(i for i, off in enumerate(offsets) if off <= finding.start)
        last = max(i for i, off in enumerate(offsets) if off < finding.end)
        result.extend(words[index:first])
        head = words[first].word[: finding.start - offsets[first]]
        tail = words[last].word[finding.end - offsets[last] :]
        span = words[first : last + 1]
        merged = f"{head}{finding.mask}{tail}"
        result.append(WordTiming(merged, span[0].start, span[-1].end, min(w.confidence for w in span)))
        index = last + 1
    result.extend(words[index:])
    return tuple(result), found


def redact_scanned(frame: TranscriptFrame, carried: OpenCues | None = None) -> tuple[TranscriptFrame, Scan]:
    """The redacted frame and what was found (open cues included) in one pass."""
    carried = carried or OpenCues()
    partial = isinstance(frame, PartialTranscript)
    if frame.words:
        words, by_words = _redact_words(frame.words, carried, partial)
        if by_words.findings:
            rebuilt = " ".join(w.word for w in words)
            # Masks are opaque to a second scan; this only catches what the words split oddly.
            text = apply(rebuilt, scan(rebuilt, carried, in_progress=partial).findings)
            return dataclasses.replace(frame, text=text, words=words), by_words
    by_text = scan(frame.text, carried, in_progress=partial)
    if frame.words:  # the words held nothing; the text may still (engines differ in what they keep)
        by_words = scan(" ".join(w.word for w in frame.words), carried, in_progress=partial)
        by_text.open_cues = by_text.open_cues | by_words.open_cues
        by_text.cued = by_text.cued or by_words.cued
    if not by_text.findings:
        return frame, by_text
    return dataclasses.replace(frame, text=apply(frame.text, by_text.findings)), by_text


def redact_frame(frame: TranscriptFrame) -> TranscriptFrame:
    """The frame with card data masked in its text and words (stateless: no cue from before)."""
    return redact_scanned(frame)[0]


class LegRedactor:
    """One leg's redactor: a cue said in one segment carries into the next ones for a few seconds.

    Called in order for one leg's partials and finals (the pipeline does); only finals move the
    memory on, since partials repeat the segment that is still being said.
    """

    def __init__(self, memory_seconds: float = CUE_MEMORY_SECONDS) -> None:
        self.memory_seconds = memory_seconds
        self._said_at: dict[str, float] = {}  # cue kind -> leg time it was said

    def carried(self, at: float) -> OpenCues:
        live = {k for k, t in self._said_at.items() if at - t <= self.memory_seconds}
        return OpenCues(card="card" in live, security="security" in live, expiry="expiry" in live)

    def __call__(self, frame: TranscriptFrame) -> TranscriptFrame:
        carried = self.carried(frame.start)
        redacted, found = redact_scanned(frame, carried)
        if isinstance(frame, FinalTranscript):
            for kind, still_open in dataclasses.asdict(found.open_cues).items():
                if not still_open:
                    self._said_at.pop(kind, None)
                elif not getattr(carried, kind):  # a new cue: remember when; a carried one keeps its time
                    self._said_at[kind] = frame.end
        return redacted
