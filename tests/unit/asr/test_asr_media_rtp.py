"""The media worker's RTP edge fed real UDP datagrams on loopback, including hostile input."""

from __future__ import annotations

import asyncio
import os
import socket

import numpy as np
import pytest

from asr.frames import AudioFrame, LegRef
from asr.media.codecs import decode_ulaw, encode_ulaw
from asr.media.rtp import build_rtp, parse_rtp
from asr.media.server import RtpServer

PORTS = (
    int(os.environ.get("VOXDESK_TEST_RTP_BASE", "31000")),
    int(os.environ.get("VOXDESK_TEST_RTP_BASE", "31000")) + 40,
)


class RecordingConsumer:
    """Stands in for the pipeline at its real interface (push_frame / end_of_audio)."""

    def __init__(self) -> None:
        self.frames: list[AudioFrame] = []
        self.ends = 0

    def push_frame(self, frame: AudioFrame) -> None:
        self.frames.append(frame)

    def end_of_audio(self) -> None:
        self.ends += 1

    @property
    def pcm(self) -> np.ndarray:
        return np.concatenate([f.pcm for f in self.frames]) if self.frames else np.zeros(0, np.int16)


def tone(seconds: float, rate: int = 8000, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (8000 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def ulaw_packets(
    pcm8k: np.ndarray, ssrc: int = 1234, seq0: int = 65530, ts0: int = 4294967000
) -> list[bytes]:
    """20 ms mu-law packets; sequence and timestamp start near their wrap-around on purpose."""
    return [
        build_rtp(0, seq0 + i, ts0 + 160 * i, ssrc, encode_ulaw(pcm8k[i * 160 : (i + 1) * 160]))
        for i in range(len(pcm8k) // 160)
    ]


def udp_client() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    return sock


async def send_all(sock: socket.socket, port: int, datagrams: list[bytes], pause: float = 0.0) -> None:
    for datagram in datagrams:
        sock.sendto(datagram, ("127.0.0.1", port))
        if pause:
            await asyncio.sleep(pause)
    await asyncio.sleep(0.15)


@pytest.fixture
async def server():
    rtp = await RtpServer("127.0.0.1", PORTS, idle_timeout=0.3).start()
    yield rtp
    await rtp.close()


def test_rtp_parsing_skips_csrcs_extensions_and_padding():
    payload = b"\x01\x02\x03\x04"
    base = build_rtp(0, 1, 2, 3, b"")
    # CSRC count 1, extension (1 word) and 2 bytes of padding.
    header = bytes([0x80 | 0x10 | 0x20 | 0x01]) + base[1:] + b"\0\0\0\x09" + b"\xbe\xde\x00\x01" + b"abcd"
    packet = parse_rtp(header + payload + b"\x00\x02")
    assert packet.payload == payload and packet.sequence == 1 and packet.ssrc == 3


async def test_a_clean_ulaw_stream_decodes_to_16khz_frames_on_the_leg_clock(server):
    consumer = RecordingConsumer()
    leg = LegRef("call-1", "caller")
    allocation = await server.allocate_port(leg, "ulaw", consumer)
    sock = udp_client()
    audio = tone(1.0)
    await send_all(sock, allocation.port, ulaw_packets(audio))
    server.release(leg)
    assert consumer.ends >= 1
    received = consumer.pcm
    assert abs(len(received) - 16000) <= 320
    assert {f.sample_rate for f in consumer.frames} == {16000}
    stamps = [f.timestamp for f in consumer.frames]
    assert stamps == sorted(stamps)
    # The 440 Hz tone survives mu-law and resampling: its spectrum peaks at 440 Hz.
    spectrum = np.abs(np.fft.rfft(received[1600:14400].astype(float)))
    assert abs(np.argmax(spectrum) * 16000 / len(received[1600:14400]) - 440) < 5
    stats = allocation.stream.stats()
    assert stats["lost"] == 0 and stats["dropped"] == {}
    sock.close()


async def test_bad_input_is_counted_and_dropped_while_another_call_is_unaffected(server):
    good, bad = RecordingConsumer(), RecordingConsumer()
    clean = await server.allocate_port(LegRef("call-ok", "caller"), "ulaw", good)
    target = await server.allocate_port(LegRef("call-bad", "caller"), "ulaw", bad)
    audio = tone(1.0, hz=300)
    packets = ulaw_packets(audio, ssrc=77)
    rng = np.random.default_rng(7)
    hostile: list[bytes] = []
    hostile += [rng.integers(0, 256, size=int(n), dtype=np.uint8).tobytes() for n in rng.integers(0, 400, 30)]
    hostile += [build_rtp(18, 5, 5, 77, b"\0" * 20)]  # G.729 payload type where ulaw was agreed
    hostile += [build_rtp(0, 9, 9, 77, b"\x7f" * 9000)]  # oversized datagram
    hostile += [b"\x80\xc8" + b"\0" * 26]  # an RTCP sender report on the RTP port
    mangled = list(packets)
    mangled[10], mangled[11] = mangled[11], mangled[10]  # out of order
    mangled.insert(20, packets[19])  # duplicate
    del mangled[30]  # lost
    interleaved = []
    for i, packet in enumerate(mangled):
        interleaved.append(packet)
        if i < len(hostile):
            interleaved.append(hostile[i])
    sock_good, sock_bad = udp_client(), udp_client()
    await asyncio.gather(
        send_all(sock_good, clean.port, packets, pause=0.001),
        send_all(sock_bad, target.port, interleaved, pause=0.001),
    )
    stats = target.stream.stats()
    clean_stats = clean.stream.stats()
    server.release(target.leg)
    server.release(clean.leg)
    dropped = stats["dropped"]
    assert isinstance(dropped, dict)
    assert dropped.get("oversized") == 1 and dropped.get("rtcp") == 1
    assert dropped.get("payload_type", 0) >= 1
    assert sum(dropped.values()) >= 25, dropped  # the random datagrams
    assert stats["duplicates"] + stats["late"] >= 1
    assert stats["reordered"] >= 1 and stats["lost"] == 1
    # The damaged call still has (almost) all of its audio, the gap filled with silence.
    assert abs(len(bad.pcm) - 16000) <= 320
    # The other call got exactly what was sent.
    assert clean_stats["dropped"] == {} and clean_stats["lost"] == 0
    expected = decode_ulaw(b"".join(parse_rtp(p).payload for p in packets))
    assert abs(len(good.pcm) - 2 * len(expected)) <= 320
    sock_good.close()
    sock_bad.close()


async def test_a_stream_that_stops_mid_word_is_flushed_by_the_idle_timeout(server):
    consumer = RecordingConsumer()
    allocation = await server.allocate_port(LegRef("call-2", "caller"), "ulaw", consumer)
    sock = udp_client()
    packets = ulaw_packets(tone(0.5))
    # The last packet before silence overtakes its predecessor, so it sits in the jitter buffer.
    packets[-1], packets[-2] = packets[-2], packets[-1]
    await send_all(sock, allocation.port, packets)
    assert consumer.ends == 0
    await asyncio.sleep(0.5)
    assert consumer.ends == 1
    assert allocation.stream.stats()["idle_flushes"] == 1
    assert abs(len(consumer.pcm) - 8000) <= 320
    # Audio resuming later starts a new run, anchored later on the leg clock.
    before = consumer.frames[-1].end
    await send_all(sock, allocation.port, ulaw_packets(tone(0.2), seq0=100, ts0=0, ssrc=1234))
    assert consumer.frames[-1].timestamp > before + 0.3
    sock.close()


async def test_slin16_big_endian_is_decoded_at_16khz_and_an_odd_payload_is_dropped(server):
    consumer = RecordingConsumer()
    allocation = await server.allocate_port(LegRef("call-3", "agent"), "slin16", consumer)
    sock = udp_client()
    audio = tone(0.4, rate=16000)
    packets = [
        build_rtp(118, i, 320 * i, 5, audio[i * 320 : (i + 1) * 320].astype(">i2").tobytes())
        for i in range(20)
    ]
    packets.insert(5, build_rtp(118, 999, 0, 5, b"\x01\x02\x03"))
    await send_all(sock, allocation.port, packets)
    server.release(allocation.leg)
    assert np.array_equal(consumer.pcm[: len(audio)], audio[: len(consumer.pcm)])
    assert allocation.stream.stats()["dropped"] == {"payload_size": 1}
    sock.close()


async def test_audio_played_back_goes_out_as_ulaw_rtp_to_the_address_asterisk_sends_from(server):
    consumer = RecordingConsumer()
    allocation = await server.allocate_port(LegRef("call-4", "caller"), "slin16", consumer)
    asterisk = udp_client()
    asterisk.setblocking(False)
    await send_all(asterisk, allocation.port, [build_rtp(118, 1, 0, 9, b"\0" * 640)])
    reply = tone(0.3, rate=16000, hz=500)
    seconds = await server.play(allocation.leg, reply, 16000)
    assert seconds == pytest.approx(0.3, abs=0.02)
    received = []
    while True:
        try:
            received.append(parse_rtp(asterisk.recv(2048)))
        except BlockingIOError:
            break
    assert len(received) == 15
    assert {p.payload_type for p in received} == {0} and received[0].marker
    assert [p.sequence for p in received] == [(received[0].sequence + i) & 0xFFFF for i in range(15)]
    assert all(len(p.payload) == 160 for p in received)
    pcm = decode_ulaw(b"".join(p.payload for p in received))
    spectrum = np.abs(np.fft.rfft(pcm[400:2000].astype(float)))
    assert abs(np.argmax(spectrum) * 8000 / 1600 - 500) < 10
    asterisk.close()


async def test_a_leg_moved_from_a_dead_worker_goes_on_with_its_leg_clock(server):
    consumer = RecordingConsumer()
    allocation = await server.allocate_port(LegRef("call-5", "caller"), "ulaw", consumer, elapsed=42.0)
    sock = udp_client()
    await send_all(sock, allocation.port, ulaw_packets(tone(0.2)))
    server.release(allocation.leg)
    # Segments after the move are stamped after the ones the dead worker stored, never on top of them.
    assert 42.0 <= consumer.frames[0].timestamp < 42.5
    sock.close()
