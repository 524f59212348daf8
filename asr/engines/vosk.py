"""Vosk (Kaldi) streaming recogniser: one shared Model per process, one KaldiRecognizer per leg."""

from __future__ import annotations

import json
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from asr.engines.base import SAMPLE_RATE, RecognizerSession, SpeechRecognizer, Timeline
from asr.exceptions import ModelNotFoundError, RecognizerError
from asr.frames import (
    AudioFrame,
    FinalTranscript,
    LegRef,
    PartialTranscript,
    PcmArray,
    TranscriptFrame,
    WordTiming,
)

log = logging.getLogger(__name__)

PARTIAL_INTERVAL_SECONDS = 0.2  # how often the on-screen words may change
# Idle free-speech recognisers kept for the next legs. A new KaldiRecognizer decodes its first
# seconds at 2-3x the steady CPU cost (the lookahead graph composition is cached per recogniser),
# so a released leg's recogniser, settled by FinalResult, is handed to the next leg instead.
RECOGNIZER_POOL_LIMIT = 64
_MODELS: dict[Path, Any] = {}
_MODELS_LOCK = threading.Lock()


def load_vosk_model(path: Path) -> Any:
    """The process-wide ``vosk.Model`` for ``path`` (loading takes seconds and ~0.5 GB; do it once)."""
    import vosk

    resolved = Path(path).resolve()
    with _MODELS_LOCK:
        model = _MODELS.get(resolved)
        if model is None:
            if not (resolved / "am").is_dir() and not (resolved / "final.mdl").exists():
                raise ModelNotFoundError(f"{resolved} is not a Vosk model folder (no am/)")
            vosk.SetLogLevel(-1)
            log.info("loading Vosk model %s", resolved)
            try:
                model = vosk.Model(str(resolved))
            except Exception as exc:
                raise ModelNotFoundError(f"Vosk could not load {resolved}: {exc}") from exc
            _MODELS[resolved] = model
        return model


class VoskRecognizer(SpeechRecognizer):
    """Streaming Kaldi recognition with partials, word times and optional phrase lists."""

    name = "vosk"
    streams_partials = True

    def __init__(
        self, model_path: Path, *, sample_rate: int = SAMPLE_RATE, reuse_recognizers: bool = True
    ) -> None:
        self.model_path = Path(model_path)
        self.reuse_recognizers = reuse_recognizers
        self.sample_rate = sample_rate
        self.model = load_vosk_model(self.model_path)
        self._idle: list[tuple[Any, float]] = []  # (recogniser, its clock in seconds of audio)
        self._idle_lock = threading.Lock()
        self.recognizers_created = 0
        self.recognizers_reused = 0

    def checkout(self) -> tuple[Any, float]:
        """A settled free-speech recogniser and its clock: the warmest idle one, or a new one."""
        with self._idle_lock:
            if self._idle:
                self.recognizers_reused += 1
                return self._idle.pop()
        return self.new_recognizer(), 0.0

    def new_recognizer(self, grammar: str | None = None) -> Any:
        """A fresh KaldiRecognizer giving word times in partials and finals (free speech or a grammar)."""
        import vosk

        args = (self.model, self.sample_rate) if grammar is None else (self.model, self.sample_rate, grammar)
        recognizer = vosk.KaldiRecognizer(*args)
        recognizer.SetWords(True)
        recognizer.SetPartialWords(True)
        if grammar is None:  # grammar recognisers are never pooled, so only these are counted
            with self._idle_lock:
                self.recognizers_created += 1
        return recognizer

    def checkin(self, recognizer: Any, clock: float) -> None:
        """Keep a settled free-speech recogniser (its leg ended) for the next leg."""
        with self._idle_lock:
            if self.reuse_recognizers and len(self._idle) < RECOGNIZER_POOL_LIMIT:
                self._idle.append((recognizer, clock))

    @property
    def wants_warm_up(self) -> bool:
        return self.reuse_recognizers  # warmed recognisers only help if they are pooled

    def prewarm(self, count: int, speech: PcmArray) -> int:
        """Add ``count`` recognisers to the idle pool, each settled after decoding ``speech`` in
        20 ms frames as a live leg would; one thread per core. Blocks; legs may start meanwhile."""
        if not self.wants_warm_up or count <= 0 or len(speech) == 0:
            return 0
        pcm = speech.astype("<i2").tobytes()
        with ThreadPoolExecutor(min(count, os.cpu_count() or 1), thread_name_prefix="vosk-warm") as pool:
            list(pool.map(lambda _: self._warm_one(pcm), range(count)))
        return count

    def _warm_one(self, pcm: bytes) -> None:
        recognizer = self.new_recognizer()
        step = 2 * self.sample_rate // 50  # 20 ms of 16-bit samples
        for offset in range(0, len(pcm), step):
            if recognizer.AcceptWaveform(pcm[offset : offset + step]):
                recognizer.Result()
        recognizer.FinalResult()
        self.checkin(recognizer, len(pcm) / 2 / self.sample_rate)

    def session(self, leg: LegRef, *, phrases: list[str] | None = None) -> VoskSession:
        return VoskSession(self, leg, phrases)

    def knows(self, phrase: str) -> bool:
        """True when every word of ``phrase`` is in the model's vocabulary."""
        words = phrase.split()
        return bool(words) and all(self.model.vosk_model_find_word(word) != -1 for word in words)

    def grammar_phrases(self, phrases: list[str] | None) -> list[str] | None:
        """The phrases this model can recognise; None (free speech) when it knows none of them.

        Vosk drops out-of-vocabulary grammar words (the Korean test model knows no English
        keyword), and a grammar of only ``[unk]`` would hear nothing at all: free speech at least
        lets the IVR match keywords in whatever the caller's words are transcribed as."""
        if not phrases:
            return None
        # Vosk vocabularies are lower case; IVR keywords are written as admins like.
        known = [phrase.lower() for phrase in phrases if self.knows(phrase.lower())]
        if len(known) < len(phrases):
            log.warning(
                "Vosk model %s lacks %d of %d IVR phrases%s",
                self.model_path.name,
                len(phrases) - len(known),
                len(phrases),
                "" if known else "; recognising free speech instead",
            )
        return known or None

    def describe(self) -> str:
        return f"vosk ({self.model_path.name})"


