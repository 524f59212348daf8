"""Drives one caller's :class:`telephony.ivr.IvrSession` over ARI and feeds it the caller's events.

``Play`` -> a prompt rendered by :mod:`telephony.ivr.prompts` (cached; Asterisk's own sounds as they are).
An input action (``CollectDtmf``/``ListenSpeech``) opens input at once, so a digit stops the prompts
(barge-in); its no-input timer starts when the prompts before it have finished and restarts on every
digit. ``Lookup`` runs in its own task. A terminal action waits for the prompts before it (the
"connecting you" line is heard) and then leaves through :class:`IvrExits`. Any error on the way sends
the caller to the flow's fallback queue: nobody is left in silence.

A menu with spoken keywords also asks :class:`~telephony.ivr.listening.CallerSpeech` to hear the
caller with its phrases; the words come back through :meth:`IvrRun.speech` and count like a digit.
The IVR's end returns the leg to free speech. The FAQ step hears the caller's question in free
speech (a ``ListenSpeech`` without keywords) and asks the bot (:attr:`IvrExits.faq`) in a task.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from telephony.ari import AriNotFoundError, AriRest
from telephony.ivr import (
    CollectDtmf,
    IvrAction,
    IvrSession,
    ListenSpeech,
    Lookup,
    Play,
    RouteToQueue,
    TerminalAction,
    Waiting,
)
from telephony.ivr.actions import AskFaq
from telephony.ivr.faq import HANDOVER, FaqAnswer, FaqAnswerer
from telephony.ivr.listening import CallerSpeech, NoCallerSpeech
from telephony.ivr.lookups import LookupResult
from telephony.ivr.nodes import RouteQueueNode
from telephony.ivr.prompts import PromptRenderer

log = logging.getLogger(__name__)

PLAYBACK_PREFIX = "ivr-"
TERMINAL_PROMPT_LIMIT_S = 60.0  # a lost PlaybackFinished must not keep a caller from their queue
SPEECH_CALL_LIMIT_S = 2.0  # the speech path is a bonus: a slow one never holds up the prompts


@dataclass
class IvrExits:
    """Where the IVR hands over: a terminal action (queue, transfer, voicemail...) and lookups."""

    finish: Callable[[IvrRun, TerminalAction], Awaitable[None]]
    lookup: Callable[[IvrRun, Lookup], Awaitable[LookupResult]]
    faq: FaqAnswerer | None = None  # without a bot the FAQ step hands every caller over


def fallback_route(session: IvrSession, default_queue: str) -> RouteToQueue:
    """The flow's fallback as a queue (the default queue when the fallback is not a queue node)."""
    node = session.flow.nodes.get(session.flow.fallback)
    queue = node.queue if isinstance(node, RouteQueueNode) else default_queue
    return RouteToQueue(queue, 0, (), session.language, "fallback")


