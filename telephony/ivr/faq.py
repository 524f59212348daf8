"""The IVR's FAQ step, the pure part: what the bot's verdict looks like to the IVR, how a caller's
yes or no is read, and how an answer and a question are shaped for the ear and for the call record.

The bot itself (``qa.faqbot``) is reached through :class:`FaqAnswerer`, which the process running the
IVR builds over the knowledge base (:mod:`telephony.ivr.faq_bot`); tests give a fake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Protocol

from telephony.ivr.speech import match_keyword, words

SPOKEN_ANSWER_CHARS = 400  # about 25 s of speech: the caller can still ask an agent for the rest
PATH_QUESTION_CHARS = 120  # the question as the call record and the agent see it
YES_KEYWORDS = ("yes", "yeah", "yep", "it did", "thank you", "thanks")
NO_KEYWORDS = ("no", "not", "nope", "agent", "person", "someone", "operator", "representative", "human")
CONFIRM_KEYWORDS = YES_KEYWORDS + NO_KEYWORDS
_LIST_MARK = re.compile(r"(?:(?<=\s)|^)(?:\d{1,2}[.)]|[-*•])\s+")
_SENTENCE_END = re.compile("(?<=[.!?\u3002\uff01\uff1f])\\s*")  # and Chinese full stops


@dataclass(frozen=True, slots=True)
class FaqAnswer:
    """The bot's verdict as the IVR uses it: an answer to read out, or a hand-over (with why)."""

    answered: bool
    text: str = ""
    article_key: str | None = None
    language: str | None = None  # the answer's language when it differs from the call's
    reason: str = ""


HANDOVER = FaqAnswer(answered=False, reason="no bot")


class FaqAnswerer(Protocol):
    """Answers a caller's question from the knowledge base (never raises for "do not know")."""

    async def answer(self, question: str, language: str) -> FaqAnswer: ...

    def warm_up(self) -> None:
        """Get ready to answer (blocking: load the encoder, index the KB); called off the event loop."""


def confirmation(text: str) -> Literal["yes", "no"] | None:
    """Whether the caller said the answer helped ("yes", "yeah, thanks") or wants a person; any "no"
    wins ("no, thank you" is a no), then a yes, then a word close to one (recognisers vary)."""
    heard = f" {' '.join(words(text))} "
    for verdict, keywords in (("no", NO_KEYWORDS), ("yes", YES_KEYWORDS)):
        if any(f" {keyword} " in heard for keyword in keywords):
            return "no" if verdict == "no" else "yes"
    found = match_keyword(text, {"no": NO_KEYWORDS, "yes": YES_KEYWORDS})
    return "yes" if found == "yes" else "no" if found == "no" else None


def spoken_answer(text: str, limit: int = SPOKEN_ANSWER_CHARS) -> str:
    """An answer to read out: one line, list marks dropped, whole sentences up to ``limit`` chars."""
    plain = " ".join(_LIST_MARK.sub("", " ".join(text.split())).split())
    if len(plain) <= limit:
        return plain
    kept = ""
    for sentence in _SENTENCE_END.split(plain):
        if not sentence:
            continue
        candidate = f"{kept} {sentence}".strip() if kept else sentence
        if len(candidate) > limit:
            break
        kept = candidate
    return kept or plain[:limit].rsplit(" ", 1)[0]


def path_question(text: str, limit: int = PATH_QUESTION_CHARS) -> str:
    """The question on one line for the IVR path (``node:outcome`` strings), cut at a word."""
    plain = " ".join(text.replace('"', "'").split())
    if len(plain) <= limit:
        return plain
    return plain[:limit].rsplit(" ", 1)[0] + "..."
