"""Suggested actions from the customer's intent, English and Chinese, with the real encoder."""

from __future__ import annotations

import pytest

from qa.assist.actions import INTENTS, suggested_actions

CASES = [
    ("I want my money back for the shoes", "refund"),
    ("我想退钱", "refund"),
    ("where is my parcel, it never came", "order_status"),
    ("快递怎么还没到", "order_status"),
    ("please cancel my order", "cancel"),
    ("I moved house, deliver to my new place", "address_change"),
    ("my wallet was stolen with my visa in it", "card_lost"),
    ("卡被偷了", "card_lost"),
    ("you took the payment two times", "billing_dispute"),
    ("let me talk to your boss", "complaint"),
    ("我要投诉你们", "complaint"),
    ("I cannot sign in, forgot my password", "password_reset"),
    ("密码忘了", "password_reset"),
]


@pytest.mark.parametrize(("text", "intent"), CASES)
def test_a_request_suggests_the_action_for_its_intent(text: str, intent: str) -> None:
    actions = suggested_actions(text)
    assert actions and actions[0].intent == intent
    expected = next(i for i in INTENTS if i.name == intent)
    assert (actions[0].label, actions[0].action) == (expected.label, expected.action)


@pytest.mark.parametrize("text", ["hello how are you", "thanks, that is all, bye", "你好", "谢谢再见", "  "])
def test_small_talk_suggests_no_action(text: str) -> None:
    assert suggested_actions(text) == []


def test_the_refund_intent_offers_a_refund_ticket() -> None:
    assert suggested_actions("I want a refund")[0].action == "ticket.create:refund"
    assert suggested_actions("where is my order")[0].action == "order.lookup"
