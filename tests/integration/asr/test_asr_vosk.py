"""The real Vosk library with the packaged Korean model: shapes, timings, grammar, threads."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest
from speech_audio import KOREAN_SENTENCES, espeak_16k, silence

from asr.engines.stream import RecognizeStream
from asr.engines.vosk import VoskRecognizer, load_vosk_model
from asr.frames import AudioFrame, FinalTranscript, LegRef, PartialTranscript
from asr.pipeline import LegPipeline
from asr.sinks import CollectingSink
from asr.vad import WebRtcVad
from qa.pci import LegRedactor

pytestmark = pytest.mark.integration

LEG = LegRef("call-ko", "caller")


def frames(pcm: np.ndarray, start: float = 0.0, step: int = 320) -> list[AudioFrame]:
    return [AudioFrame(LEG, pcm[i : i + step], 16000, start + i / 16000) for i in range(0, len(pcm), step)]


def run_session(
    session, pcm: np.ndarray, start: float = 0.0
) -> tuple[list[PartialTranscript], list[FinalTranscript]]:
    partials, finals = [], []
    for frame in frames(pcm, start):
        for result in session.accept(frame):
            (finals if isinstance(result, FinalTranscript) else partials).append(result)
    finals.extend(session.end_segment())
    return partials, finals


def check_shape(final: FinalTranscript, lo: float, hi: float) -> None:
    assert final.text and final.words
    assert final.text.split() == [w.word for w in final.words]
    assert 0.0 <= final.confidence <= 1.0
    for word in final.words:
        assert lo - 0.05 <= word.start <= word.end <= hi + 0.05
        assert 0.0 <= word.confidence <= 1.0
    starts = [w.start for w in final.words]
    assert starts == sorted(starts)
    assert final.start == final.words[0].start and final.end == final.words[-1].end


def test_the_model_loads_once_and_is_shared_by_every_recognizer(vosk_recognizer, vosk_ko_path):
    assert load_vosk_model(vosk_ko_path) is vosk_recognizer.model
    assert VoskRecognizer(vosk_ko_path).model is vosk_recognizer.model


def test_streaming_gives_partials_while_speaking_and_a_final_with_word_timings(vosk_recognizer):
    speech = espeak_16k(KOREAN_SENTENCES[0])
    partials, finals = run_session(vosk_recognizer.session(LEG), speech)
    assert partials, "no partial result while the sentence was being spoken"
    assert all(p.text for p in partials)
    assert len(finals) >= 1
    for final in finals:
        check_shape(final, 0.0, len(speech) / 16000)
        assert final.engine == "vosk"


def test_word_times_are_on_the_leg_clock_even_when_silence_between_segments_is_skipped(vosk_recognizer):
    session = vosk_recognizer.session(LEG)
    speech = espeak_16k(KOREAN_SENTENCES[1])
    seconds = len(speech) / 16000
    _, first = run_session(session, speech, start=2.0)
    # The VAD skipped 30 s of silence: the engine never heard it, the leg clock did.
    _, second = run_session(session, speech, start=2.0 + seconds + 30.0)
    assert first and second
    for final in first:
        check_shape(final, 2.0, 2.0 + seconds)
    for final in second:
        check_shape(final, 32.0 + seconds, 32.0 + 2 * seconds)


def test_grammar_mode_only_returns_phrases_from_the_list(vosk_recognizer):
    speech = espeak_16k(KOREAN_SENTENCES[0])
    _, free = run_session(vosk_recognizer.session(LEG), speech)
    vocabulary = sorted({w.word for f in free for w in f.words if not w.word.startswith("[")})
    assert len(vocabulary) >= 3
    phrases = vocabulary[:3]
    _, restricted = run_session(vosk_recognizer.session(LEG, phrases=phrases), speech)
    heard = [w.word for f in restricted for w in f.words]
    assert heard, "grammar recogniser returned nothing for speech"
    assert set(heard) <= {*phrases, "[unk]"}
    # And switching the menu's phrase list in place takes effect.
    session = vosk_recognizer.session(LEG, phrases=phrases)
    session.set_phrases(vocabulary[-2:])
    _, switched = run_session(session, speech)
    assert {w.word for f in switched for w in f.words} <= {*vocabulary[-2:], "[unk]"}


def test_a_phrase_list_keeps_only_words_the_model_knows_and_none_known_means_free_speech(vosk_recognizer):
    # The Korean model knows no English IVR keyword: a grammar of only [unk] would hear nothing.
    assert vosk_recognizer.grammar_phrases(["Billing", "sales", "call back"]) is None
    speech = espeak_16k(KOREAN_SENTENCES[0])
    _, free = run_session(vosk_recognizer.session(LEG), speech)
    korean = sorted({w.word for f in free for w in f.words if not w.word.startswith("[")})
    assert vosk_recognizer.grammar_phrases(["billing", korean[0]]) == [korean[0]]
    session = vosk_recognizer.session(LEG, phrases=["billing", "sales"])
    _, heard = run_session(session, speech)
    assert heard and {w.word for f in heard for w in f.words} - {"[unk]"}  # free speech, not [unk]


def test_one_model_serves_recognizers_on_several_threads(vosk_recognizer):
    # Two different sentences on alternate threads: each leg's result must fit its own audio.
    clips = [espeak_16k(KOREAN_SENTENCES[0]), espeak_16k(KOREAN_SENTENCES[1])]
    seconds = [len(c) / 16000 for c in clips]
    assert abs(seconds[0] - seconds[1]) > 0.8
    results: dict[int, list[FinalTranscript]] = {}
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            _, finals = run_session(vosk_recognizer.session(LegRef("c", f"leg{index}")), clips[index % 2])
            results[index] = finals
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(results) == [0, 1, 2, 3]
    for index, finals in results.items():
        assert finals and all(f.leg == LegRef("c", f"leg{index}") for f in finals)
        for final in finals:
            check_shape(final, 0.0, seconds[index % 2])
        # Kaldi dithers its features, so words vary run to run; the speech span must not.
        assert finals[-1].end > 0.6 * seconds[index % 2]


async def test_the_async_stream_yields_partials_then_the_final_after_flush(vosk_recognizer):
    stream = RecognizeStream(vosk_recognizer.session(LEG))
    for frame in frames(espeak_16k(KOREAN_SENTENCES[0])):
        await stream.send(frame)
    received: list[object] = []

    async def collect() -> None:
        async for result in stream:
            received.append(result)

    reader = asyncio.create_task(collect())
    await stream.flush()
    await asyncio.wait_for(reader, 30)
    kinds = [type(r).__name__ for r in received]
    assert "PartialTranscript" in kinds and kinds[-1] == "FinalTranscript"
    assert stream.stats.processed_seconds == pytest.approx(stream.stats.fed_seconds)
    assert stream.lag_seconds == 0.0


async def test_the_pipeline_gates_silence_and_flushes_the_last_words_at_hang_up(vosk_recognizer):
    sink = CollectingSink()
    pipeline = await LegPipeline(
        LEG, vosk_recognizer, WebRtcVad(16000, 2), [sink], redactor=LegRedactor()
    ).start()
    speech = espeak_16k(KOREAN_SENTENCES[1])
    # 3 s of silence, the sentence, 2 s of silence, the sentence cut off by the hang-up (no pause).
    audio = np.concatenate([silence(3), speech, silence(2), speech])
    for frame in frames(audio):
        pipeline.push_frame(frame)
    await pipeline.close()
    stats = pipeline.stats()
    assert stats["segments"] == 2
    assert stats["recognised_seconds"] < len(audio) / 16000 - 3.5, "silence reached the recogniser"
    assert len(sink.finals) >= 2
    assert sink.finals[-1].end > (len(audio) - len(speech)) / 16000, "the last sentence was lost at hang-up"
    assert stats["dropped_segments"] == 0 and stats["errors"] == 0


async def test_an_ivr_menu_switches_a_live_leg_to_a_phrase_list_and_back(vosk_recognizer):
    speech = espeak_16k(KOREAN_SENTENCES[0])
    _, free = run_session(vosk_recognizer.session(LEG), speech)
    vocabulary = sorted({w.word for f in free for w in f.words if w.word.isalnum()})
    menu = vocabulary[:2]
    sink = CollectingSink()
    pipeline = await LegPipeline(
        LEG, vosk_recognizer, WebRtcVad(16000, 2), [sink], redactor=LegRedactor()
    ).start()
    round_seconds = len(speech) / 16000 + 1.0
    for index, phrases in enumerate((None, menu, None)):
        pipeline.set_phrases(phrases)
        for frame in frames(np.concatenate([speech, silence(1.0)]), index * round_seconds):
            await pipeline.feed(frame)
    await pipeline.close()
    # Classify each final by its middle: word times near a round's edge are approximate.
    parts = [
        [w.word for f in sink.finals for w in f.words if (f.start + f.end) / 2 // round_seconds == k]
        for k in range(3)
    ]
    assert all(parts), [(f.start, f.end, f.text) for f in sink.finals]
    assert set(parts[1]) <= {*menu, "[unk]"}
    assert not set(parts[0]) <= {*menu, "[unk]"} and not set(parts[2]) <= {*menu, "[unk]"}


def test_a_released_legs_recogniser_serves_the_next_leg_with_word_times_on_its_own_clock(vosk_ko_path):
    engine = VoskRecognizer(vosk_ko_path)  # a pool of its own, so other tests' recognisers do not count
    speech = espeak_16k(KOREAN_SENTENCES[0])
    first = engine.session(LEG)
    _, first_finals = run_session(first, np.concatenate([silence(0.4), speech]), start=0.0)
    first.close()
    second = engine.session(LegRef("call-ko-2", "agent"))
    _, second_finals = run_session(second, speech, start=5.0)
    second.close()
    assert (engine.recognizers_created, engine.recognizers_reused) == (1, 1)
    assert first_finals and second_finals
    check_shape(second_finals[0], 5.0, 5.0 + len(speech) / 16000)
    # Same audio, same words at the same offset: the recycled clock carries nothing over.
    offset = second_finals[0].start - 5.0
    assert abs(offset - (first_finals[0].start - 0.4)) < 0.1


def test_a_grammar_recogniser_is_not_recycled_into_free_speech(vosk_ko_path):
    engine = VoskRecognizer(vosk_ko_path)
    session = engine.session(LEG, phrases=KOREAN_SENTENCES[:2])
    run_session(session, espeak_16k(KOREAN_SENTENCES[0]))
    session.close()
    engine.session(LEG).close()
    assert (engine.recognizers_created, engine.recognizers_reused) == (1, 0)


def test_prewarmed_recognisers_serve_the_first_legs_with_word_times_on_the_legs_clock(vosk_ko_path):
    engine = VoskRecognizer(vosk_ko_path)
    warm_on = espeak_16k(KOREAN_SENTENCES[1])
    assert engine.prewarm(2, warm_on) == 2
    speech = espeak_16k(KOREAN_SENTENCES[0])
    sessions = [engine.session(LegRef(f"call-warm-{i}", "caller")) for i in range(2)]
    results = [run_session(session, speech, start=3.0) for session in sessions]
    assert (engine.recognizers_created, engine.recognizers_reused) == (2, 2)
    for _, finals in results:
        assert finals
        check_shape(finals[0], 3.0, 3.0 + len(speech) / 16000)  # the warm-up audio is not on the clock
    # A third leg finds the pool empty: a new recogniser, nothing borrowed twice.
    engine.session(LEG).close()
    assert engine.recognizers_created == 3


def test_prewarm_is_off_when_recognisers_are_not_reused(vosk_ko_path):
    engine = VoskRecognizer(vosk_ko_path, reuse_recognizers=False)
    assert engine.prewarm(2, espeak_16k(KOREAN_SENTENCES[0])) == 0
    engine.session(LEG).close()
    assert (engine.recognizers_created, engine.recognizers_reused) == (1, 0)
