"""Run the live pipeline over a recording: the same VAD, engine and segmenting as a call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asr.audio import PIPELINE_RATE, Resampler, WavAudio, read_wav
from asr.engines.base import SpeechRecognizer
from asr.frames import AudioFrame, FinalTranscript, LegRef
from asr.pipeline import LegPipeline, PipelineConfig
from asr.sinks import CollectingSink, RedactorFactory, TranscriptSink
from asr.vad import VadEngine

CHANNEL_INDEX = {"left": 0, "right": 1}
FRAME_SECONDS = 0.02


@dataclass(frozen=True, slots=True)
class LegChannel:
    """Which channel of the recording holds which speaker."""

    leg: str
    channel: int


def leg_channels(audio: WavAudio, caller_channel: str, agent_channel: str) -> list[LegChannel]:
    """Mono: everything is the caller leg. Stereo: caller and agent on the named channels."""
    if len(audio.channels) == 1:
        return [LegChannel("caller", 0)]
    if caller_channel not in CHANNEL_INDEX or agent_channel not in CHANNEL_INDEX:
        raise ValueError("channels are 'left' or 'right'")
    if caller_channel == agent_channel:
        raise ValueError("caller and agent must be on different channels")
    return [
        LegChannel("caller", CHANNEL_INDEX[caller_channel]),
        LegChannel("agent", CHANNEL_INDEX[agent_channel]),
    ]


async def _run_leg(
    audio: WavAudio,
    leg: LegRef,
    channel: int,
    recognizer: SpeechRecognizer,
    make_vad: Callable[[], VadEngine],
    config: PipelineConfig,
    sinks: list[TranscriptSink],
    make_redactor: RedactorFactory,
) -> None:
    pipeline = LegPipeline(leg, recognizer, make_vad(), sinks, config, redactor=make_redactor(leg))
    await pipeline.start()
    resampler = Resampler(audio.sample_rate, PIPELINE_RATE)
    pcm = audio.channels[channel]
    step = max(1, int(audio.sample_rate * FRAME_SECONDS))
    produced = 0
    for offset in range(0, len(pcm), step):
        last = offset + step >= len(pcm)
        chunk = resampler.process(pcm[offset : offset + step], last=last)
        if len(chunk):
            await pipeline.feed(AudioFrame(leg, chunk, PIPELINE_RATE, produced / PIPELINE_RATE))
            produced += len(chunk)
    await pipeline.close()


async def analyze_recording(
    path: Path,
    recognizer: SpeechRecognizer,
    make_vad: Callable[[], VadEngine],
    *,
    make_redactor: RedactorFactory,
    config: PipelineConfig | None = None,
    caller_channel: str = "left",
    agent_channel: str = "right",
    call_id: str | None = None,
    extra_sinks: list[TranscriptSink] | None = None,
) -> list[FinalTranscript]:
    """Every final segment of every leg (redacted by ``make_redactor``'s redactors), in time order."""
    audio = read_wav(path)
    collector = CollectingSink()
    sinks: list[TranscriptSink] = [collector, *(extra_sinks or [])]
    call = call_id or path.stem
    settings = config or PipelineConfig()
    legs = leg_channels(audio, caller_channel, agent_channel)
    await asyncio.gather(
        *(
            _run_leg(
                audio, LegRef(call, lc.leg), lc.channel, recognizer, make_vad, settings, sinks, make_redactor
            )
            for lc in legs
        )
    )
    return sorted(collector.finals, key=lambda f: (f.start, f.leg.leg))
