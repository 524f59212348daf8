"""The IVR's FAQ bot over a real knowledge base: published articles in a database, qa's FaqBot with the
real sentence encoder; the verdict is what the caller hears (title and first sentences) or a hand-over."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.db import make_engine, make_session_factory, session_scope
from config.migrate import upgrade
from qa.assist.ranker import KbEntry
from qa.faqbot import BotReply
from telephony.ivr.faq_bot import KbFaq, spoken_verdict
from tickets.kb.models import ArticleStatus, KbArticle

ARTICLES = [
    ("refunds", "How to request a refund", "Refunds go back to the card that paid, within five working days "
     "of our approval. Find the order number on your receipt and call us."),
    ("router", "Resetting your router", "Unplug the router, wait thirty seconds and plug it back in."),
    ("invoice", "Understanding your invoice", "Your monthly invoice lists the plan, any calls outside it "
     "and taxes. It is paid by direct debit on the 10th."),
]  # fmt: skip


@pytest.fixture
def faq(tmp_path: Path) -> KbFaq:
    db_url = f"sqlite:///{tmp_path / 'kb.db'}"
    upgrade(db_url)
    factory = make_session_factory(make_engine(db_url))
    with session_scope(factory) as session:
        for key, title, body in ARTICLES:
            session.add(
                KbArticle(
                    key=key, title=title, body=body, status=ArticleStatus.PUBLISHED.value, updated_by="t"
                )
            )
        session.add(KbArticle(key="draft", title="Secret plans", body="Not yet.", updated_by="t"))
    return KbFaq(factory)


async def test_a_question_the_kb_answers_gets_the_article_read_out(faq: KbFaq) -> None:
    answer = await faq.answer("how long does it take to get my refund", "en")
    assert answer.answered and answer.article_key == "refunds" and answer.language == "en"
    assert answer.text.startswith("How to request a refund. Refunds go back to the card that paid")


async def test_an_off_topic_question_or_a_request_for_a_person_is_handed_over(faq: KbFaq) -> None:
    pizza = await faq.answer("can you recommend a good pizza place near the station", "en")
    person = await faq.answer("I want to speak to a person", "en")
    assert not pizza.answered and not person.answered
    assert person.reason == "the customer asked for a person"


def test_a_reply_without_its_article_or_no_reply_hands_over() -> None:
    entry = KbEntry(key="refunds", title="Where is my refund?", body="Five days.")
    reply = BotReply(kind="answer", text="chat text (yes / no)", language="en", article_key="refunds")
    assert spoken_verdict(reply, [entry]).text == "Where is my refund? Five days."
    assert spoken_verdict(reply, []).reason == "article gone"
    assert spoken_verdict(None, [entry]).reason == "nothing to answer"
    clarify = BotReply(kind="clarify", text="?", language="en")
    assert spoken_verdict(clarify, [entry]).reason == "not sure which article"