class VoskSession(RecognizerSession):
    engine_name = "vosk"

    def __init__(self, engine: VoskRecognizer, leg: LegRef, phrases: list[str] | None) -> None:

        self._leg = leg
        self._engine = engine
        self._reusable = False  # True while the recogniser is a clean free-speech one
        phrases = engine.grammar_phrases(phrases)
        if phrases:
            # ensure_ascii=False: Vosk looks words up byte for byte; "\\uc548" is not a word.
            grammar = json.dumps([*phrases, "[unk]"], ensure_ascii=False)
            self._rec = engine.new_recognizer(grammar)
            self._timeline = Timeline()
        else:
            self._rec, clock = engine.checkout()
            self._timeline = Timeline(clock)
            self._reusable = True
        self._last_partial = ""
        self._since_partial = 0.0

    def set_phrases(self, phrases: list[str] | None) -> None:
        """Switch to a new phrase list (next IVR menu), or back to free speech with None."""
        phrases = self._engine.grammar_phrases(phrases)
        if phrases:
            self._reusable = False  # a grammar recogniser is not handed to a free-speech leg
            self._rec.SetGrammar(json.dumps([*phrases, "[unk]"], ensure_ascii=False))
            return
        if self._reusable:
            return  # already a free-speech recogniser: keep its state and clock
        # Another recogniser has its own clock: so does the timeline.
        self._rec, clock = self._engine.checkout()
        self._timeline = Timeline(clock)
        self._reusable = True

    def close(self) -> None:
        """Settle the recogniser (the stream already ended the last segment) and recycle it."""
        if not self._reusable:
            return
        self._reusable = False
        try:
            self._rec.FinalResult()  # idempotent after end_segment; leaves no audio behind
        except Exception:
            log.warning("Vosk recogniser could not be settled; not recycled", exc_info=True)
            return
        self._engine.checkin(self._rec, self._timeline.fed_seconds)

    def accept(self, frame: AudioFrame) -> list[TranscriptFrame]:
        self._timeline.feed(frame)
        try:
            settled = self._rec.AcceptWaveform(frame.to_bytes())
        except Exception as exc:
            self._reusable = False  # state unknown: let it go with this leg
            raise RecognizerError(f"Vosk rejected audio: {exc}") from exc
        if settled:
            self._last_partial = ""
            self._since_partial = 0.0
            final = self._final(self._rec.Result())
            return [final] if final else []
        # A partial means a lattice search; every 20 ms frame would double the engine's cost.
        self._since_partial += frame.duration
        if self._since_partial < PARTIAL_INTERVAL_SECONDS:
            return []
        self._since_partial = 0.0
        data = json.loads(self._rec.PartialResult())
        text = str(data.get("partial", "")).strip()
        if not text or text == self._last_partial:
            return []
        self._last_partial = text
        words = self._words(data.get("partial_result", []))
        start = words[0].start if words else self._timeline.leg_now
        return [PartialTranscript(self._leg, text, start, words)]

    def end_segment(self) -> list[FinalTranscript]:
        self._last_partial = ""
        self._since_partial = 0.0
        final = self._final(self._rec.FinalResult())
        return [final] if final else []

    def _words(self, raw: list[dict[str, Any]]) -> tuple[WordTiming, ...]:
        return tuple(
            WordTiming(
                str(w["word"]),
                self._timeline.to_leg(float(w["start"])),
                self._timeline.to_leg(float(w["end"])),
                float(w.get("conf", 1.0)),
            )
            for w in raw
        )

    def _final(self, raw_json: str) -> FinalTranscript | None:
        data = json.loads(raw_json)
        text = str(data.get("text", "")).strip()
        words = self._words(data.get("result", []))
        if not text or not words:
            return None
        confidence = sum(w.confidence for w in words) / len(words)
        return FinalTranscript(
            self._leg, text, words[0].start, words[-1].end, confidence, words, engine=self.engine_name
        )
