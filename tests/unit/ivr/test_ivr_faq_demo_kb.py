"""What the IVR's FAQ step does with callers' questions about the demo knowledge base (the English
articles of voxdesk/demo_data.yaml), with the real encoder and qa's FaqBot: never a wrong article read
out, every off-topic question or request for a person handed over. The share answered is printed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from qa.assist.ranker import KbEntry, KbRanker
from telephony.ivr.faq_bot import KbFaq

DEMO = Path(__file__).resolve().parents[3] / "voxdesk" / "demo_data.yaml"
ON_TOPIC = {
    "how-to-request-a-refund": [
        "how do I get a refund",
        "I want my money back for an order",
        "how long until my refund arrives",
        "I was charged twice and want the money returned",
    ],
    "understanding-your-invoice": [
        "when is my invoice paid",
        "what is on my monthly invoice",
        "when are invoices issued",
        "why are there taxes on my bill",
    ],
    "where-is-my-order": [
        "where is my order",
        "how can I track my delivery",
        "what is the status of my order",
        "my parcel has not turned up yet",
    ],
    "returning-a-damaged-item": [
        "my item arrived broken",
        "how do I return a damaged product",
        "the package was damaged what do I do",
        "the screen was cracked when it came can I send it back",
    ],
}
OFF_TOPIC = [
    "can you recommend a good pizza place",
    "what's the weather like tomorrow",
    "do you sell gift cards",
    "I'd like to speak to someone",
    "um hello",
    "purple monkey dishwasher",
]


def slug(title: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", title.lower()))


@pytest.fixture(scope="module")
def faq() -> KbFaq:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    entries = [
        KbEntry(key=slug(a["title"]), title=a["title"], body=a["body"], language="zh" if re.search(
            r"[\u4e00-\u9fff]", a["title"]) else "en")
        for category in data["kb"]
        for a in category["articles"]
    ]  # fmt: skip
    ranker = KbRanker(entries)
    return KbFaq(None, rankers=lambda _factory: ranker)  # type: ignore[arg-type]


async def test_the_demo_kb_never_reads_out_a_wrong_article_and_hands_off_topic_callers_over(
    faq: KbFaq,
) -> None:
    answered, wrong = 0, []
    for key, questions in ON_TOPIC.items():
        for question in questions:
            verdict = await faq.answer(question, "en")
            if verdict.answered:
                answered += 1
                if verdict.article_key != key:
                    wrong.append((question, verdict.article_key))
    handed_over = [q for q in OFF_TOPIC if not (await faq.answer(q, "en")).answered]
    total = sum(map(len, ON_TOPIC.values()))
    print(json.dumps({"answered": f"{answered}/{total}", "wrong": wrong, "off_topic_handed_over":
                      f"{len(handed_over)}/{len(OFF_TOPIC)}"}))  # fmt: skip
    assert wrong == []
    assert handed_over == OFF_TOPIC
    assert answered >= total // 2
