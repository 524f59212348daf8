"""Card data on live calls, composed: qa/'s redactor per leg, and the recording pause it drives.

qa/ may not import telephony/, and asr/ may not import qa/: this composition root joins them. The
media worker gets a :class:`~qa.pci.LegRedactor` for every leg and, on each caller leg, a
:class:`~qa.pci.pause.RecordingPauseSink` whose ``set_paused`` sends the controller a
``SetRecordingPaused`` command (actor ``pci``) over the command stream.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import redis

from asr.frames import LegRef
from asr.sinks import LegSinkFactory, LegStart, Redactor, TranscriptSink
from qa.pci import LegRedactor
from qa.pci.pause import RecordingPauseSink
from telephony.commands.bus import send_command
from telephony.commands.schemas import SetRecordingPaused

CALLER_LEG = "caller"


def leg_redactor(leg: LegRef) -> Redactor:
    """Every leg's transcripts are masked before any sink sees them (the console, storage, logs)."""
    return LegRedactor()


def recording_pause(redis_url: str, key_prefix: str) -> Callable[[str, bool], None]:
    """``set_paused(call_id, paused)``: the controller pauses or resumes the call's recording."""
    client = redis.Redis.from_url(redis_url, socket_timeout=2)

    def set_paused(call_id: str, paused: bool) -> None:
        command = SetRecordingPaused(call_id=call_id, paused=paused, actor="pci")
        send_command(client, command, key_prefix)

    return set_paused


def pause_sinks(set_paused: Callable[[str, bool], None]) -> LegSinkFactory:
    """Per leg: the caller's leg gets a watch that pauses the recording while card data is read."""

    def sinks(start: LegStart) -> Sequence[TranscriptSink]:
        leg = start.leg
        return [RecordingPauseSink(leg.call_id, set_paused)] if leg.leg == CALLER_LEG else []

    return sinks
