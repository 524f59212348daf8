"""Card numbers, security codes and expiry dates, spoken or typed, are masked (moved from asr/)."""

from __future__ import annotations

import pytest

from asr.frames import FinalTranscript, LegRef, PartialTranscript, WordTiming
from qa.pci import LegRedactor, contains_card_data, redact_frame, redact_text
from qa.pci.detect import luhn_ok

LEG = LegRef("call-1", "caller")
FULL_WIDTH_4111 = "".join(chr(0xFF10 + int(d)) for d in "4111111111111111")


def test_a_card_read_out_digit_by_digit_keeps_only_its_last_four() -> None:
    spoken = "my card is four one one one one one one one one one one one one one one two thanks"
    assert redact_text(spoken) == "my card is [card ••••1112] thanks"


def test_a_card_written_in_groups_is_masked() -> None:
    assert redact_text("it's 4111 1111 1111 1111.") == "it's [card ••••1111]."
    assert redact_text("4111-1111-1111-1111 please") == "[card ••••1111] please"
    assert redact_text("4,111,111,111,111,111") == "[card ••••1111]"
    assert redact_text("5500 0000 0000 zero zero zero four ok") == "[card ••••0004] ok"


def test_the_recognisers_digit_forms_and_repeats_are_digits() -> None:
    assert redact_text("it's 4-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1") == "it's [card ••••1111]"
    assert redact_text("four double one triple one one one one one one one one one one") == "[card ••••1111]"


@pytest.mark.parametrize(
    "text",
    [
        "for 1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1",  # the first "four" heard as "for"
        "my card number is for 1-1-1-1-1-1-1-1-1-1-1-1-1-1-1",
        "it is for one one one one one one one one one one one one one one one",
    ],
)
def test_a_homophone_at_the_edge_of_a_run_counts_and_no_fifteen_digits_are_left(text: str) -> None:
    redacted = redact_text(text)
    assert "[card ••••1111]" in redacted
    assert "1-1" not in redacted and "one one" not in redacted and "for" not in redacted.split("[")[-1]


def test_homophones_alone_are_words() -> None:
    for text in ("I was waiting for you to call too", "oh I ate it", "won the game for two"):
        assert redact_text(text) == text


def test_luhn_decides_13_and_14_digit_runs_and_15_or_more_are_masked_anyway() -> None:
    assert luhn_ok("4222222222222") and redact_text("ref 4222222222222") == "ref [card ••••2222]"
    assert redact_text("ref 4222222222223") == "ref 4222222222223"  # 13 digits, not Luhn, no cue
    assert redact_text("ref 123456789012345") == "ref [card ••••2345]"
    merged = "4111111111111111739"  # card and code merged by the recogniser
    assert redact_text(merged) == "[card ••••1739]"


def test_after_a_card_cue_a_long_run_is_a_card_even_when_luhn_fails() -> None:
    dropped = "card number 4111 1111 1111 111"  # a digit lost: 15 digits would pass anyway
    assert redact_text(dropped) == "card number [card ••••1111]"
    twelve = "the card number is 4111 1111 1112"
    assert redact_text(twelve) == "the card number is [card ••••1112]"
    assert redact_text("my order is 4111 1111 1112") == "my order is 4111 1111 1112"  # no cue: 12 digits


def test_chinese_and_full_width_digits() -> None:
    assert redact_text("我的卡号是四一一一一一一一一一一一一一一一") == "我的卡号是[card ••••1111]"
    assert redact_text("银行卡幺两三四五六七八九零幺两三四五六") == "银行卡[card ••••3456]"
    assert redact_text(f"信用卡 {FULL_WIDTH_4111}") == "信用卡 [card ••••1111]"
    assert redact_text("安全码是七三九") == "安全码是[security code]"
    assert redact_text("背面三位是 7 3 9") == "背面三位是 [security code]"
    assert redact_text("有效期是2027年9月") == "有效期是[expiry]"
    assert redact_text("我想一下") == "我想一下"


@pytest.mark.parametrize(
    "text",
    [
        "the security code on the back is seven three nine",
        "the security code on the back is 739.",
        "security code on the back is 7, 3, 9",
        "the CVV is seven thirty-nine",
        "the three digits on the back are seven three nine",
        "CVC 739",
    ],
)
def test_a_security_code_leaves_no_trace_of_its_digits(text: str) -> None:
    redacted = redact_text(text)
    assert "[security code]" in redacted
    for trace in ("739", "7, 3, 9", "seven", "three nine", "thirty"):
        assert trace not in redacted


@pytest.mark.parametrize(
    "text",
    [
        "it expires oh nine twenty seven",
        "expiry 09/27",
        "valid thru 09 27 thanks",
        "the expiration date is September 2027",
        "expires September twenty twenty seven",
    ],
)
def test_an_expiry_date_is_masked(text: str) -> None:
    redacted = redact_text(text)
    assert "[expiry]" in redacted
    assert not any(trace in redacted for trace in ("09", "27", "nine", "twenty", "September"))


def test_short_numbers_like_orders_phones_and_dates_are_left_alone() -> None:
    for text in (
        "order 123456 please",
        "call me at 415 555 2671",
        "on the 25th of 2026",
        "I paid for 2 items",
    ):
        assert redact_text(text) == text
        assert not contains_card_data(text)
    assert contains_card_data("4111 1111 1111 1111") and contains_card_data("cvv 123")


