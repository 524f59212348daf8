"""Suggested actions from what the customer wants (the intent), in English and Chinese.

Each intent is a handful of example requests plus a few telltale words. A question's intent score
is its best cosine to the intent's examples (shared multilingual encoder, so Chinese examples also
cover English paraphrases), raised when a telltale word appears; intents over the threshold become
buttons for the agent ("Open a refund ticket" -> ``ticket.create:refund``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from qa.assist.text import normalise
from qa.encoder import SentenceEncoder, shared_encoder

THRESHOLD = 0.55  # calibrated on tests/unit/qa/test_assist_actions.py: chit-chat stays under 0.45
RUNNER_UP_GAP = 0.15  # a second action only when its intent is nearly as likely as the first
KEYWORD_BOOST = 0.15
MAX_ACTIONS = 2


@dataclass(frozen=True)
class SuggestedAction:
    intent: str
    label: str
    action: str


@dataclass(frozen=True)
class Intent:
    name: str
    label: str
    action: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...] = ()


INTENTS: tuple[Intent, ...] = (
    Intent(
        "refund",
        "Open a refund ticket",
        "ticket.create:refund",
        ("I want a refund", "I want my money back", "can you refund my order", "我要退款", "能把钱退给我吗"),
        ("refund", "money back", "退款", "退钱"),
    ),
    Intent(
        "order_status",
        "Look up the order",
        "order.lookup",
        (
            "where is my order",
            "my package has not arrived",
            "can you track my parcel",
            "我的快递到哪了",
            "订单什么时候到",
        ),
        ("tracking", "where is my order", "物流", "快递到哪"),
    ),
    Intent(
        "cancel",
        "Cancel the order",
        "order.cancel",
        (
            "I want to cancel my order",
            "please cancel my purchase",
            "stop my subscription",
            "我要取消订单",
            "帮我取消",
        ),
        ("cancel", "取消"),
    ),
    Intent(
        "address_change",
        "Change the delivery address",
        "order.change_address",
        (
            "I need to change my delivery address",
            "send it to a different address",
            "I moved house",
            "我要改收货地址",
            "地址填错了",
        ),
        ("change address", "new address", "wrong address", "改地址", "收货地址"),
    ),
    Intent(
        "card_lost",
        "Block the card",
        "card.block",
        (
            "I lost my card",
            "my credit card was stolen",
            "please block my card",
            "我的银行卡丢了",
            "卡被偷了，帮我冻结",
        ),
        ("stolen", "lost my card", "block my card", "挂失", "冻结"),
    ),
    Intent(
        "billing_dispute",
        "Open a billing dispute",
        "ticket.create:billing",
        (
            "I was charged twice",
            "there is a charge I don't recognise",
            "you billed me the wrong amount",
            "扣了我两次钱",
            "多扣钱了",
        ),
        ("charged twice", "double charge", "overcharged", "扣了两次", "多扣"),
    ),
    Intent(
        "complaint",
        "Escalate to a supervisor",
        "ticket.escalate",
        (
            "I want to speak to a manager",
            "let me talk to someone in charge",
            "I want to make a complaint",
            "this service is terrible",
            "我要投诉",
            "叫你们经理来",
        ),
        ("manager", "supervisor", "complaint", "投诉", "经理"),
    ),
    Intent(
        "password_reset",
        "Send a password reset link",
        "account.password_reset",
        (
            "I forgot my password",
            "I can't log in to my account",
            "reset my password",
            "我忘记密码了",
            "登录不了",
        ),
        ("password", "log in", "sign in", "密码", "登录"),
    ),
    Intent(
        "return",
        "Create a return label",
        "order.return",
        ("I want to return an item", "how do I send this back", "我要退货"),
        ("return label", "send it back", "退货"),
    ),
    Intent(
        "invoice",
        "Send the invoice",
        "invoice.send",
        ("I need a copy of my invoice", "can you send me the receipt", "我要开发票"),
        ("invoice", "receipt", "发票"),
    ),
)


class IntentDetector:
    """Example vectors of every intent, encoded once; thread-safe to share."""

    def __init__(self, intents: tuple[Intent, ...] = INTENTS, encoder: SentenceEncoder | None = None) -> None:
        self.intents = intents
        self._encoder = encoder or shared_encoder()
        examples = [(index, text) for index, intent in enumerate(intents) for text in intent.examples]
        self._owner = np.array([index for index, _ in examples], dtype=np.int64)
        self._vectors = self._encoder.encode([text for _, text in examples])

    def scores(self, text: str) -> list[tuple[Intent, float]]:
        """Every intent with its score, best first."""
        cosines = self._vectors @ self._encoder.encode_one(text)
        best = np.full(len(self.intents), -1.0)
        np.maximum.at(best, self._owner, cosines)
        lowered = normalise(text)
        ranked = [
            (intent, float(best[i]) + (KEYWORD_BOOST if any(k in lowered for k in intent.keywords) else 0.0))
            for i, intent in enumerate(self.intents)
        ]
        return sorted(ranked, key=lambda pair: -pair[1])

    def actions(self, text: str, *, limit: int = MAX_ACTIONS) -> list[SuggestedAction]:
        if not text.strip():
            return []
        ranked = self.scores(text)
        floor = max(THRESHOLD, ranked[0][1] - RUNNER_UP_GAP) if ranked else THRESHOLD
        return [
            SuggestedAction(intent.name, intent.label, intent.action)
            for intent, score in ranked[:limit]
            if score >= floor
        ]


_detector: IntentDetector | None = None
_lock = threading.Lock()


def default_detector() -> IntentDetector:
    global _detector
    with _lock:
        if _detector is None:
            _detector = IntentDetector()
        return _detector


def suggested_actions(text: str, *, limit: int = MAX_ACTIONS) -> list[SuggestedAction]:
    """Actions for the intents ``text`` expresses (at most ``limit``, best first)."""
    return default_detector().actions(text, limit=limit)
