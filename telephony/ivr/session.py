"""The IVR interpreter: one session per call, fed events, answering with actions. No I/O, no ARI.

The Stasis app drives it: ``start()``, then ``on_dtmf``/``on_speech``/``on_timeout``/
``on_playback_finished``/``on_lookup_result``/``on_hangup`` as things happen, performing the returned
:mod:`~telephony.ivr.actions` in order. Every waiting state has a timer or an end, and every failure
path ends at the flow's fallback (a person), so no caller is left in silence. ``path`` records the way
taken for the call record (collected digits are counted, never stored there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from telephony.ivr import actions as act
from telephony.ivr.exceptions import IvrSessionError
from telephony.ivr.faq import CONFIRM_KEYWORDS, FaqAnswer, confirmation, path_question
from telephony.ivr.flow import Flow
from telephony.ivr.lookups import CustomerRecord, LookupResult, OrderStatus
from telephony.ivr.nodes import (
    DTMF_KEYS,
    BusinessHoursNode,
    CallbackNode,
    CollectNode,
    FaqNode,
    HangupNode,
    LanguageNode,
    LookupCustomerNode,
    LookupOrderNode,
    MenuNode,
    Node,
    PlayNode,
    Prompt,
    RouteQueueNode,
    TransferNode,
    VoicemailNode,
)
from telephony.ivr.speech import match_keyword, spoken_digits
from telephony.ivr.templates import render

MAX_STEPS = 64
Actions = tuple[act.IvrAction, ...]
InputNode = MenuNode | LanguageNode | CollectNode


class Waiting(StrEnum):
    """What the session is waiting for."""

    NOT_STARTED = "not_started"
    PLAYBACK = "playback"
    INPUT = "input"
    LOOKUP = "lookup"  # a lookup, or the FAQ bot thinking
    DONE = "done"


@dataclass(frozen=True, slots=True)
class PathStep:
    """One step of the IVR path: which node, and what happened there."""

    node: str
    node_type: str
    outcome: str


def utc_now() -> datetime:
    return datetime.now(UTC)


class IvrSession:
    """A caller's walk through one flow."""

    def __init__(self, flow: Flow, *, caller_id: str, clock: Callable[[], datetime] = utc_now) -> None:
        self.flow = flow
        self.language = flow.default_language
        self.variables: dict[str, Any] = {"caller_id": caller_id, "language": self.language}
        self.result: act.TerminalAction | None = None
        self._clock = clock
        self._path: list[PathStep] = []
        self._node_id = flow.start
        self._waiting = Waiting.NOT_STARTED
        self._token = 0
        self._plays = 0
        self._awaited_play: str | None = None
        self._attempts = 0
        self._digits = ""
        self._choice: str | None = None
        self._faq_asked = False  # one FAQ round per call: the step never loops
        self._faq_confirming = False  # the FAQ step asks "did that answer your question?"

    # -- what the Stasis app reads -------------------------------------------------------------
    @property
    def path(self) -> tuple[PathStep, ...]:
        return tuple(self._path)

    @property
    def waiting(self) -> Waiting:
        return self._waiting

    @property
    def finished(self) -> bool:
        return self._waiting is Waiting.DONE

    def path_summary(self) -> str:
        """The path as one line for the call record, e.g. ``welcome:played > menu:dtmf 2 -> billing``."""
        return " > ".join(f"{step.node}:{step.outcome}" for step in self._path)

    # -- events ---------------------------------------------------------------------------------
    def start(self) -> Actions:
        if self._waiting is not Waiting.NOT_STARTED:
            raise IvrSessionError("the IVR session has already started")
        return self._run(self.flow.start)

    def on_dtmf(self, digit: str) -> Actions:
        if self._waiting is not Waiting.INPUT or len(digit) != 1 or digit not in DTMF_KEYS:
            return ()
        node = self._input_node()
        if isinstance(node, CollectNode):
            return self._collect_digit(node, digit)
        if isinstance(node, FaqNode):
            return self._faq_reply(node, "yes" if digit == "1" else "no", f"dtmf {digit}")
        return self._choose(node, digit, f"dtmf {digit}")

    def on_speech(self, text: str) -> Actions:
        if self._waiting is not Waiting.INPUT:
            return ()
        node = self._input_node()
        if isinstance(node, CollectNode):
            return self._finish_collect(node, spoken_digits(text), "speech")
        if isinstance(node, FaqNode):
            if self._faq_confirming:
                verdict = confirmation(text)  # other words (noise while the answer plays) wait for more
                return self._faq_reply(node, verdict, "speech") if verdict else ()
            return self._ask_faq(node, text)
        key = match_keyword(text, {key: option.keywords for key, option in node.options.items()})
        if key is None:
            digits = spoken_digits(text)
            key = digits if len(digits) == 1 else None
        if key is None:
            return self._retry(node, no_input=False, outcome="speech not understood")
        return self._choose(node, key, f"speech {key}")

    def on_timeout(self, token: int | None = None) -> Actions:
        """The no-input (or lookup, or playback safety) timer fired; stale tokens are ignored."""
        if token is not None and token != self._token:
            return ()
        if self._waiting is Waiting.INPUT:
            node = self._input_node()
            if isinstance(node, CollectNode) and self._digits:
                return self._finish_collect(node, self._digits, "dtmf")
            if isinstance(node, FaqNode):
                return self._faq_reply(node, None, "no input")
            return self._retry(node, no_input=True, outcome="no input")
        if self._waiting is Waiting.LOOKUP:
            if isinstance(self.flow.nodes[self._node_id], FaqNode):
                return self.on_faq_answer(FaqAnswer(answered=False, reason="no answer in time"), token)
            return self._lookup_done(None, "lookup timed out")
        if self._waiting is Waiting.PLAYBACK:
            return self._after_play("playback timed out")
        return ()

    def on_playback_finished(self, ref: str | None = None) -> Actions:
        if self._waiting is not Waiting.PLAYBACK or (ref is not None and ref != self._awaited_play):
            return ()
        return self._after_play("played")

    def on_lookup_result(self, kind: act.LookupKind, result: LookupResult) -> Actions:
        if self._waiting is not Waiting.LOOKUP:
            return ()
        expected = CustomerRecord if kind == "customer" else OrderStatus
        node = self.flow.nodes[self._node_id]
        if not isinstance(node, LookupCustomerNode | LookupOrderNode):
            return ()  # the FAQ bot is being asked, not a lookup
        kind_matches = isinstance(node, LookupCustomerNode) == (kind == "customer")
        if not kind_matches or (result is not None and not isinstance(result, expected)):
            return ()
        return self._lookup_done(result, "found" if result else "not found")

    def on_faq_answer(self, answer: FaqAnswer, token: int | None = None) -> Actions:
        """The FAQ bot's verdict on the caller's question (stale tokens are ignored)."""
        node = self.flow.nodes[self._node_id]
        if self._waiting is not Waiting.LOOKUP or not isinstance(node, FaqNode):
            return ()
        if token is not None and token != self._token:
            return ()
        if not answer.answered or not answer.text.strip():
            self._record(node, "bot handed over" + (f" ({answer.reason})" if answer.reason else ""))
            return self._faq_handover(node)
        self._record(node, f"bot answered kb:{answer.article_key or '?'}")
        self._plays += 1
        said = act.Play(answer.text, None, answer.language or self.language, f"p{self._plays}")
        self._faq_confirming = True
        intro = self._play(node.answer_intro)
        confirm = self._open_faq_input(node, node.confirm, node.confirm_timeout, CONFIRM_KEYWORDS)
        return (intro, said, *confirm)

    def on_hangup(self) -> None:
        """The caller hung up in the IVR; the path records where."""
        if self._waiting is not Waiting.DONE:
            self._record(self.flow.nodes[self._node_id], "caller hung up")
            self._waiting = Waiting.DONE
            self.result = act.Hangup("caller hung up in IVR")

    # -- the interpreter ------------------------------------------------------------------------
    def _record(self, node: Node, outcome: str) -> None:
        self._path.append(PathStep(node.id, node.type, outcome))

    def _input_node(self) -> InputNode | FaqNode:
        node = self.flow.nodes[self._node_id]
        assert isinstance(node, MenuNode | LanguageNode | CollectNode | FaqNode)
        return node

    def _run(self, node_id: str, before: Actions = ()) -> Actions:
        for _ in range(MAX_STEPS):
            node = self.flow.nodes[node_id]
            self._node_id, self._attempts, self._digits = node_id, 0, ""
            self._faq_confirming = False
            if not isinstance(node, BusinessHoursNode):
                return before + self._enter(node)
            is_open = self.flow.hours[node_id].is_open(self._clock())
            self._record(node, "open" if is_open else "closed")
            node_id = node.open if is_open else node.closed
        self._record(self.flow.nodes[node_id], "too many steps without waiting; fallback")
        return self._run(self.flow.fallback, before)

    def _enter(self, node: Node) -> Actions:
        if isinstance(node, PlayNode):
            play = self._play(node.prompt)
            self._waiting, self._awaited_play = Waiting.PLAYBACK, play.ref
            return (play,)
        if isinstance(node, MenuNode | LanguageNode | CollectNode):
            return self._open_input(node, (node.prompt,))
        if isinstance(node, LookupCustomerNode | LookupOrderNode):
            return self._start_lookup(node)
        if isinstance(node, FaqNode):
            return self._enter_faq(node)
        return self._finish(node)

    def _play(self, prompt: Prompt) -> act.Play:
        self._plays += 1
        ref = f"p{self._plays}"
        if prompt.text is None:
            return act.Play(text=None, sound=prompt.sound, language=self.language, ref=ref)
        text = prompt.text_for(self.language, self.flow.default_language) or ""
        language = next((lang for lang in (self.language, self.flow.default_language) if lang in prompt.text),
                        self.language)  # fmt: skip
        return act.Play(text=render(text, self.variables), sound=None, language=language, ref=ref)

    def _open_input(self, node: InputNode, prompts: tuple[Prompt, ...]) -> Actions:
        self._token += 1
        self._waiting, self._digits = Waiting.INPUT, ""
        plays: Actions = tuple(self._play(prompt) for prompt in prompts)
        if isinstance(node, CollectNode):
            return (*plays, act.CollectDtmf(node.max_length, node.timeout, node.terminator, self._token))
        collect = act.CollectDtmf(1, node.timeout, None, self._token)
        keywords = tuple(word for option in node.options.values() for word in option.keywords)
        if not keywords:
            return (*plays, collect)
        return (*plays, collect, act.ListenSpeech(keywords, node.timeout, self.language, self._token))

    def _choose(self, node: MenuNode | LanguageNode, key: str, how: str) -> Actions:
        if key not in node.options:
            return self._retry(node, no_input=False, outcome=f"invalid {how}")
        if isinstance(node, LanguageNode):
            self.language = self.variables["language"] = node.options[key].language
            self._record(node, f"{how} -> language {self.language}")
            return self._run(node.next)
        option = node.options[key]
        self._choice = option.label or option.next
        self._record(node, f"{how} -> {option.next}")
        return self._run(option.next)

    def _retry(self, node: InputNode, *, no_input: bool, outcome: str) -> Actions:
        self._attempts += 1
        self._record(node, f"{outcome} ({self._attempts}/{node.retries + 1})")
        if self._attempts > node.retries:
            if isinstance(node, LanguageNode):
                self._record(node, f"kept language {self.language}")
                return self._run(node.next)
            target = node.on_failure or self.flow.fallback
            self._record(node, f"gave up -> {target}")
            return self._run(target)
        attempts = self._attempts
        actions = self._open_input(node, (node.no_input if no_input else node.no_match, node.prompt))
        self._attempts = attempts
        return actions

    def _collect_digit(self, node: CollectNode, digit: str) -> Actions:
        if digit == node.terminator:
            return self._finish_collect(node, self._digits, "dtmf")
        self._digits += digit
        return (
            self._finish_collect(node, self._digits, "dtmf") if len(self._digits) >= node.max_length else ()
        )

    def _finish_collect(self, node: CollectNode, value: str, via: str) -> Actions:
        self._digits = ""
        if not value:
            return self._retry(node, no_input=True, outcome=f"no digits via {via}")
        pattern = self.flow.patterns.get(node.id)
        valid = node.min_length <= len(value) <= node.max_length and (
            pattern is None or pattern.fullmatch(value) is not None
        )
        if not valid:
            return self._retry(node, no_input=False, outcome=f"invalid entry of {len(value)} digits")
        self.variables[node.variable] = value
        self._record(node, f"collected {len(value)} digits via {via}")
        return self._run(node.next)

    def _start_lookup(self, node: LookupCustomerNode | LookupOrderNode) -> Actions:
        kind: act.LookupKind = "customer" if isinstance(node, LookupCustomerNode) else "order"
        variable = node.variable if isinstance(node, LookupOrderNode) else "caller_id"
        value = str(self.variables.get(variable) or "")
        if not value:
            return self._lookup_done(None, f"nothing to look up ({kind})")
        self._token += 1
        self._waiting = Waiting.LOOKUP
        return (act.Lookup(kind, value, node.timeout, self._token),)

    def _lookup_done(self, result: LookupResult, outcome: str) -> Actions:
        node = self.flow.nodes[self._node_id]
        self._record(node, outcome)
        if isinstance(node, LookupCustomerNode):
            if isinstance(result, CustomerRecord):
                self.variables["customer"] = asdict(result)
                return self._run(node.vip if result.vip and node.vip else node.next)
            return self._run(node.not_found or node.next)
        assert isinstance(node, LookupOrderNode)
        if isinstance(result, OrderStatus):
            self.variables["order"] = asdict(result)
            return self._run(node.found)
        return self._run(node.not_found)

    def _after_play(self, outcome: str) -> Actions:
        node = self.flow.nodes[self._node_id]
        assert isinstance(node, PlayNode)
        self._record(node, outcome)
        return self._run(node.next)

    def _finish(self, node: Node, prompt: Prompt | None = None) -> Actions:
        """End the IVR at a terminal node, saying its prompt (or ``prompt`` in its place)."""
        result = self._terminal_action(node)
        if result is None:
            self._record(node, "no number to call back; fallback")
            return self._run(self.flow.fallback)
        prompt = prompt or getattr(node, "prompt", None)
        plays: Actions = (self._play(prompt),) if isinstance(prompt, Prompt) else ()
        self._waiting, self.result = Waiting.DONE, result
        self._record(node, type(result).__name__.lower() + _describe(result))
        return (*plays, result)

    # -- the FAQ step (telephony.ivr.faq) ---------------------------------------------------------
    def _enter_faq(self, node: FaqNode) -> Actions:
        if self._faq_asked:
            self._record(node, "asked once already; handed over")
            return self._faq_handover(node)
        self._faq_asked = True
        return self._open_faq_input(node, node.prompt, node.timeout, ())

    def _open_faq_input(
        self, node: FaqNode, prompt: Prompt, timeout: float, keywords: tuple[str, ...]
    ) -> Actions:
        """The question (free speech) or the confirmation (yes/no words); a key counts at once."""
        self._token += 1
        self._waiting = Waiting.INPUT
        return (
            self._play(prompt),
            act.CollectDtmf(1, timeout, None, self._token),
            act.ListenSpeech(keywords, timeout, self.language, self._token),
        )

    def _ask_faq(self, node: FaqNode, question: str) -> Actions:
        self._record(node, f"asked: {path_question(question)}")
        self._token += 1
        self._waiting = Waiting.LOOKUP
        return (act.AskFaq(" ".join(question.split()), self.language, node.bot_timeout, self._token),)

    def _faq_reply(self, node: FaqNode, verdict: str | None, how: str) -> Actions:
        """The caller's key, words or silence: a confirmed answer ends here, anything else hands over."""
        if not self._faq_confirming:
            what = "pressed a key instead of asking" if how.startswith("dtmf") else "no question heard"
            self._record(node, f"{what} ({how})")
            return self._faq_handover(node)
        if verdict != "yes":
            self._record(node, f"answer not confirmed ({how})")
            return self._faq_handover(node)
        self._record(node, f"answer confirmed ({how})")
        if node.on_answered is not None:
            return self._run(node.on_answered)
        self._waiting, self.result = Waiting.DONE, act.Hangup("answered by the FAQ bot")
        self._record(node, "hangup")
        return (self._play(node.goodbye), self.result)

    def _faq_handover(self, node: FaqNode) -> Actions:
        """To the step's fallback (a person) with the short hand-over line instead of its own prompt."""
        target = self.flow.nodes[node.fallback or self.flow.fallback]
        self._node_id, self._faq_confirming = target.id, False
        return self._finish(target, node.handover)

    def _terminal_action(self, node: Node) -> act.TerminalAction | None:
        if isinstance(node, RouteQueueNode):
            skills = tuple(sorted(node.skills.items()))
            choice = node.choice or self._choice or node.queue
            return act.RouteToQueue(node.queue, node.priority, skills, self.language, choice)
        if isinstance(node, TransferNode):
            return act.Transfer(node.number)
        if isinstance(node, VoicemailNode):
            return act.Voicemail(node.box)
        if isinstance(node, CallbackNode):
            number = str(self.variables.get(node.number_variable) or "")
            return act.Callback(number, node.queue) if number else None
        assert isinstance(node, HangupNode)
        return act.Hangup(node.reason)


def _describe(result: act.TerminalAction) -> str:
    if isinstance(result, act.RouteToQueue):
        return f" {result.queue}"
    if isinstance(result, act.Voicemail):
        return f" {result.box}"
    if isinstance(result, act.Callback):
        return f" via {result.queue}"
    return ""
