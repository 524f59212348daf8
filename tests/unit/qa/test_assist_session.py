"""An assist session follows the customer's latest turns and reports only changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assist.kb_file import read_kb_file
from qa.assist.ranker import KbRanker
from qa.assist.session import AssistSession, assist

DATA = Path(__file__).resolve().parents[2] / "data" / "qa"


@pytest.fixture(scope="module")
def ranker() -> KbRanker:
    return KbRanker(read_kb_file(DATA / "kb_articles.csv"))


def test_a_question_split_over_two_segments_is_answered_from_both(ranker: KbRanker) -> None:
    session = AssistSession(ranker)
    session.hear("caller", "I have a problem with my card", at=1.0)
    top = session.hear("caller", "I think someone stole it yesterday", at=4.0)
    assert top is not None and top[0].article_key == "card-lost"
    assert session.latest is not None and session.latest.actions[0].intent == "card_lost"


def test_agent_turns_fillers_and_unchanged_results_give_none(ranker: KbRanker) -> None:
    session = AssistSession(ranker)
    first = session.hear("caller", "I forgot my password", at=0.0)
    assert first is not None and first[0].article_key == "password-reset"
    assert session.hear("agent", "let me check your refund and your invoice", at=1.0) is None
    assert session.hear("caller", "yes", at=2.0) is None
    assert session.hear("caller", "I forgot my password", at=3.0) is None  # same top-3


def test_old_turns_leave_the_window_so_a_new_topic_takes_over(ranker: KbRanker) -> None:
    session = AssistSession(ranker, window_s=30)
    session.hear("customer", "I forgot my password", at=0.0)
    top = session.hear("customer", "and can I get a copy of my invoice", at=60.0)
    assert top is not None and top[0].article_key == "invoice-copy"


def test_chinese_turns_get_chinese_articles(ranker: KbRanker) -> None:
    session = AssistSession(ranker)
    top = session.hear("caller", "我的银行卡丢了怎么办", at=0.0)
    assert top is not None and top[0].article_key == "card-lost-zh"


def test_assist_without_a_topic_is_none(ranker: KbRanker) -> None:
    assert assist(ranker, ["ok", "嗯", " "]) is None
    update = assist(ranker, ["hello", "where is my parcel"])
    assert update is not None and update.language == "en" and len(update.suggestions) == 3
