"""Recognising a greeting and a confirmed resolution in one utterance, in English and Chinese.

Two layers, like the compliance rules: keywords for the stock phrases, and the shared sentence
encoder for paraphrases and recognition errors ("hey there thanks for calling", "问题已经解决了").
A negated confirmation ("that doesn't solve my problem", "问题还没有解决") sits close to the
examples in vector space, so an explicit negation check vetoes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np

from qa.encoder import shared_encoder

GREETING_EXAMPLES = (
    "hello, thank you for calling, my name is Anna, how can I help you today",
    "good morning, this is Sam speaking, how may I help you",
    "hi, thanks for calling customer support",
    "您好, 欢迎致电客服中心, 请问有什么可以帮您",
    "你好, 很高兴为您服务",
)
GREETING_KEYWORDS = (
    r"\bhello\b",
    r"\bhi\b",
    r"\bgood (morning|afternoon|evening)\b",
    r"\bthanks? (you )?for calling\b",
    r"\bwelcome to\b",
    r"\bhow (can|may) i help\b",
    "您好",
    "你好",
    "欢迎致电",
    "感谢致电",
    "很高兴为您服务",
    "有什么可以帮",
)
RESOLUTION_EXAMPLES = (  # no "thank you" in them: every goodbye would come close
    "that solves my problem",
    "great, that fixed it",
    "yes, it works now",
    "everything works again, all good",
    "I'm glad we could resolve that for you",
    "so your issue is resolved now",
    "问题解决了",
    "好的, 已经解决了",
    "现在可以正常使用了",
    "ok, I can do it now",
    "yes, I got it, everything is fine now",
    "好的 收到了 没问题了",
    "这样就可以了",
)
RESOLUTION_KEYWORDS = (
    r"\b(solves?|solved|fixe[sd]|resolved?|sorted)\b.*\b(problem|issue|it)\b",
    r"\b(that|it)('s| is| was)? (solved|fixed|resolved|sorted|working)\b",
    r"\bworks now\b",
    r"\b(that|you) answered my question\b|\bthat answers my question\b",
    "解决了",
    "已经解决",
    "可以用了",
    "好用了",
)
# Idioms that contain a negation word yet confirm ("no problem", "没问题", "不客气").
_NOT_NEGATIONS = re.compile(
    r"\bno (problem|worries|more questions|further questions)\b|没问题|没事了|不客气|不用谢|不错", re.I
)
_NEGATION = re.compile(r"\b(not|no|never|still|nothing|neither|cannot)\b|n't\b|没|不|未|还是", re.I)


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def negated(text: str) -> bool:
    """True when the sentence says the opposite ("it still doesn't work", "问题没有解决")."""
    return bool(_NEGATION.search(_NOT_NEGATIONS.sub(" ", text)))


@dataclass(frozen=True)
class PhraseMatch:
    score: float  # the best cosine to an example (1.0 for a keyword hit)
    by: str  # "keyword" | "similarity"


class PhraseMatcher:
    """Matches an utterance against examples (cosine >= ``threshold``) or keyword patterns."""

    def __init__(
        self,
        examples: Sequence[str],
        keywords: Sequence[str],
        threshold: float,
        encoder: Encoder,
        *,
        veto_negations: bool = False,
    ) -> None:
        self._vectors = encoder.encode(list(examples))
        self._keywords = [re.compile(k, re.I) for k in keywords]
        self._threshold = threshold
        self._encoder = encoder
        self._veto_negations = veto_negations

    def match(self, text: str) -> PhraseMatch | None:
        if not text.strip() or (self._veto_negations and negated(text)):
            return None
        if any(k.search(text) for k in self._keywords):
            return PhraseMatch(1.0, "keyword")
        score = float((self._vectors @ self._encoder.encode([text])[0]).max())
        return PhraseMatch(round(score, 3), "similarity") if score >= self._threshold else None


@dataclass(frozen=True)
class PhraseBook:
    greeting: PhraseMatcher
    resolution: PhraseMatcher


# Calibrated on small EN/ZH sets: greetings score 0.37-0.62 (most also hit a keyword), other
# openings 0.17-0.35; confirmations mostly 0.5-0.8 (the rest caught by keywords), goodbyes and other
# closings 0.25-0.48 (negated confirmations score high and are vetoed separately).
GREETING_THRESHOLD = 0.38
RESOLUTION_THRESHOLD = 0.5


def phrase_book(encoder: Encoder) -> PhraseBook:
    return PhraseBook(
        greeting=PhraseMatcher(GREETING_EXAMPLES, GREETING_KEYWORDS, GREETING_THRESHOLD, encoder),
        resolution=PhraseMatcher(
            RESOLUTION_EXAMPLES, RESOLUTION_KEYWORDS, RESOLUTION_THRESHOLD, encoder, veto_negations=True
        ),
    )


@lru_cache(maxsize=1)
def shared_phrase_book() -> PhraseBook:
    """The process's phrase book on the shared encoder (examples encoded once)."""
    return phrase_book(shared_encoder())