class IvrRun:
    """In-memory companion of a call in state ``ivr`` (restarted from the top after a takeover)."""

    _ids = itertools.count(1)

    def __init__(
        self,
        call_id: str,
        channel_id: str,
        session: IvrSession,
        rest: AriRest,
        prompts: PromptRenderer,
        exits: IvrExits,
        default_queue: str,
        speech: CallerSpeech | None = None,
    ) -> None:
        self.call_id = call_id
        self.channel_id = channel_id
        self.session = session
        self._rest = rest
        self._prompts = prompts
        self._exits = exits
        self._default_queue = default_queue
        self._lock = asyncio.Lock()
        self._playing: dict[str, str] = {}  # playback id -> ref
        self._input: CollectDtmf | ListenSpeech | None = None
        self._speech: CallerSpeech = speech or NoCallerSpeech()
        self.listening_for: tuple[str, ...] = ()  # spoken keywords the speech path listens for
        self._hearing = False  # the speech path was asked to hear this caller
        self._timer: asyncio.TimerHandle | None = None
        self._terminal: TerminalAction | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.finished = False

    # -- events --------------------------------------------------------------------------------------
    async def start(self) -> None:
        async with self._lock:
            await self._step(self.session.start)

    async def dtmf(self, digit: str) -> None:
        async with self._lock:
            if self.finished or self._input is None:
                return
            self._cancel_timer()
            await self._stop_prompts()  # barge-in
            await self._step(lambda: self.session.on_dtmf(digit), keep_input=True)

    async def speech(self, text: str) -> None:
        """What the caller said (from the ASR path, once it lands); same rules as a digit, except that
        words the input does not take (a cough while the FAQ answer plays) leave the prompts playing."""
        async with self._lock:
            if self.finished or self._input is None or not text.strip():
                return
            try:
                actions = self.session.on_speech(text)
            except Exception:
                log.exception("IVR of call %s failed on speech; fallback queue", self.call_id)
                await self._fail_safe()
                return
            if not actions and self.session.waiting is Waiting.INPUT:
                return
            self._cancel_timer()
            await self._stop_prompts()
            await self._step(lambda: actions, keep_input=True)

    async def playback_finished(self, playback_id: str) -> None:
        async with self._lock:
            ref = self._playing.pop(playback_id, None)
            if ref is None or self.finished:
                return
            if self._terminal is not None:
                if not self._playing:
                    await self._leave(self._terminal)
            elif self._input is not None:
                self._arm_timer()
            else:
                await self._step(lambda: self.session.on_playback_finished(ref))

    async def _timed_out(self, token: int) -> None:
        async with self._lock:
            self._timer = None
            if self.finished or self._input is None or self._input.token != token:
                return
            self._input = None
            await self._step(lambda: self.session.on_timeout(token))

    async def _terminal_overdue(self) -> None:
        async with self._lock:
            if not self.finished and self._terminal is not None:
                log.warning("call %s: prompts before %s never finished", self.call_id, self._terminal)
                await self._leave(self._terminal)

    async def _ask_faq(self, action: AskFaq) -> None:
        bot = self._exits.faq
        try:
            answer = await bot.answer(action.question, action.language) if bot else HANDOVER
        except Exception:  # a broken bot hands over; the caller is never left waiting on it
            log.exception("call %s: the FAQ bot failed", self.call_id)
            answer = FaqAnswer(answered=False, reason="bot failed")
        async with self._lock:
            if not self.finished:
                await self._step(lambda: self.session.on_faq_answer(answer, action.token))

    async def _lookup(self, action: Lookup) -> None:
        try:
            result = await self._exits.lookup(self, action)
        except Exception:
            log.exception("call %s: %s lookup failed", self.call_id, action.kind)
            result = None
        async with self._lock:
            if not self.finished:
                await self._step(lambda: self.session.on_lookup_result(action.kind, result))

    # -- performing actions ----------------------------------------------------------------------------
    async def _step(self, event: Callable[[], Sequence[IvrAction]], *, keep_input: bool = False) -> None:
        """Feed one event to the session and perform its answer; any failure -> the fallback queue."""
        try:
            actions = event()
            if keep_input and not actions and self.session.waiting is Waiting.INPUT:
                self._arm_timer()  # more digits to come: the no-input timer starts again
                return
            self._input = None
            await self._perform(actions)
        except Exception:
            log.exception("IVR of call %s failed; sending the caller to the fallback queue", self.call_id)
            await self._fail_safe()

    async def _perform(self, actions: Sequence[IvrAction]) -> None:
        hear: tuple[str, ...] | None = None  # the phrases to hear when these actions open input
        speech = False  # these actions listen for words (no phrases: free speech)
        for action in actions:
            if self.finished:
                return
            if isinstance(action, Play):
                if not await self._play(action):
                    return
            elif isinstance(action, CollectDtmf | ListenSpeech):
                hear = action.keywords if isinstance(action, ListenSpeech) else (hear or ())
                speech = speech or isinstance(action, ListenSpeech)
                self._input = action
                self._arm_timer()
            elif isinstance(action, Lookup):
                self._spawn(self._lookup(action))
            elif isinstance(action, AskFaq):
                self._arm_bot_timer(action)
                self._spawn(self._ask_faq(action))
            else:
                self._terminal = action
                if not self._playing:
                    await self._leave(action)
                else:
                    loop = asyncio.get_running_loop()
                    loop.call_later(TERMINAL_PROMPT_LIMIT_S, lambda: self._spawn(self._terminal_overdue()))
        if hear is not None and not self.finished:
            await self._hear(hear, speech)

    async def _hear(self, phrases: tuple[str, ...], speech: bool) -> None:
        """Ask the speech path for this input's phrases (a DTMF-only input after a speech menu
        switches the leg back to free speech); a failure leaves the menu working by DTMF."""
        if self._hearing and phrases == self.listening_for:
            return
        if not self._hearing and not speech:
            return  # DTMF only, and the leg was never switched: nothing to ask
        self.listening_for, self._hearing = phrases, True
        try:
            await asyncio.wait_for(self._speech.listen(self.call_id, phrases), SPEECH_CALL_LIMIT_S)
        except Exception:
            log.warning("call %s: cannot listen for %s; DTMF works", self.call_id, phrases, exc_info=True)

    async def _stop_hearing(self) -> None:
        if not self._hearing:
            return
        self._hearing, self.listening_for = False, ()
        try:
            await asyncio.wait_for(self._speech.stop(self.call_id), SPEECH_CALL_LIMIT_S)
        except Exception:
            log.warning("call %s: the speech path did not stop", self.call_id, exc_info=True)

    async def _play(self, action: Play) -> bool:
        """Start a prompt; False when the caller has gone."""
        media = await asyncio.to_thread(
            self._prompts.media, text=action.text, sound=action.sound, language=action.language
        )
        playback_id = f"{PLAYBACK_PREFIX}{self.call_id}-{next(self._ids)}"
        self._playing[playback_id] = action.ref
        try:
            await self._rest.play(self.channel_id, media, playback_id=playback_id)
        except AriNotFoundError:
            self._playing.pop(playback_id, None)
            self.finished = True
            return False  # the caller hung up; the hang-up handler ends the call
        return True

    def _arm_timer(self) -> None:
        self._cancel_timer()
        if self._input is None or self._playing:
            return
        token = self._input.token
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._input.timeout, lambda: self._spawn(self._timed_out(token)))

    def _arm_bot_timer(self, action: AskFaq) -> None:
        """The bot gets ``action.timeout``; then the session hands the caller over."""
        self._cancel_timer()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(action.timeout, lambda: self._spawn(self._bot_overdue(action.token)))

    async def _bot_overdue(self, token: int) -> None:
        async with self._lock:
            self._timer = None
            if not self.finished and self.session.waiting is Waiting.LOOKUP:
                await self._step(lambda: self.session.on_timeout(token))

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _stop_prompts(self) -> None:
        for playback_id in list(self._playing):
            with contextlib.suppress(AriNotFoundError):
                await self._rest.stop_playback(playback_id)
        self._playing.clear()

    async def _leave(self, action: TerminalAction) -> None:
        self.finished = True
        self._cancel_timer()
        await self._stop_hearing()
        await self._exits.finish(self, action)

    async def _fail_safe(self) -> None:
        if self.finished:
            return
        self.finished = True
        self._cancel_timer()
        with contextlib.suppress(Exception):
            await self._stop_prompts()
        await self._stop_hearing()
        try:
            await self._exits.finish(self, fallback_route(self.session, self._default_queue))
        except Exception:
            log.exception("call %s: even the fallback queue failed", self.call_id)

    async def abort(self) -> None:
        """The caller left: stop timers and tell the session (its path records where)."""
        self.finished = True
        self._cancel_timer()
        self.session.on_hangup()
        await self._stop_hearing()
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()
