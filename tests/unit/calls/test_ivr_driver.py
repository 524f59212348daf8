"""The IVR driver with a real IvrSession, a fake ARI (play/stop only) and a silent TTS engine."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np

from telephony.ivr import IvrSession, Lookup, OrderStatus, RouteToQueue, TerminalAction, parse_flow
from telephony.ivr.driver import IvrExits, IvrRun
from telephony.ivr.prompts import PromptRenderer, Speech

FLOW = """
name: t
start: order
fallback: operator
nodes:
  order:
    type: collect
    variable: order_number
    prompt: "Enter your order number."
    min_length: 4
    max_length: 8
    timeout: 0.3
    retries: 0
    next: find
    on_failure: operator
  find: {type: lookup_order, found: status, not_found: operator}
  status: {type: play, prompt: "Order {order_number} is {order.status}.", next: bye}
  bye: {type: hangup}
  operator: {type: route_queue, queue: general}
"""


class SilentEngine:
    def voice_id(self, language: str) -> str | None:
        return "silent"

    def synthesize(self, text: str, language: str) -> Speech:
        return Speech(np.zeros(800, dtype=np.int16), 8000)


class FakeRest:
    def __init__(self) -> None:
        self.played: list[tuple[str, str]] = []  # (playback id, media)
        self.stopped: list[str] = []

    async def play(self, channel_id: str, media: str, playback_id: str | None = None) -> None:
        self.played.append((playback_id or "", media))

    async def stop_playback(self, playback_id: str) -> None:
        self.stopped.append(playback_id)


def make_run(tmp_path: Path, prompts: Any = None) -> tuple[IvrRun, FakeRest, list[TerminalAction]]:
    rest, finished = FakeRest(), []

    async def finish(run: IvrRun, action: TerminalAction) -> None:
        finished.append(action)

    async def lookup(run: IvrRun, action: Lookup) -> OrderStatus | None:
        return OrderStatus(action.value, "shipped") if action.value == "4829" else None

    session = IvrSession(parse_flow(FLOW, "t"), caller_id="555")
    renderer = prompts or PromptRenderer(tmp_path, engines=[SilentEngine()])
    exits = IvrExits(finish, lookup)
    run = IvrRun("c1", "chan", session, rest, renderer, exits, "general")  # type: ignore[arg-type]
    return run, rest, finished


async def test_digits_and_hash_look_the_order_up_and_read_it_back_before_hanging_up(tmp_path: Path) -> None:
    run, rest, finished = make_run(tmp_path)
    await run.start()
    assert len(rest.played) == 1
    for digit in "4829#":
        await run.dtmf(digit)
    assert rest.stopped == [rest.played[0][0]]  # the first digit stopped the prompt (barge-in)
    await asyncio.sleep(0.05)  # the lookup runs in its own task
    assert len(rest.played) == 2 and finished == []  # the status is playing; hang up waits for it
    await run.playback_finished(rest.played[1][0])
    assert [type(a).__name__ for a in finished] == ["Hangup"]
    assert "order:collected 4 digits via dtmf" in run.session.path_summary()


async def test_the_no_input_timer_starts_after_the_prompt_and_restarts_on_each_digit(tmp_path: Path) -> None:
    run, rest, finished = make_run(tmp_path)
    await run.start()
    await asyncio.sleep(0.5)
    assert finished == []  # still prompting: no timer yet
    await run.playback_finished(rest.played[0][0])
    await run.dtmf("4")
    await asyncio.sleep(0.2)
    await run.dtmf("8")  # restarts the 0.3 s timer
    await asyncio.sleep(0.2)
    assert finished == []
    await asyncio.sleep(0.3)  # quiet: "48" is too short -> on_failure -> operator
    assert finished == [RouteToQueue("general", 0, (), "en", "general")]


async def test_a_prompt_that_cannot_be_rendered_sends_the_caller_to_the_fallback_queue(
    tmp_path: Path,
) -> None:
    class Broken:
        def media(self, **_: Any) -> str:
            raise OSError("disk full")

    run, _rest, finished = make_run(tmp_path, prompts=Broken())
    await run.start()
    assert finished == [RouteToQueue("general", 0, (), "en", "fallback")]
