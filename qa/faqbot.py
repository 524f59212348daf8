"""The FAQ bot's decisions on a text conversation: answer from the knowledge base, or hand over.

Pure logic over the conversation so far (tickets/ stores the turns and sends the replies). The bot
always says it is a bot, answers in the customer's language only when one article clearly wins
(a score floor and a margin over the next article in that language, calibrated on
tests/data/qa), and otherwise hands over to a person with the question and the candidate articles.
It cannot loop: after an answer it asks whether that helped, and "no", the same question again, a
request for a person, a second question it could not place or a third answer hands over; after a
handover, or once an agent is in the conversation, it says nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from qa.assist.ranker import KbEntry, KbRanker, Suggestion
from qa.assist.session import has_topic
from qa.assist.text import normalise
from qa.language import detect_language

# Calibrated on tests/data/qa (83 questions, 14 off-topic): every wrong top-1 has a margin under
# 0.07 or a score under 0.45, and no off-topic question scores over 0.33.
ANSWER_MIN_SCORE = 0.45
ANSWER_MIN_MARGIN = 0.10
CLARIFY_MIN_SCORE = 0.33
MAX_ANSWERS = 2
ANSWER_CHARS = 700

BotKind = Literal["answer", "clarify", "handover", "closing"]

_HUMAN = re.compile(
    r"\b(agent|human|person|representative|operator|somebody real|someone real|real someone|staff|"
    r"speak to (?:a|an|some)one|talk to (?:a|an|some)one|talk to a|speak to a)\b|人工|真人|客服人员|转接"
)
_NO = re.compile(
    r"^(no|nope|nah|not really|not at all|no it (?:did not|didnt)|"
    r"(?:it |that )?(?:did not|didnt|doesnt|does not) help|not helpful|wrong|thats not it|that is not it|"
    r"no thanks)\b|^(不|没|否)"
)
_YES = re.compile(
    r"^(yes|yeah|yep|yup|ok|okay|thanks|thank you|great|perfect|it did|that helped|solved|got it)\b|"
    r"^(是|好|谢谢|多谢|解决了|有用|可以了|明白了|知道了)"
)

TEXTS = {
    "en": {
        "intro": "I'm Voxdesk's automated assistant.",
        "answer": "{intro} This may help — {title}: {body}\n\nDid that answer your question? (yes / no)",
        "clarify": "{intro} I'm not sure I understood. Could you put your question in other words? "
        'You can also write "agent" to talk to a person.',
        "handover": "{intro} I'm passing you to a member of our team, who will see your question. "
        "Please stay in the chat.",
        "closing": "{intro} Glad I could help. If there is anything else, just write.",
    },
    "zh": {
        "intro": "我是智能助手。",
        "answer": "{intro}以下信息可能对您有帮助——{title}：{body}\n\n这个回答解决您的问题了吗？（是/否）",
        "clarify": "{intro}抱歉，我没有完全理解您的问题，能换个说法吗？您也可以输入“人工”转接人工客服。",
        "handover": "{intro}正在为您转接人工客服，客服会看到您的问题，请稍候。",
        "closing": "{intro}很高兴能帮到您。如果还有其他问题，请随时留言。",
    },
}


@dataclass(frozen=True)
class BotTurn:
    """One earlier turn: the customer's message, the bot's reply (with its kind) or an agent's."""

    author: Literal["customer", "bot", "agent"]
    text: str
    kind: str | None = None
    article_key: str | None = None


@dataclass(frozen=True)
class BotReply:
    kind: BotKind
    text: str
    language: str
    article_key: str | None = None
    reason: str = ""  # handover: why, for the agent
    question: str = ""
    candidates: tuple[Suggestion, ...] = field(default_factory=tuple)
    score: float | None = None


def asks_for_human(text: str) -> bool:
    return bool(_HUMAN.search(normalise(text)))


