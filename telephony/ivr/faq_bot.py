"""The FAQ step's bot: ``qa.faqbot.FaqBot`` over the published knowledge base, asked off the event loop.

:class:`KbFaq` is the :class:`~telephony.ivr.faq.FaqAnswerer` the controller gives the IVR. The ranker
comes from :func:`tickets.kb.corpus.ranker_for` (one per database, rebuilt when an article is published,
edited or withdrawn), the bot decides (answer only when one article clearly wins, in the caller's
language), and the verdict is shaped for the ear: the article's title and its first sentences, not the
chat reply (which asks "(yes / no)" in writing; the IVR asks by voice and keys).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from qa.assist.ranker import KbEntry, KbRanker
from qa.encoder import warm_up as warm_up_encoder
from qa.faqbot import BotReply, FaqBot
from telephony.ivr.faq import FaqAnswer, spoken_answer
from tickets.kb.corpus import ranker_for


def spoken_verdict(reply: BotReply | None, entries: Sequence[KbEntry]) -> FaqAnswer:
    """The bot's reply as the IVR's verdict: the answer's article read out, or why a person takes over."""
    if reply is None:
        return FaqAnswer(answered=False, reason="nothing to answer")
    if reply.kind != "answer":
        reason = "not sure which article" if reply.kind == "clarify" else reply.reason or reply.kind
        return FaqAnswer(answered=False, reason=reason)
    entry = next((e for e in entries if e.key == reply.article_key), None)
    if entry is None:  # the knowledge base changed between ranking and reading
        return FaqAnswer(answered=False, reason="article gone")
    title = entry.title.strip()
    heading = title if title.endswith((".", "?", "!", "。", "？", "！")) else f"{title}."
    text = spoken_answer(f"{heading} {entry.body}")
    return FaqAnswer(answered=True, text=text, article_key=entry.key, language=entry.language)


class KbFaq:
    """Answers callers' questions from the knowledge base in the database ``factory`` opens."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        rankers: Callable[[sessionmaker[Session]], KbRanker] = ranker_for,
    ) -> None:
        self._factory = factory
        self._rankers = rankers

    def _ask(self, question: str) -> FaqAnswer:
        ranker = self._rankers(self._factory)
        return spoken_verdict(FaqBot(ranker).answer(question, ()), ranker.entries)

    async def answer(self, question: str, language: str) -> FaqAnswer:
        # The caller's language comes from their words (the bot detects it), not the IVR's menu choice.
        return await asyncio.to_thread(self._ask, question)

    def warm_up(self) -> None:
        warm_up_encoder()
        self._rankers(self._factory)
