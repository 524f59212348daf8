"""The FAQ bot's decisions: answer when confident, hand over otherwise, never loop, say it is a bot."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qa.assist.kb_file import read_kb_file
from qa.assist.ranker import KbRanker
from qa.faqbot import BotReply, BotTurn, FaqBot, asks_for_human, says_no, says_yes

DATA = Path(__file__).resolve().parents[2] / "data" / "qa"
# Questions no article answers (the same list bench/qa_assist.py reports on).
OFF_TOPIC = yaml.safe_load((DATA / "assist_questions.yaml").read_text(encoding="utf-8"))["off_topic"]


@pytest.fixture(scope="module")
def bot() -> FaqBot:
    return FaqBot(KbRanker(read_kb_file(DATA / "kb_articles.csv")))


def talk(bot: FaqBot, messages: list[str]) -> list[BotReply | None]:
    """Feed customer messages one by one, keeping the history the way tickets/ stores it."""
    history: list[BotTurn] = []
    replies = []
    for text in messages:
        reply = bot.answer(text, history)
        replies.append(reply)
        history.append(BotTurn("customer", text))
        if reply is not None:
            history.append(BotTurn("bot", reply.text, reply.kind, reply.article_key))
    return replies


def test_a_clear_question_is_answered_from_its_article_saying_it_is_a_bot(bot: FaqBot) -> None:
    [reply] = talk(bot, ["I forgot my password and can't sign in"])
    assert reply is not None and reply.kind == "answer" and reply.article_key == "password-reset"
    assert reply.text.startswith("I'm Voxdesk's automated assistant.")
    assert "Forgot password" in reply.text and "Did that answer your question?" in reply.text


def test_a_chinese_question_gets_a_chinese_answer(bot: FaqBot) -> None:
    [reply] = talk(bot, ["我的银行卡丢了怎么办"])
    assert reply is not None and reply.kind == "answer" and reply.article_key == "card-lost-zh"
    assert reply.text.startswith("我是智能助手") and reply.language == "zh"


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_an_unknown_question_is_handed_over_with_its_candidates(bot: FaqBot, question: str) -> None:
    [reply] = talk(bot, [question])
    assert reply is not None and reply.kind == "handover", reply
    assert reply.reason == "no article matches" and reply.question == question
    assert len(reply.candidates) == 3 and reply.article_key is None
    assert reply.text.startswith(("I'm Voxdesk's automated assistant.", "我是智能助手"))


def test_the_bot_answers_only_right_answers_on_the_test_set(bot: FaqBot) -> None:
    questions = yaml.safe_load((DATA / "assist_questions.yaml").read_text(encoding="utf-8"))["questions"]
    answered = wrong = 0
    for question in questions:
        [reply] = talk(bot, [question["text"]])
        if reply is not None and reply.kind == "answer":
            answered += 1
            wrong += reply.article_key != question["expect"]
    print(f"bot answered {answered}/{len(questions)} first messages, {wrong} wrongly")
    assert wrong == 0 and answered >= len(questions) // 2


def test_no_after_an_answer_hands_over_and_then_the_bot_is_silent(bot: FaqBot) -> None:
    replies = talk(
        bot, ["how do I stop my monthly subscription", "no", "hello?", "what are your opening hours"]
    )
    assert [r.kind if r else None for r in replies] == ["answer", "handover", None, None]
    assert replies[1] is not None and replies[1].reason == "the answer did not help"


def test_yes_gets_a_closing_line_and_a_new_question_a_new_answer(bot: FaqBot) -> None:
    replies = talk(bot, ["I lost my card, can you block it?", "yes thanks", "can I pay with PayPal"])
    assert [r.kind if r else None for r in replies] == ["answer", "closing", "answer"]


def test_at_most_two_answers_then_a_handover(bot: FaqBot) -> None:
    replies = talk(
        bot,
        ["I lost my card, can you block it?", "can I pay with PayPal", "how much is left on my gift card"],
    )
    assert [r.kind if r else None for r in replies] == ["answer", "answer", "handover"]
    assert replies[2] is not None and replies[2].reason == "the bot answered twice already"


def test_the_same_question_again_hands_over(bot: FaqBot) -> None:
    replies = talk(bot, ["I lost my card, can you block it?", "I lost my card, can you block it?"])
    assert [r.kind if r else None for r in replies] == ["answer", "handover"]


@pytest.mark.parametrize("request_", ["agent please", "I want to talk to a human", "转人工", "人工客服"])
def test_asking_for_a_person_hands_over_at_once(bot: FaqBot, request_: str) -> None:
    [reply] = talk(bot, [request_])
    assert (
        reply is not None and reply.kind == "handover" and reply.reason == "the customer asked for a person"
    )


def test_an_unclear_question_gets_one_clarification_then_a_handover(bot: FaqBot) -> None:
    unclear = "there's a payment on my statement i don't recognise"  # two articles nearly tie
    replies = talk(bot, [unclear, "what is the weather tomorrow"])
    assert [r.kind if r else None for r in replies] == ["clarify", "handover"]
    assert replies[0] is not None and "other words" in replies[0].text
    assert replies[1] is not None and replies[1].reason == "the bot could not place the question twice"
    rephrased = talk(bot, ["Do you deliver to Canada?", "I mean shipping my order abroad to another country"])
    assert [r.kind if r else None for r in rephrased] == ["clarify", "answer"]
    assert rephrased[1] is not None and rephrased[1].article_key == "international-shipping"


def test_the_bot_is_silent_once_an_agent_wrote_and_on_an_empty_knowledge_base(bot: FaqBot) -> None:
    history = [BotTurn("customer", "hello"), BotTurn("agent", "Hi, I'm Anna, how can I help?")]
    assert bot.answer("I forgot my password", history) is None
    assert FaqBot(KbRanker([])).answer("I forgot my password", []) is None
    assert bot.answer("hi", []) is None  # no question yet


def test_short_replies_are_read_as_yes_no_or_a_request_for_a_person() -> None:
    assert says_no("No.") and says_no("not really") and says_no("没有") and says_no("不是")
    assert says_yes("Yes, thanks!") and says_yes("谢谢") and not says_yes("ok, and how long is delivery?")
    assert asks_for_human("can I speak to someone") and asks_for_human("转人工")
    assert not asks_for_human("where is my parcel")