def _short_reply(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", normalise(text)).split())


def says_no(text: str) -> bool:
    return bool(_NO.search(_short_reply(text)))


def says_yes(text: str) -> bool:
    """A short thanks or yes; "ok, and how long is delivery?" is a new question, not a yes."""
    short = _short_reply(text)
    brief = len(short.split()) <= 5 if detect_language(text) == "en" else len(short) <= 8
    return brief and bool(_YES.search(short)) and not says_no(text)


def _clip(body: str) -> str:
    """The article's answer, cut at a sentence end before ANSWER_CHARS (chat bubbles stay short)."""
    body = " ".join(body.split())
    if len(body) <= ANSWER_CHARS:
        return body
    cut = max(body.rfind(mark, 0, ANSWER_CHARS) for mark in (". ", "。", "! ", "? ", "！", "？"))
    return body[: cut + 1] if cut > ANSWER_CHARS // 3 else body[:ANSWER_CHARS] + "…"


class FaqBot:
    """Decides the bot's next line for a customer's message (immutable; one per knowledge base)."""

    def __init__(self, ranker: KbRanker, *, max_answers: int = MAX_ANSWERS) -> None:
        self.ranker = ranker
        self.max_answers = max_answers

    def answer(self, question: str, history: Sequence[BotTurn]) -> BotReply | None:
        """The reply to ``question`` given the turns before it; None when the bot must stay silent."""
        if not self.ranker.entries or any(t.author == "agent" for t in history):
            return None
        bot_turns = [t for t in history if t.author == "bot"]
        if any(t.kind == "handover" for t in bot_turns):
            return None
        language = detect_language(question)
        if asks_for_human(question):
            return self._reply("handover", language, question, reason="the customer asked for a person")
        waiting_for_feedback = bool(history) and history[-1].author == "bot" and history[-1].kind == "answer"
        if waiting_for_feedback and says_no(question):
            return self._reply("handover", language, question, reason="the answer did not help")
        if waiting_for_feedback and says_yes(question):
            return self._reply("closing", language, question)
        if not has_topic(question):
            return None  # "hi", "ok": nothing to answer, nothing to hand over yet
        earlier = [t.text for t in history if t.author == "customer" and has_topic(t.text)]
        if _short_reply(question) in {_short_reply(t) for t in earlier}:
            return self._reply("handover", language, question, reason="the customer asked the same again")
        answered = [t for t in bot_turns if t.kind == "answer"]
        clarified = any(t.kind == "clarify" for t in bot_turns)
        query = f"{earlier[-1]} {question}" if clarified and earlier else question
        best, score, margin, candidates = self._rank(query, language)
        confident = (
            best is not None
            and best.language == language
            and score >= ANSWER_MIN_SCORE
            and margin >= ANSWER_MIN_MARGIN
        )
        if confident and best is not None:
            if best.key in {t.article_key for t in answered}:
                return self._reply(
                    "handover",
                    language,
                    question,
                    reason="the customer asked the same again",
                    found=candidates,
                )
            if len(answered) >= self.max_answers:
                return self._reply(
                    "handover", language, question, reason="the bot answered twice already", found=candidates
                )
            return self._reply("answer", language, question, entry=best, score=score, found=candidates)
        if clarified or score < CLARIFY_MIN_SCORE:
            reason = "the bot could not place the question twice" if clarified else "no article matches"
            return self._reply("handover", language, question, reason=reason, found=candidates, score=score)
        return self._reply("clarify", language, question, found=candidates, score=score)

    def _rank(self, query: str, language: str) -> tuple[KbEntry | None, float, float, tuple[Suggestion, ...]]:
        """The best entry, its score, its margin over the next entry in its language, the top 3."""
        combined, _matched = self.ranker.scores(query, language=language)
        if not len(combined):
            return None, 0.0, 0.0, ()
        order = np.argsort(-combined, kind="stable")
        best = self.ranker.entries[int(order[0])]
        rivals = [
            float(combined[i]) for i in order[1:] if self.ranker.entries[int(i)].language == best.language
        ]
        score = float(combined[order[0]])
        margin = score - (rivals[0] if rivals else 0.0)
        return best, score, margin, tuple(self.ranker.suggest(query, language=language, k=3))

    def _reply(
        self,
        kind: BotKind,
        language: str,
        question: str,
        *,
        reason: str = "",
        entry: KbEntry | None = None,
        score: float | None = None,
        found: tuple[Suggestion, ...] = (),
    ) -> BotReply:
        texts = TEXTS.get(language, TEXTS["en"])
        text = texts[kind].format(
            intro=texts["intro"],
            title=entry.title if entry else "",
            body=_clip(entry.body) if entry else "",
        )
        return BotReply(
            kind=kind,
            text=text,
            language=language,
            article_key=entry.key if entry else None,
            reason=reason,
            question=question,
            candidates=found,
            score=None if score is None else round(score, 4),
        )
