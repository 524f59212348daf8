"""The IVR's ear over the media taps, with a fake phrase switch (the taps) and a fake transcript feed."""

from __future__ import annotations

import asyncio

from telephony.taps import TapSpeechListener
from telephony.taps.exceptions import TapError


class FakeTaps:
    """Set-phrases calls as the worker would see them; the leg is tapped once ``ready`` is set."""

    def __init__(self, ready: bool = True, error: TapError | None = None) -> None:
        self.ready = ready
        self.error = error
        self.sent: list[list[str] | None] = []
        self.attempts = 0

    async def set_phrases(self, call_id: str, phrases: list[str] | None, leg: str = "caller") -> bool:
        self.attempts += 1
        await asyncio.sleep(0)  # a round trip to the worker
        if self.error is not None:
            raise self.error
        if not self.ready:
            return False
        self.sent.append(phrases)
        return True


class FakeFeed:
    def __init__(self) -> None:
        self.following: set[str] = set()

    async def follow(self, call_id: str) -> None:
        self.following.add(call_id)

    async def unfollow(self, call_id: str) -> None:
        self.following.discard(call_id)


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0.01)


async def test_listening_follows_the_call_and_sets_the_phrases_until_stop_restores_free_speech() -> None:
    taps, feed = FakeTaps(), FakeFeed()
    listener = TapSpeechListener(taps, feed)
    await listener.listen("c1", ("sales", "billing"))
    await settle()
    assert feed.following == {"c1"} and taps.sent == [["sales", "billing"]]
    await listener.stop("c1")
    await settle()
    assert feed.following == set() and taps.sent == [["sales", "billing"], None]


async def test_a_tap_still_being_made_gets_the_phrases_once_it_is_ready() -> None:
    taps = FakeTaps(ready=False)
    listener = TapSpeechListener(taps, FakeFeed(), retry_every=0.01)
    await listener.listen("c1", ("billing",))
    await asyncio.sleep(0.05)
    assert taps.sent == [] and taps.attempts >= 2
    taps.ready = True
    await settle()
    assert taps.sent == [["billing"]]


async def test_a_call_never_tapped_gives_up_after_the_wait_and_stop_sends_nothing() -> None:
    taps = FakeTaps(ready=False)
    listener = TapSpeechListener(taps, FakeFeed(), tap_wait=0.05, retry_every=0.01)
    await listener.listen("c1", ("billing",))
    await asyncio.sleep(0.1)
    tries = taps.attempts
    await asyncio.sleep(0.05)
    assert taps.attempts == tries  # gave up
    await listener.stop("c1")
    await settle()
    assert taps.sent == []


async def test_quick_menu_changes_reach_the_worker_in_order_and_the_latest_wins() -> None:
    taps = FakeTaps()
    listener = TapSpeechListener(taps, FakeFeed())
    await listener.listen("c1", ("english", "spanish"))
    await listener.listen("c1", ("sales", "billing"))
    await listener.listen("c1", ())
    await listener.listen("c1", ("agent",))
    await settle()
    assert taps.sent[-1] == ["agent"]
    await listener.stop("c1")
    await settle()
    assert taps.sent[-1] is None


async def test_a_worker_refusing_the_phrases_leaves_the_call_followed() -> None:
    taps, feed = FakeTaps(error=TapError("media worker w1 is gone", recoverable=False)), FakeFeed()
    listener = TapSpeechListener(taps, feed)
    await listener.listen("c1", ("billing",))
    await settle()
    assert taps.attempts == 1 and feed.following == {"c1"}  # free speech still reaches the IVR


async def test_an_unexpected_failure_setting_phrases_is_logged_and_the_next_menu_tries_again() -> None:
    class Flaky(FakeTaps):
        async def set_phrases(self, call_id: str, phrases: list[str] | None, leg: str = "caller") -> bool:
            if self.attempts == 0:
                self.attempts += 1
                raise ConnectionError("Redis restarting")
            return await super().set_phrases(call_id, phrases, leg)

    taps = Flaky()
    listener = TapSpeechListener(taps, FakeFeed())
    await listener.listen("c1", ("billing",))
    await settle()
    assert taps.sent == []
    await listener.listen("c1", ("billing",))
    await settle()
    assert taps.sent == [["billing"]]