def test_redacting_twice_changes_nothing() -> None:
    once = redact_text("card 4111111111111111 cvv 739 expires 09/27")
    assert once == "card [card ••••1111] cvv [security code] expires [expiry]"
    assert redact_text(once) == once


def test_text_and_words_are_redacted_by_one_pass_even_when_they_differ() -> None:
    # The recogniser's words split the first digit off as "for"; its text wrote the run differently.
    words = (
        WordTiming("my", 0.0, 0.2, 0.9),
        WordTiming("card", 0.2, 0.5, 0.9),
        WordTiming("for", 0.6, 0.8, 0.6),
        WordTiming("1-1-1-1-1-1-1-1-1-1-1-1-1-1-1", 0.8, 5.0, 0.8),
        WordTiming("thanks", 5.2, 5.6, 0.9),
    )
    text = "my card for 1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-un thanks"  # the text the bug left with 15 digits
    final = FinalTranscript(LEG, text, 0.0, 5.6, 0.9, words, "whisper")
    redacted = redact_frame(final)
    assert [w.word for w in redacted.words] == ["my", "card", "[card ••••1111]", "thanks"]
    assert redacted.text == "my card [card ••••1111] thanks"
    assert (redacted.words[2].start, redacted.words[2].end, redacted.words[2].confidence) == (0.6, 5.0, 0.6)
    assert "1-1" not in redacted.text


def test_a_word_holding_a_cue_and_digits_keeps_its_cue_text() -> None:
    words = (WordTiming("卡号是", 0.0, 0.5, 0.9), WordTiming("4111111111111111", 0.5, 3.0, 0.9))
    final = FinalTranscript(LEG, "卡号是4111111111111111", 0.0, 3.0, 0.9, words)
    redacted = redact_frame(final)
    assert [w.word for w in redacted.words] == ["卡号是", "[card ••••1111]"]


def test_frames_without_words_are_redacted_on_their_text_and_clean_frames_are_returned_as_they_are() -> None:
    partial = PartialTranscript(LEG, "four one one one one one one one one one one one one", 0.0)
    assert "one one" not in redact_frame(partial).text  # a number still being read is masked early
    clean = FinalTranscript(LEG, "hello there", 0.0, 1.0, 0.9)
    assert redact_frame(clean) is clean


def test_a_cue_in_one_segment_makes_the_next_segments_digits_a_card_number() -> None:
    redactor = LegRedactor()
    first = FinalTranscript(LEG, "my card number is", 0.0, 1.0, 0.9)
    digits = "4111 1111 1111 1112"  # fails Luhn, 16 digits: masked anyway; try 12 to need the cue
    assert redactor(first).text == "my card number is"
    second = redactor(FinalTranscript(LEG, "4111 1111 1112", 2.0, 5.0, 0.9))
    assert second.text == "[card ••••1112]"
    # Without the cue (a fresh leg) the same 12 digits are no card number.
    assert LegRedactor()(FinalTranscript(LEG, "4111 1111 1112", 2.0, 5.0, 0.9)).text == "4111 1111 1112"
    assert redact_text(digits) == "[card ••••1112]"


def test_a_number_split_across_segments_is_masked_in_both_and_the_cue_expires() -> None:
    redactor = LegRedactor(memory_seconds=10)
    redactor(FinalTranscript(LEG, "the card number is", 0.0, 1.0, 0.9))
    head = redactor(FinalTranscript(LEG, "4111 1111", 1.5, 3.0, 0.9))
    tail = redactor(FinalTranscript(LEG, "1111 1111", 4.0, 6.0, 0.9))
    assert head.text == "[card digits]" and tail.text == "[card digits]"
    redactor(FinalTranscript(LEG, "and the security code", 7.0, 8.0, 0.9))
    assert redactor(PartialTranscript(LEG, "seven three nine", 8.5)).text == "[security code]"
    assert redactor(FinalTranscript(LEG, "seven three nine", 8.5, 9.5, 0.9)).text == "[security code]"
    redactor(FinalTranscript(LEG, "my card number", 20.0, 21.0, 0.9))
    late = redactor(FinalTranscript(LEG, "4111 1111", 40.0, 41.0, 0.9))  # 19 s later: the cue has lapsed
    assert late.text == "4111 1111"


def test_a_stored_alert_keeps_no_card_number_of_its_evidence() -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from config.db import Base
    from qa.alerts.models import QaAlert
    from qa.alerts.services import record_findings
    from qa.compliance.model import Finding

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine, tables=[QaAlert.__table__])  # type: ignore[list-item]
    finding = Finding(
        rule_id="r", kind="forbidden", severity="high", speaker="agent",
        text="guaranteed profit, pay with 4111 1111 1111 1111 now", start=0.0, end=1.0, score=0.9,
        action="warn",
    )  # fmt: skip
    with Session(engine) as session:
        record_findings(session, [finding], conversation_id=1, channel="webchat")
        stored = session.query(QaAlert).one().evidence
    assert "4111 1111" not in stored and "••••1111" in stored
