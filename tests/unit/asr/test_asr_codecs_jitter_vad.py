"""Codec tables, the jitter buffer and the VAD segmenter, with fakes only at real interfaces."""

from __future__ import annotations

import numpy as np
import pytest

from asr.frames import AudioFrame, LegRef, SpeechSegment
from asr.media.codecs import decode_alaw, decode_slin_be, decode_ulaw, encode_ulaw
from asr.media.jitter import JitterBuffer
from asr.media.rtp import RtpPacket
from asr.vad import SpeechSegmenter, SpeechStart, VadEngine

LEG = LegRef("c", "caller")


@pytest.mark.parametrize(
    ("code", "ulaw", "alaw"),
    [
        (0x00, -32124, -5504),
        (0x7F, 0, -848),
        (0x80, 32124, 5504),
        (0xFF, 0, 848),
        (0x0F, -16764, -6784),
        (0x9A, 10876, 4032),
    ],
)
def test_g711_decoding_matches_the_reference_tables(code, ulaw, alaw):
    assert decode_ulaw(bytes([code]))[0] == ulaw
    assert decode_alaw(bytes([code]))[0] == alaw


def test_mu_law_encoding_matches_the_reference_encoder_and_round_trips_closely():
    samples = np.array([0, 100, -100, 1000, -1000, 32767, -32768], dtype=np.int16)
    assert encode_ulaw(samples).hex() == "fff272ce4e8000"
    ramp = np.arange(-32768, 32768, 7, dtype=np.int16)
    error = np.abs(decode_ulaw(encode_ulaw(ramp)).astype(int) - ramp)
    assert (error <= np.maximum(16, np.abs(ramp.astype(int)) // 16)).all()


def test_slin16_is_big_endian_on_the_wire():
    assert list(decode_slin_be(b"\x01\x00\xff\xfe\x07")) == [256, -2]


def packet(seq: int) -> RtpPacket:
    return RtpPacket(0, False, seq & 0xFFFF, seq * 160, 1, bytes([seq & 0xFF]) * 160)


def released_sequence(buffer: JitterBuffer, seqs: list[int]) -> list[int | str]:
    out: list[int | str] = []
    for seq in seqs:
        for item in buffer.push(packet(seq), 160):
            out.append(item.packet.sequence if item.packet else f"gap{item.silence_samples}")
    for item in buffer.flush():
        out.append(item.packet.sequence if item.packet else f"gap{item.silence_samples}")
    return out


def test_the_jitter_buffer_reorders_across_the_sequence_wrap_and_drops_duplicates():
    buffer = JitterBuffer(depth=3)
    out = released_sequence(buffer, [65534, 0, 65535, 1, 1, 2, 65535])
    assert out == [65534, 65535, 0, 1, 2]
    assert buffer.stats.duplicates == 2 and buffer.stats.late == 0 and buffer.stats.reordered == 1


def test_a_lost_packet_becomes_silence_of_the_same_length_once_the_buffer_gives_up_on_it():
    buffer = JitterBuffer(depth=3)
    out = released_sequence(buffer, [10, 11, 13, 14, 15, 16, 12])
    assert out == [10, 11, "gap160", 13, 14, 15, 16]
    assert buffer.stats.lost == 1
    assert buffer.stats.late == 1  # 12 turned up after its silence was played: dropped, counted


def test_a_huge_sequence_jump_restarts_the_stream_instead_of_inventing_silence():
    buffer = JitterBuffer(depth=3)
    out = released_sequence(buffer, [10, 11, 30000, 30001])
    assert out == [10, 11, 30000, 30001]
    assert buffer.stats.restarts == 1 and buffer.stats.lost == 0


class EnergyVad(VadEngine):
    """A threshold VAD: makes segment boundaries exact so the segmenter's arithmetic can be checked."""

    sample_rate = 16000
    window_samples = 320

    def is_speech(self, window: np.ndarray) -> bool:
        return bool(np.abs(window.astype(int)).mean() > 500)


def audio(*parts: tuple[str, float]) -> np.ndarray:
    chunks = []
    for kind, seconds in parts:
        n = int(seconds * 16000)
        chunks.append(np.full(n, 3000 if kind == "speech" else 0, dtype=np.int16))
    return np.concatenate(chunks)


def run_segmenter(segmenter: SpeechSegmenter, pcm: np.ndarray, step: int = 480) -> list[object]:
    out: list[object] = []
    for i in range(0, len(pcm), step):
        out += segmenter.push(AudioFrame(LEG, pcm[i : i + step], 16000, i / 16000))
    return out + segmenter.flush()


def test_segments_carry_start_and_end_times_with_padding_and_hangover():
    segmenter = SpeechSegmenter(EnergyVad(), LEG, padding_ms=200, hangover_ms=400, min_speech_ms=60)
    out = run_segmenter(
        segmenter,
        audio(
            ("silence", 1),
            ("speech", 1),
            ("silence", 0.3),
            ("speech", 0.5),
            ("silence", 1.0),
            ("speech", 0.5),
        ),
    )
    starts = [o.start for o in out if isinstance(o, SpeechStart)]
    segments = [o for o in out if isinstance(o, SpeechSegment)]
    # The 0.3 s pause is shorter than the hangover: one segment for the first two bursts.
    assert len(segments) == 2
    assert starts[0] == pytest.approx(1.0 - 0.2, abs=0.021)  # 200 ms of pre-roll before the onset
    assert segments[0].end == pytest.approx(2.8, abs=0.021)
    assert segments[1].end == pytest.approx(4.3, abs=0.021)  # cut by hang-up (flush), nothing lost
    frames = [o for o in out if isinstance(o, AudioFrame)]
    stamps = [f.timestamp for f in frames]
    assert stamps == sorted(stamps)
    assert sum(f.duration for f in frames) < 4.3 - 1.0  # leading silence was not passed on


def test_a_monologue_is_cut_into_segments_no_longer_than_the_maximum():
    segmenter = SpeechSegmenter(EnergyVad(), LEG, max_segment_seconds=2.0)
    out = run_segmenter(segmenter, audio(("speech", 5.0)))
    segments = [o for o in out if isinstance(o, SpeechSegment)]
    assert len(segments) == 3
    assert all(s.duration <= 2.0 + 1e-6 for s in segments)
    assert segments[-1].end == pytest.approx(5.0, abs=0.021)
