"""The FAQ step in the IVR driver: a real IvrSession, a fake ARI, a fake speech path and a fake bot at
the :class:`~telephony.ivr.faq.FaqAnswerer` seam."""

from __future__ import annotations

import asyncio
from pathlib import Path

from test_ivr_driver import FakeRest, SilentEngine
from test_ivr_speech_menu import RecordingSpeech

from telephony.ivr import IvrSession, Lookup, RouteToQueue, TerminalAction, parse_flow
from telephony.ivr.actions import Hangup
from telephony.ivr.driver import IvrExits, IvrRun
from telephony.ivr.faq import CONFIRM_KEYWORDS, FaqAnswer
from telephony.ivr.prompts import PromptRenderer

FLOW = """
name: t
start: menu
fallback: operator
nodes:
  menu:
    type: menu
    prompt: "Say sales, or press 9 to ask a question."
    options:
      "1": {next: sales, keywords: [sales]}
      "9": {next: ask, label: question}
  ask: {type: faq, timeout: 0.3, bot_timeout: 0.3, confirm_timeout: 0.3}
  sales: {type: route_queue, queue: sales}
  operator: {type: route_queue, queue: general, prompt: "Please hold."}
"""


class FakeBot:
    def __init__(self, answer: FaqAnswer | None = None, delay: float = 0.0, fail: bool = False) -> None:
        self.questions: list[tuple[str, str]] = []
        self._answer = answer
        self._delay = delay
        self._fail = fail

    async def answer(self, question: str, language: str) -> FaqAnswer:
        self.questions.append((question, language))
        await asyncio.sleep(self._delay)
        if self._fail:
            raise RuntimeError("encoder not loaded")
        return self._answer or FaqAnswer(answered=False, reason="not confident")

    def warm_up(self) -> None:
        return None


REFUND = FaqAnswer(answered=True, text="Refunds take five working days.", article_key="refunds")


def make_run(
    tmp_path: Path, bot: FakeBot | None
) -> tuple[IvrRun, FakeRest, RecordingSpeech, list[TerminalAction], PromptRenderer]:
    rest, speech, finished = FakeRest(), RecordingSpeech(), []

    async def finish(run: IvrRun, action: TerminalAction) -> None:
        finished.append(action)

    async def lookup(run: IvrRun, action: Lookup) -> None:
        return None

    session = IvrSession(parse_flow(FLOW, "t"), caller_id="555")
    renderer = PromptRenderer(tmp_path, engines=[SilentEngine()])
    exits = IvrExits(finish, lookup, bot)
    run = IvrRun("c1", "chan", session, rest, renderer, exits, "general", speech)  # type: ignore[arg-type]
    return run, rest, speech, finished, renderer


async def play_out(run: IvrRun, rest: FakeRest) -> None:
    for playback_id, _media in list(rest.played):
        await run.playback_finished(playback_id)


async def test_the_question_is_heard_in_free_speech_and_the_answer_played_then_confirmed(
    tmp_path: Path,
) -> None:
    bot = FakeBot(REFUND)
    run, rest, speech, finished, renderer = make_run(tmp_path, bot)
    await run.start()
    await run.dtmf("9")
    assert speech.calls[-1] == ()  # the menu's phrases off: free speech for the question
    await run.speech("how long does a refund take")
    await asyncio.sleep(0.05)  # the bot runs in its own task
    assert bot.questions == [("how long does a refund take", "en")]
    played = [media for _id, media in rest.played]
    assert renderer.render(REFUND.text, "en").media in played
    assert renderer.render("I am an automated assistant. Here is what I found.", "en").media in played
    assert speech.calls[-1] == CONFIRM_KEYWORDS  # yes / no heard as phrases
    stopped = list(rest.stopped)
    await run.speech("hmm")  # a noise while the answer plays: the answer goes on
    assert rest.stopped == stopped and run.session.waiting.value == "input"
    await run.dtmf("1")
    await play_out(run, rest)
    assert finished == [Hangup("answered by the FAQ bot")]
    assert speech.calls[-1] == "stop"
    assert "ask:asked: how long does a refund take" in run.session.path_summary()


async def test_an_unsure_bot_sends_the_caller_to_the_fallback_queue_with_a_short_line(tmp_path: Path) -> None:
    run, rest, _speech, finished, renderer = make_run(tmp_path, FakeBot())
    await run.start()
    await run.dtmf("9")
    await run.speech("my parrot swallowed the router")
    await asyncio.sleep(0.05)
    assert rest.played[-1][1] == renderer.render("Let me connect you to an agent.", "en").media
    await play_out(run, rest)
    assert finished == [RouteToQueue("general", 0, (), "en", "question")]


async def test_a_silent_caller_is_not_left_waiting(tmp_path: Path) -> None:
    run, rest, _speech, finished, _renderer = make_run(tmp_path, FakeBot(REFUND))
    await run.start()
    await run.dtmf("9")
    await play_out(run, rest)  # the question prompt ends; the 0.3 s timer starts
    await asyncio.sleep(0.45)
    await play_out(run, rest)
    assert finished == [RouteToQueue("general", 0, (), "en", "question")]
    assert "no question heard" in run.session.path_summary()


async def test_a_slow_or_broken_bot_hands_over(tmp_path: Path) -> None:
    for bot, why in ((FakeBot(REFUND, delay=2.0), "no answer in time"), (FakeBot(fail=True), "bot failed")):
        run, rest, _speech, finished, _renderer = make_run(tmp_path, bot)
        await run.start()
        await run.dtmf("9")
        await run.speech("how long does a refund take")
        await asyncio.sleep(0.45)
        await play_out(run, rest)
        assert finished == [RouteToQueue("general", 0, (), "en", "question")], why
        assert f"bot handed over ({why})" in run.session.path_summary()
        await run.abort()


async def test_without_a_bot_the_step_hands_over(tmp_path: Path) -> None:
    run, rest, _speech, finished, _renderer = make_run(tmp_path, None)
    await run.start()
    await run.dtmf("9")
    await run.speech("how long does a refund take")
    await asyncio.sleep(0.05)
    await play_out(run, rest)
    assert finished == [RouteToQueue("general", 0, (), "en", "question")]
    assert "bot handed over (no bot)" in run.session.path_summary()
