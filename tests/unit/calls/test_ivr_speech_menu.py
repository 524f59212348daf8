"""A speech menu in the IVR driver: a real IvrSession, a fake ARI, and a fake speech path that records
what the driver asked it to hear."""

from __future__ import annotations

import asyncio
from pathlib import Path

from test_ivr_driver import FakeRest, SilentEngine

from telephony.ivr import IvrSession, Lookup, RouteToQueue, TerminalAction, parse_flow
from telephony.ivr.driver import IvrExits, IvrRun
from telephony.ivr.prompts import PromptRenderer

FLOW = """
name: t
start: menu
fallback: operator
nodes:
  menu:
    type: menu
    prompt: "Say sales or billing, or press 1 or 2."
    timeout: 0.3
    retries: 1
    options:
      "1": {next: sales, keywords: [sales]}
      "2": {next: order, keywords: [billing, invoice]}
    on_failure: operator
  order:
    type: collect
    variable: order_number
    prompt: "Enter your invoice number."
    max_length: 4
    timeout: 5
    next: billing
  sales: {type: route_queue, queue: sales, prompt: "Connecting you to sales."}
  billing: {type: route_queue, queue: billing}
  operator: {type: route_queue, queue: general}
"""


class RecordingSpeech:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, ...] | str] = []  # phrases asked, or "stop"
        self.fail = fail

    async def listen(self, call_id: str, phrases: tuple[str, ...]) -> None:
        self.calls.append(phrases)
        if self.fail:
            raise ConnectionError("no media worker")

    async def stop(self, call_id: str) -> None:
        self.calls.append("stop")


def make_run(tmp_path: Path, speech: RecordingSpeech) -> tuple[IvrRun, FakeRest, list[TerminalAction]]:
    rest, finished = FakeRest(), []

    async def finish(run: IvrRun, action: TerminalAction) -> None:
        finished.append(action)

    async def lookup(run: IvrRun, action: Lookup) -> None:
        return None

    session = IvrSession(parse_flow(FLOW, "t"), caller_id="555")
    renderer = PromptRenderer(tmp_path, engines=[SilentEngine()])
    run = IvrRun(
        "c1",
        "chan",
        session,
        rest,
        renderer,
        IvrExits(finish, lookup),
        "general",
        speech,  # type: ignore[arg-type]
    )
    return run, rest, finished


async def test_a_spoken_keyword_stops_the_prompt_and_takes_its_branch(tmp_path: Path) -> None:
    speech = RecordingSpeech()
    run, rest, finished = make_run(tmp_path, speech)
    await run.start()
    assert speech.calls == [("sales", "billing", "invoice")]  # heard while the prompt plays
    await run.speech("Sales, please.")
    assert rest.stopped == [rest.played[0][0]]  # barge-in
    assert finished == []  # "connecting you" plays first
    await run.playback_finished(rest.played[-1][0])
    assert finished == [RouteToQueue("sales", 0, (), "en", "sales")]
    assert speech.calls[-1] == "stop"  # the leg is back to free speech for the call


async def test_nonsense_re_prompts_and_keeps_listening_then_gives_up_to_a_person(tmp_path: Path) -> None:
    speech = RecordingSpeech()
    run, rest, finished = make_run(tmp_path, speech)
    await run.start()
    await run.speech("purple monkey dishwasher")
    replayed = [media for _id, media in rest.played[1:]]
    assert len(replayed) == 2  # "Sorry, I did not get that." and the menu again: never silence
    assert speech.calls == [("sales", "billing", "invoice")]  # same phrases: nothing to switch
    await run.speech("blue elephant umbrella")
    assert finished == [RouteToQueue("general", 0, (), "en", "general")]
    assert speech.calls[-1] == "stop"


async def test_a_digit_still_works_in_a_speech_menu_and_a_dtmf_only_input_returns_to_free_speech(
    tmp_path: Path,
) -> None:
    speech = RecordingSpeech()
    run, _rest, finished = make_run(tmp_path, speech)
    await run.start()
    await run.dtmf("2")
    assert speech.calls == [("sales", "billing", "invoice"), ()]  # the collect node hears free speech
    for digit in "1234":
        await run.dtmf(digit)
    assert finished == [RouteToQueue("billing", 0, (), "en", "order")]
    assert speech.calls[-1] == "stop"


async def test_words_that_arrive_after_the_menu_closed_are_ignored(tmp_path: Path) -> None:
    speech = RecordingSpeech()
    run, rest, finished = make_run(tmp_path, speech)
    await run.start()
    await run.speech("sales")
    await run.speech("billing")  # a second utterance while "connecting you" plays
    await run.playback_finished(rest.played[-1][0])
    assert finished == [RouteToQueue("sales", 0, (), "en", "sales")]


async def test_a_broken_speech_path_leaves_the_menu_working_by_dtmf_and_timeouts(tmp_path: Path) -> None:
    speech = RecordingSpeech(fail=True)
    run, rest, finished = make_run(tmp_path, speech)
    await run.start()
    await run.playback_finished(rest.played[0][0])
    await asyncio.sleep(0.45)  # no input: re-prompted, not left in silence
    assert len(rest.played) == 3 and finished == []
    await run.dtmf("1")
    await run.playback_finished(rest.played[-1][0])
    assert finished == [RouteToQueue("sales", 0, (), "en", "sales")]


async def test_a_caller_hanging_up_in_a_speech_menu_stops_the_listening(tmp_path: Path) -> None:
    speech = RecordingSpeech()
    run, _rest, _finished = make_run(tmp_path, speech)
    await run.start()
    await run.abort()
    assert speech.calls == [("sales", "billing", "invoice"), "stop"]
