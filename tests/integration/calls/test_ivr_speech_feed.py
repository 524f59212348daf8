"""The IVR speech feed on the real Redis: what the media worker's notifier publishes for a followed call's
caller leg reaches the IVR; other legs, other events and unfollowed calls do not."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis
import redis.asyncio as aredis
from calls_helpers import REDIS_URL

from asr.events import TranscriptFinal, TranscriptPartial
from config.events import Notifier
from telephony.taps import RedisTranscriptFeed

pytestmark = pytest.mark.integration


def final(call_id: str, leg: str, text: str) -> TranscriptFinal:
    return TranscriptFinal(
        call_id=call_id, leg=leg, text=text, start=0.0, end=1.0, confidence=0.9, words=[], engine="whisper"
    )


async def test_caller_finals_of_followed_calls_reach_the_ivr_and_nothing_else_does() -> None:
    heard: list[tuple[str, str]] = []

    async def caller_said(call_id: str, text: str) -> None:
        heard.append((call_id, text))

    client = aredis.Redis.from_url(REDIS_URL)
    feed = RedisTranscriptFeed(client, caller_said)
    notifier = Notifier(redis.Redis.from_url(REDIS_URL))
    call, other = uuid.uuid4().hex, uuid.uuid4().hex
    try:
        await feed.follow(call)
        await asyncio.sleep(0.1)
        notifier.publish(TranscriptPartial(call_id=call, leg="caller", text="bill", start=0.0))
        notifier.publish(final(call, "agent", "billing is on the line"))
        notifier.publish(final(other, "caller", "sales"))  # a call nobody follows
        notifier.publish(final(call, "caller", "Billing."))
        for _ in range(50):
            if heard:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        assert heard == [(call, "Billing.")]
        # A second call followed while the reader is waiting on the connection.
        await feed.follow(other)
        await feed.unfollow(call)
        await asyncio.sleep(0.1)
        notifier.publish(final(call, "caller", "sales"))
        notifier.publish(final(other, "caller", "agent please"))
        for _ in range(50):
            if len(heard) > 1:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        assert heard == [(call, "Billing."), (other, "agent please")]
    finally:
        await feed.aclose()
        await client.aclose()
