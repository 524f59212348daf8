"""Plays PCM back into a call as paced mu-law RTP (PT 0).

Asterisk drops dynamic payload types on the return path of externalMedia (slin16 is one-way only),
so replies are always G.711 mu-law, sent from the receiving socket to the address Asterisk sends
from (strict RTP learns that pair).
"""

from __future__ import annotations

import asyncio
import random
import time

import numpy as np

from asr.audio import resample
from asr.frames import PcmArray
from asr.media.codecs import encode_ulaw
from asr.media.rtp import build_rtp

ULAW_RATE = 8000
PTIME_SECONDS = 0.02
SAMPLES_PER_PACKET = int(ULAW_RATE * PTIME_SECONDS)


class RtpSender:
    """One outgoing RTP stream (own SSRC, sequence and timestamp)."""

    def __init__(self, transport: asyncio.DatagramTransport, peer: tuple[str, int]) -> None:
        self._transport = transport
        self.peer = peer
        self.ssrc = random.getrandbits(32)
        self._sequence = random.getrandbits(16)
        self._timestamp = random.getrandbits(32)
        self.packets_sent = 0

    async def play(self, pcm: PcmArray, sample_rate: int) -> float:
        """Send ``pcm`` in real time (20 ms packets); returns seconds of audio sent."""
        audio = resample(pcm, sample_rate, ULAW_RATE)
        remainder = len(audio) % SAMPLES_PER_PACKET
        if remainder:
            audio = np.concatenate([audio, np.zeros(SAMPLES_PER_PACKET - remainder, dtype=np.int16)])
        due = time.monotonic()
        for index, offset in enumerate(range(0, len(audio), SAMPLES_PER_PACKET)):
            payload = encode_ulaw(audio[offset : offset + SAMPLES_PER_PACKET])
            # The marker bit flags the start of a talkspurt so the far end resets its jitter buffer.
            packet = build_rtp(0, self._sequence, self._timestamp, self.ssrc, payload, marker=index == 0)
            self._transport.sendto(packet, self.peer)
            self._sequence = (self._sequence + 1) & 0xFFFF
            self._timestamp = (self._timestamp + SAMPLES_PER_PACKET) & 0xFFFFFFFF
            self.packets_sent += 1
            due += PTIME_SECONDS
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        return len(audio) / ULAW_RATE
