"""Both legs of a call on one clock, and the interval arithmetic the timing items need.

Each leg's segment times are on its own leg clock (seconds since that leg was tapped): the caller's
leg is tapped when the call enters, an agent's leg when the agent joins the bridge. Adding a leg's
offset puts every utterance on the call clock, where talk-over and silence can be measured.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from asr.transcripts.schemas import TranscriptSegmentPublic

AGENT, CALLER = "agent", "caller"
Interval = tuple[float, float]


@dataclass(frozen=True)
class Spoken:
    """One stored segment on the call clock. ``leg_start`` stays on the leg clock (the greeting is
    timed from the moment the agent joined); ``speech`` are the word intervals (or the segment)."""

    side: str  # "agent" | "caller"
    leg: str
    start: float
    end: float
    leg_start: float
    text: str
    speech: tuple[Interval, ...]
    segment_id: str | None = None


def side_of(leg: str) -> str:
    """``agent``, ``agent-2`` (after a transfer) are the agent's side; anything else the caller's."""
    return AGENT if leg.startswith(AGENT) else CALLER


def on_call_clock(segments: Iterable[TranscriptSegmentPublic], offsets: dict[str, float]) -> list[Spoken]:
    """Segments shifted by their leg's offset, in the order they were said."""
    spoken = []
    for segment in segments:
        shift = offsets.get(segment.leg, 0.0)
        words = [(w.start + shift, max(w.start, w.end) + shift) for w in segment.words]
        speech = tuple(words) if words else ((segment.start + shift, segment.end + shift),)
        spoken.append(
            Spoken(
                side=side_of(segment.leg),
                leg=segment.leg,
                start=segment.start + shift,
                end=segment.end + shift,
                leg_start=segment.start,
                text=segment.text,
                speech=speech,
                segment_id=str(segment.id),
            )
        )
    return sorted(spoken, key=lambda s: (s.start, s.leg))


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of ``intervals`` as sorted, disjoint intervals."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def total(intervals: Sequence[Interval]) -> float:
    return sum(end - start for start, end in intervals)


def overlap(a: Sequence[Interval], b: Sequence[Interval]) -> float:
    """Seconds covered by both of two disjoint, sorted interval lists."""
    i = j = 0
    seconds = 0.0
    while i < len(a) and j < len(b):
        seconds += max(0.0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return seconds


def gaps(intervals: Sequence[Interval], at_least: float) -> list[Interval]:
    """Pauses of ``at_least`` seconds between consecutive disjoint, sorted intervals."""
    return [(left[1], right[0]) for left, right in pairwise(intervals) if right[0] - left[1] >= at_least]


def speech_of(spoken: Iterable[Spoken], side: str | None = None) -> list[Interval]:
    """Merged speech intervals of one side (or both)."""
    return merged(i for s in spoken if side is None or s.side == side for i in s.speech)


def on_recording_clock(leg: str, leg_start: float, answer_delay: float | None) -> float | None:
    """Where an utterance is in the call's recording, in seconds (None: not in the recording).

    Call control records the bridge from the moment the agent joins it, the moment the agent's leg
    is tapped, so an agent leg's clock is the recording's; the caller's leg was tapped when the call
    entered, ``answer_delay`` seconds earlier (None: nobody answered, nothing was recorded). What the
    caller said before (the IVR) is not in the recording. A transferred-to agent's leg is placed as
    the first agent's, and a pause for card data shifts what follows: both are approximations.
    """
    if answer_delay is None:
        return None
    at = leg_start if side_of(leg) == AGENT else leg_start - answer_delay
    return round(at, 3) if at >= 0 else None
