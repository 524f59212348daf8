"""Speech menus over the media taps: the caller's leg in phrase mode, their words back as events.

One way round, no replies to wait for: the IVR asks the caller's media worker (control channel,
``phrases`` op) to hear the menu's phrases, and follows the call's event channel, where the worker
already publishes every final transcript of the leg (``transcript.final``, the same event the
console shows). A final of the ``caller`` leg goes to the IVR as what the caller said; the IVR
matches the keywords. At the end of the IVR the leg goes back to free speech and the controller
stops following the call.

The tap may still be in the making when the first menu opens (it starts with the call): the phrase
list is retried until the tap is ready, for a bounded time. Without a tap, or with a worker that
cannot take the phrases, the menu still works by DTMF and no-input still re-prompts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import redis
import redis.asyncio as aredis

from asr.events import TranscriptFinal
from config.events import channel_name
from telephony.taps.exceptions import TapError

log = logging.getLogger(__name__)

CALLER_LEG = "caller"
Heard = Callable[[str, str], Awaitable[None]]  # (call id, what the caller said)


class PhraseSwitch(Protocol):
    """Sets a tapped leg's phrase list on its worker (:class:`~telephony.taps.MediaTapService`)."""

    async def set_phrases(self, call_id: str, phrases: list[str] | None, leg: str = ...) -> bool: ...


class TranscriptFeed(Protocol):
    """Final transcripts of the caller leg of followed calls (the seam unit tests fake)."""

    async def follow(self, call_id: str) -> None: ...

    async def unfollow(self, call_id: str) -> None: ...


class RedisTranscriptFeed:
    """One pub/sub connection following the event channels of the calls in a speech menu."""

    def __init__(self, client: aredis.Redis, heard: Heard, *, leg: str = CALLER_LEG) -> None:
        self._pubsub = client.pubsub(ignore_subscribe_messages=True)
        self._heard = heard
        self._leg = leg
        self._reader: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()

    async def follow(self, call_id: str) -> None:
        await self._pubsub.subscribe(channel_name("call", call_id))
        if self._reader is None or self._reader.done():
            self._reader = asyncio.get_running_loop().create_task(self._read(), name="ivr-speech-feed")

    async def unfollow(self, call_id: str) -> None:
        await self._pubsub.unsubscribe(channel_name("call", call_id))

    async def _read(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except (redis.RedisError, OSError) as exc:
                # redis-py subscribes again on reconnect; until then the menus work by DTMF.
                log.warning("IVR speech feed lost Redis: %s", exc)
                await asyncio.sleep(1.0)
                continue
            if message is not None and message.get("type") == "message":
                self._dispatch(message["data"])

    def _dispatch(self, raw: bytes | str) -> None:
        """Only the typed final of the followed leg matters; other call events pass by unparsed."""
        try:
            envelope = json.loads(raw)
            if envelope.get("type") != TranscriptFinal.event_type:
                return
            final = TranscriptFinal.model_validate(envelope["data"])
        except (ValueError, KeyError, AttributeError):
            log.warning("IVR speech feed skipped a malformed event")
            return
        if final.leg != self._leg or not final.text.strip():
            return
        task = asyncio.get_running_loop().create_task(self._deliver(final.call_id, final.text))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver(self, call_id: str, text: str) -> None:
        try:
            await self._heard(call_id, text)
        except Exception:
            log.exception("call %s: the IVR could not take what the caller said", call_id)

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._pubsub.aclose()


class TapSpeechListener:
    """:class:`~telephony.ivr.listening.CallerSpeech` over the caller's media tap."""

    def __init__(
        self,
        taps: PhraseSwitch,
        feed: TranscriptFeed,
        *,
        tap_wait: float = 5.0,
        retry_every: float = 0.1,
    ) -> None:
        self.taps = taps
        self.feed = feed
        self.tap_wait = tap_wait  # how long a phrase list waits for the caller's tap to be ready
        self.retry_every = retry_every
        self._wanted: dict[str, list[str] | None] = {}  # call -> phrases the leg should have
        self._applied: dict[str, list[str] | None] = {}  # call -> phrases the worker has (tapped)
        self._applying: dict[str, asyncio.Task[None]] = {}

    async def listen(self, call_id: str, phrases: tuple[str, ...]) -> None:
        await self.feed.follow(call_id)
        self._want(call_id, list(phrases) or None)

    async def stop(self, call_id: str) -> None:
        try:
            await self.feed.unfollow(call_id)
        finally:
            self._want(call_id, None)

    def _want(self, call_id: str, phrases: list[str] | None) -> None:
        """Record the latest wish; one task per call applies it (latest wins, never reordered)."""
        self._wanted[call_id] = phrases
        if call_id not in self._applying:
            self._applying[call_id] = asyncio.get_running_loop().create_task(self._apply(call_id))

    async def _apply(self, call_id: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.tap_wait
        try:
            while (wanted := self._wanted.get(call_id)) != self._applied.get(call_id):
                try:
                    ready = await self.taps.set_phrases(call_id, wanted)
                except TapError as exc:
                    log.warning("call %s: phrase list not set (%s); the menu hears free speech", call_id, exc)
                    return
                except Exception:  # Redis away for a moment: the menu still works by DTMF
                    log.exception("call %s: phrase list not set", call_id)
                    return
                if ready:
                    self._applied[call_id] = wanted
                elif wanted is None:
                    return  # the tap is gone: nothing to switch back
                elif loop.time() >= deadline:
                    log.info("call %s: caller leg not tapped in time for its phrase list", call_id)
                    return
                else:
                    await asyncio.sleep(self.retry_every)
        finally:
            # No await between the last look at the wish and this: a new wish starts a new task.
            del self._applying[call_id]
            if self._wanted.get(call_id) is None:
                self._wanted.pop(call_id, None)
                self._applied.pop(call_id, None)
