"""Spoken and written card numbers are masked before any sink sees a transcript."""

from __future__ import annotations

import numpy as np

from asr.engines.base import RecognizerSession, SpeechRecognizer
from asr.frames import AudioFrame, FinalTranscript, LegRef, PartialTranscript, TranscriptFrame, WordTiming
from asr.pipeline import LegPipeline, PipelineConfig
from asr.redaction import redact, redact_text, redact_words
from asr.sinks import CollectingSink
from asr.vad import VadEngine

LEG = LegRef("call-1", "caller")


def test_a_card_read_out_digit_by_digit_keeps_only_its_last_four() -> None:
    spoken = "my card is four one one one one one one one one one one one one one one two thanks"
    assert redact_text(spoken) == "my card is [card ••••1112] thanks"


def test_a_card_written_in_groups_is_masked() -> None:
    assert redact_text("it's 4111 1111 1111 1111.") == "it's [card ••••1111]"
    assert redact_text("4111-1111-1111-1111 expires") == "[card ••••1111] expires"


def test_mixed_words_and_digits_are_one_run() -> None:
    assert redact_text("5500 0000 0000 zero zero zero four ok") == "[card ••••0004] ok"


def test_a_number_that_fails_luhn_is_masked_too_because_recognition_makes_mistakes() -> None:
    assert "1234" not in redact_text("4111 1111 1111 1234 5")


def test_short_numbers_like_orders_and_dates_are_left_alone() -> None:
    for text in ("order 123456 please", "call me at 415 555 2671", "on the 25th of 2026"):
        assert redact_text(text) == text


def test_word_timings_collapse_the_card_into_one_masked_word_spanning_its_time() -> None:
    digits = "4111111111111111"
    words = (
        WordTiming("card", 0.0, 0.4, 0.9),
        *(WordTiming(d, 0.5 + i * 0.3, 0.7 + i * 0.3, 0.8) for i, d in enumerate(digits)),
        WordTiming("thanks", 6.0, 6.4, 0.95),
    )
    redacted = redact_words(words)
    assert [w.word for w in redacted] == ["card", "[card ••••1111]", "thanks"]
    assert (redacted[1].start, redacted[1].end) == (0.5, words[-2].end)


def test_partial_and_final_frames_come_back_masked_in_text_and_words() -> None:
    groups = "4111 1111 1111 1111".split()
    words = tuple(WordTiming(w, i * 0.3, i * 0.3 + 0.2, 0.9) for i, w in enumerate(groups))
    final = FinalTranscript(LEG, "4111 1111 1111 1111", 0.0, 1.2, 0.9, words)
    partial = PartialTranscript(LEG, "four one one one one one one one one one one one one one", 0.0)
    assert redact(final).text == "[card ••••1111]"
    assert [w.word for w in redact(final).words] == ["[card ••••1111]"]
    assert redact(partial).text == "[card ••••1111]"
    clean = FinalTranscript(LEG, "hello there", 0.0, 1.0, 0.9)
    assert redact(clean) is clean


class CardReadingSession(RecognizerSession):
    """Hears a caller read out a card number, in partials and then a final."""

    engine_name = "fake"

    def accept(self, frame: AudioFrame) -> list[TranscriptFrame]:
        return [PartialTranscript(LEG, "it is four one one one one one one one one one one one one", 0.0)]

    def end_segment(self) -> list[FinalTranscript]:
        return [FinalTranscript(LEG, "it is 4111 1111 1111 1111", 0.0, 1.0, 0.9)]


class CardReadingRecognizer(SpeechRecognizer):
    name = "fake"
    streams_partials = True

    def session(self, leg: LegRef, *, phrases: list[str] | None = None) -> RecognizerSession:
        return CardReadingSession()


class LoudIsSpeech(VadEngine):
    sample_rate = 16000
    window_samples = 320

    def is_speech(self, window: np.ndarray) -> bool:
        return bool(np.abs(window.astype(int)).mean() > 500)


async def test_the_pipeline_hands_its_sinks_only_masked_transcripts() -> None:
    sink = CollectingSink()
    config = PipelineConfig(padding_ms=0, hangover_ms=300)
    pipeline = await LegPipeline(LEG, CardReadingRecognizer(), LoudIsSpeech(), [sink], config).start()
    speech = np.concatenate([np.full(16000, 3000, np.int16), np.zeros(8000, np.int16)])
    for i in range(0, len(speech), 320):
        pipeline.push_frame(AudioFrame(LEG, speech[i : i + 320], 16000, i / 16000))
    await pipeline.close()
    assert sink.finals and {f.text for f in sink.finals} == {"it is [card ••••1111]"}
    assert sink.partials
    assert all("1111 1111" not in p.text and "one one one" not in p.text for p in sink.partials)
