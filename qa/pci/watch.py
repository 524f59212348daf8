"""When a caller starts and stops reading card data: the call recording pauses in between.

The watch reads the caller leg's transcripts as the sinks get them (already redacted: masks and
short digit runs are enough to tell card data is being read). It pauses at the first sign (a card,
security code or expiry cue, a mask, or a run of 4+ digits in a partial) and resumes once a final
without any of that came and no digits were heard for a while. Only a clean final proves the caller
stopped reading: an engine without partials (Whisper) says nothing while the digits are spoken, so
the time alone proves nothing. A cap resumes it anyway, and so does the end of the call.
"""

from __future__ import annotations

from dataclasses import dataclass

from asr.frames import FinalTranscript, TranscriptFrame
from qa.pci.detect import CARD_CUES, EXPIRY_CUES, SECURITY_CUES, cue_ends, digit_runs
from qa.pci.tokens import Kind, tokenize

QUIET_SECONDS = 2.0  # after the last digit, before resuming
CUE_WAIT_SECONDS = 6.0  # after a bare cue ("my card number is"), time for the caller to start reading
CAP_SECONDS = 60.0  # longest pause, whatever was heard
MIN_DIGITS = 4

_CUES = CARD_CUES + SECURITY_CUES + EXPIRY_CUES


@dataclass(frozen=True, slots=True)
class Signal:
    """What one transcript says about card data: how long to stay paused from now (0: nothing)."""

    hold_seconds: float

    @classmethod
    def of(cls, frame: TranscriptFrame) -> Signal:
        tokens = tokenize(frame.text)
        masked = any(t.kind is Kind.MASK for t in tokens)
        digits = max((len(r.digits) for r in digit_runs(tokens)), default=0) >= MIN_DIGITS
        if masked or digits:
            return cls(QUIET_SECONDS)
        if cue_ends(tokens, _CUES):
            return cls(CUE_WAIT_SECONDS)
        return cls(0.0)


class CardDataWatch:
    """One call's caller leg: ``hear``/``tick``/``finish`` return the new paused state on a change."""

    def __init__(self, cap_seconds: float = CAP_SECONDS) -> None:
        self.cap_seconds = cap_seconds
        self.paused = False
        self.paused_at = 0.0
        self.resume_at = 0.0
        self.clean_final = False  # a final without card data came after the last sign of it
        self.pauses = 0

    def hear(self, frame: TranscriptFrame, now: float) -> bool | None:
        signal = Signal.of(frame)
        if not signal.hold_seconds:
            # A clean partial changes nothing (the segment may still turn into digits).
            if isinstance(frame, FinalTranscript):
                self.clean_final = True
                return self.tick(now)
            return None
        self.resume_at = max(self.resume_at, now + signal.hold_seconds)
        self.clean_final = False
        if self.paused:
            return None
        self.paused, self.paused_at = True, now
        self.pauses += 1
        return True

    def tick(self, now: float) -> bool | None:
        quiet = self.clean_final and now >= self.resume_at
        if self.paused and (quiet or now - self.paused_at >= self.cap_seconds):
            self.paused = False
            return False
        return None

    def finish(self) -> bool | None:
        """The call (the caller's leg) ended: never leave the recording paused."""
        if self.paused:
            self.paused = False
            return False
        return None
