"""The IVR's bot adapter: the bot's reply shaped for the ear, asked off the event loop, and rebuilt only
when the knowledge base changed (fake bot and KB at the protocol seam)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from telephony.ivr.faq import confirmation, path_question, spoken_answer
from telephony.ivr.faq_bot import RefreshingBot, ThreadedFaq, to_faq_answer


@dataclass(frozen=True)
class Reply:
    kind: str
    text: str
    article_key: str | None = None


class EchoBot:
    def __init__(self, entries: Sequence[str]) -> None:
        self.entries = list(entries)
        self.threads: list[str] = []

    def answer(self, question: str, history: Sequence[Any]) -> Reply:
        self.threads.append(threading.current_thread().name)
        for key in self.entries:
            if key in question:
                return Reply("answer", f"About {key}: see the article.", key)
        return Reply("handover", "Let me find someone who can help.", None)


def test_an_answer_is_kept_and_a_handover_or_an_empty_answer_is_not() -> None:
    answer = to_faq_answer(Reply("answer", "Refunds take\n five days.", "refunds"), lambda text: "en")
    assert (answer.answered, answer.text, answer.article_key, answer.language) == (
        True, "Refunds take five days.", "refunds", "en",
    )  # fmt: skip
    assert to_faq_answer(Reply("handover", "A person will help.")).reason == "not confident"
    assert not to_faq_answer(Reply("answer", "   ", "empty")).answered


async def test_the_bot_runs_in_a_worker_thread_and_answers_from_the_current_entries() -> None:
    bots: list[EchoBot] = []

    def build(entries: Sequence[Any]) -> EchoBot:
        bots.append(EchoBot(entries))
        return bots[-1]

    faq = ThreadedFaq(RefreshingBot(lambda: ["refund"], build))
    answer = await faq.answer("how do I get a refund", "en")
    assert answer.answered and answer.article_key == "refund"
    assert (await faq.answer("what about my parrot", "en")).reason == "not confident"
    assert bots[0].threads and threading.main_thread().name not in bots[0].threads


def test_the_bot_is_rebuilt_only_when_the_entries_changed_and_survives_an_unreadable_kb() -> None:
    now = [0.0]
    entries: list[Any] = [("refund", "Refunds take five days.")]
    built: list[Sequence[Any]] = []

    def load() -> list[Any]:
        if entries is None or entries == ["broken"]:
            raise ConnectionError("database down")
        return list(entries)

    def build(found: Sequence[Any]) -> EchoBot:
        built.append(found)
        return EchoBot([key for key, _ in found])

    source = RefreshingBot(load, build, refresh_s=30, clock=lambda: now[0])
    first = source()
    now[0] = 31
    assert source() is first and len(built) == 1  # read again, unchanged: the same bot
    entries.append(("invoice", "Invoices come on the 1st."))
    assert source() is first  # within refresh_s of the last read
    now[0] = 62
    assert source() is not first and len(built) == 2
    entries[:] = ["broken"]
    now[0] = 100
    assert source() is not None  # the last bot stays in use


def test_the_first_build_fails_loudly_when_the_kb_cannot_be_read() -> None:
    def load() -> list[Any]:
        raise ConnectionError("database down")

    with pytest.raises(ConnectionError):
        RefreshingBot(load, EchoBot)()


def test_a_long_answer_is_cut_at_a_sentence_and_list_marks_are_not_read_out() -> None:
    body = (
        "Refunds go back to the card that paid. 1. Find the order number on your receipt. "
        "2. Call us and press 2 for billing. 3. We confirm by e-mail once the refund is sent."
    )
    assert spoken_answer(body, limit=90) == (
        "Refunds go back to the card that paid. Find the order number on your receipt."
    )
    assert (
        spoken_answer("One very long sentence " * 40, limit=50)
        == "One very long sentence One very long sentence One"
    )


def test_yes_and_no_are_read_from_what_the_caller_said() -> None:
    assert [confirmation(t) for t in ("Yes.", "Yeah, thanks!", "No, thank you.", "Agent please", "hmm")] == [
        "yes", "yes", "no", "no", None,
    ]  # fmt: skip


def test_the_question_for_the_call_record_is_one_short_line() -> None:
    assert path_question('my "router"\nis   broken') == "my 'router' is broken"
    assert path_question("word " * 60).endswith("...") and len(path_question("word " * 60)) <= 123
