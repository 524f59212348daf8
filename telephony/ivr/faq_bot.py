"""The FAQ step's bot: ``qa.faqbot.FaqBot`` over the knowledge base, asked in a worker thread.

:class:`ThreadedFaq` is the :class:`~telephony.ivr.faq.FaqAnswerer` the Stasis app uses: the bot's
``answer(question, history)`` runs off the event loop (sentence encoding, a KB reload), and its reply
becomes a :class:`~telephony.ivr.faq.FaqAnswer` shaped for the ear. :class:`RefreshingBot` keeps the
bot in step with the knowledge base: the entries are read again at most every ``refresh_s`` and the
bot (its ranker's vectors) is rebuilt only when they changed. Bot and KB are reached through small
protocols, so this module needs neither ``qa`` nor ``tickets`` (:mod:`telephony.ivr.kb_faq` wires them).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Protocol

from telephony.ivr.faq import FaqAnswer, spoken_answer

log = logging.getLogger(__name__)


class BotReplyLike(Protocol):
    """``qa.faqbot.BotReply`` as the IVR reads it."""

    @property
    def kind(self) -> str: ...  # "answer" | "handover"

    @property
    def text(self) -> str: ...

    @property
    def article_key(self) -> str | None: ...


class FaqBotLike(Protocol):
    def answer(self, question: str, history: Sequence[Any]) -> BotReplyLike: ...


def to_faq_answer(reply: BotReplyLike, language_of: Callable[[str], str] | None = None) -> FaqAnswer:
    """The bot's reply as the IVR's verdict; an answer without words is a hand-over."""
    text = spoken_answer(reply.text or "")
    if reply.kind != "answer" or not text:
        return FaqAnswer(answered=False, reason="not confident" if reply.kind == "handover" else reply.kind)
    language = language_of(text) if language_of is not None else None
    return FaqAnswer(answered=True, text=text, article_key=reply.article_key, language=language)


class ThreadedFaq:
    """Asks the bot from ``source()`` in a worker thread (one bot is shared by every call)."""

    def __init__(
        self, source: Callable[[], FaqBotLike], language_of: Callable[[str], str] | None = None
    ) -> None:
        self._source = source
        self._language_of = language_of

    def _ask(self, question: str) -> FaqAnswer:
        reply = self._source().answer(question, [])
        return to_faq_answer(reply, self._language_of)

    async def answer(self, question: str, language: str) -> FaqAnswer:
        return await asyncio.to_thread(self._ask, question)

    def warm_up(self) -> None:
        """Build the bot now (blocking), so the first caller's question does not pay for it."""
        self._source()


class RefreshingBot:
    """The bot over the current entries: ``load()`` again after ``refresh_s``, ``build(entries)``
    again only when they changed (entries compare by value, e.g. frozen dataclasses)."""

    def __init__(
        self,
        load: Callable[[], Sequence[Hashable]],
        build: Callable[[Sequence[Any]], FaqBotLike],
        *,
        refresh_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._build = build
        self._refresh_s = refresh_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: tuple[Hashable, ...] | None = None
        self._bot: FaqBotLike | None = None
        self._loaded_at = 0.0

    def __call__(self) -> FaqBotLike:
        with self._lock:
            now = self._clock()
            if self._bot is not None and now - self._loaded_at < self._refresh_s:
                return self._bot
            try:
                entries = tuple(self._load())
            except Exception:
                if self._bot is None:
                    raise
                log.warning("knowledge base not readable; the FAQ bot keeps its last articles", exc_info=True)
                self._loaded_at = now
                return self._bot
            if self._bot is None or entries != self._entries:
                self._bot = self._build(entries)
                self._entries = entries
                log.info("FAQ bot ready over %d knowledge-base entries", len(entries))
            self._loaded_at = now
            return self._bot
