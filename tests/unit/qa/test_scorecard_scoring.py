"""The automatic scorecard as a pure function: real encoder, utterances built by hand."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from asr.transcripts.schemas import TranscriptSegmentPublic, WordPublic
from qa.scorecards.phrases import negated, shared_phrase_book
from qa.scorecards.schemas import CallFacts, ItemStatus, ScoreSheet
from qa.scorecards.scoring import score_call, weighted_total
from qa.scorecards.timeline import gaps, merged, on_call_clock, overlap

FACTS = CallFacts(call_id="c1", agent_id="1001", offered_at=1000.0, answered_at=1000.0, ended_at=1100.0)
JOINED_LATER = FACTS.model_copy(update={"answered_at": 1020.0})  # the agent leg starts 20 s in


def seg(
    leg: str, start: float, end: float, text: str, words: bool = False, n: int = 0
) -> TranscriptSegmentPublic:
    timed = []
    if words:  # one word per second, each lasting 0.8 s
        timed = [WordPublic(word=w, start=start + i, end=start + i + 0.8, confidence=0.9)
                 for i, w in enumerate(text.split())]  # fmt: skip
    return TranscriptSegmentPublic(
        id=n or int(start * 10) + (1 if leg == "agent" else 0),
        call_id="c1",
        leg=leg,
        start=start,
        end=end,
        text=text,
        confidence=0.9,
        words=timed,
    )


def score(
    segments: list[TranscriptSegmentPublic], facts: CallFacts = FACTS, findings: list | None = None
) -> ScoreSheet:
    spoken = on_call_clock(segments, facts.offsets({s.leg for s in segments}))
    return score_call(
        spoken, facts, findings, shared_phrase_book(), redact=lambda t: t.replace("4111", "••••")
    )


def item(sheet: ScoreSheet, key: str):  # type: ignore[no-untyped-def]
    return next(i for i in sheet.items if i.key == key)


@dataclass(frozen=True)
class FakeFinding:
    rule_id: str
    kind: str
    severity: str = "high"
    speaker: str = "agent"
    text: str = ""
    start: float = 0.0
    end: float = 0.0


# ---- greeting ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "opening",
    [
        "hello thank you for calling acme this is anna",
        "hey there, good to hear from you, what can I do",
        "您好, 欢迎致电, 请问有什么可以帮您",
        "你好 我是小王 有什么可以帮你的",
    ],
)
def test_an_agent_who_greets_in_their_first_words_passes_the_greeting(opening: str) -> None:
    sheet = score([seg("caller", 2, 4, "ringing"), seg("agent", 1.5, 4, opening)])
    greeting = item(sheet, "greeting")
    assert greeting.status is ItemStatus.PASSED
    assert greeting.value == 1.5 and greeting.evidence[0].text == opening


def test_an_agent_who_opens_with_business_misses_the_greeting() -> None:
    sheet = score([seg("agent", 1, 3, "account number please"), seg("caller", 4, 6, "it is 1234")])
    assert item(sheet, "greeting").status is ItemStatus.FAILED


def test_a_greeting_after_ten_seconds_of_the_agent_joining_is_too_late() -> None:
    sheet = score([seg("agent", 12, 14, "hello thank you for calling")])
    assert item(sheet, "greeting").status is ItemStatus.FAILED
    assert item(sheet, "greeting").value == 12


def test_an_agent_who_never_speaks_fails_the_greeting() -> None:
    assert item(score([seg("caller", 1, 3, "hello?")]), "greeting").status is ItemStatus.FAILED


# ---- resolution ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "closing",
    [
        "yes that solves my problem thanks",
        "perfect, it works now",
        "问题解决了 谢谢",
        "好的 已经解决了",
        "no problem, glad it is fixed",
    ],
)
def test_a_confirmation_near_the_end_counts_as_resolved(closing: str) -> None:
    sheet = score([seg("agent", 1, 3, "hello"), seg("caller", 40, 43, closing), seg("agent", 44, 45, "bye")])
    resolution = item(sheet, "resolution")
    assert resolution.status is ItemStatus.PASSED
    assert resolution.evidence[0].text == closing


@pytest.mark.parametrize(
    "closing",
    [
        "that doesn't solve my problem",
        "it still does not work",
        "问题还没有解决",
        "我要退款",
        "thank you goodbye",
    ],
)
def test_a_denial_or_plain_goodbye_is_not_a_confirmed_resolution(closing: str) -> None:
    sheet = score([seg("agent", 1, 3, "hello"), seg("caller", 40, 43, closing)])
    assert item(sheet, "resolution").status is ItemStatus.FAILED


def test_a_confirmation_long_before_the_end_does_not_count() -> None:
    sheet = score(
        [seg("caller", 5, 7, "that solves my problem"), seg("caller", 100, 103, "one more question")]
    )
    assert item(sheet, "resolution").status is ItemStatus.FAILED


def test_negations_are_told_from_idioms_that_merely_contain_a_negation_word() -> None:
    assert negated("it still doesn't work") and negated("问题没有解决")
    assert not negated("no problem, that fixed it") and not negated("不错 问题解决了")


# ---- timing --------------------------------------------------------------------------------------
def test_interval_arithmetic_for_talk_over_and_silence() -> None:
    agent = merged([(0, 2), (1, 3), (10, 12)])
    caller = merged([(2.5, 4), (11, 11.5)])
    assert agent == [(0, 3), (10, 12)]
    assert overlap(agent, caller) == pytest.approx(1.0)
    assert gaps(merged(agent + caller), 3.0) == [(4, 10)]
    assert gaps(merged(agent + caller), 7.0) == []


def test_talk_over_silence_and_ratio_come_from_word_timings_on_one_clock() -> None:
    # The agent leg joins 20 s after the caller leg: agent leg time 1 is call time 21.
    segments = [
        seg("caller", 15, 19, "I have a problem", words=True),  # speech 15-18.8
        seg("agent", 1, 5, "hello how can I help", words=True),  # 21-25.8 (call clock)
        seg("caller", 24, 26, "my router", words=True),  # 24-25.8, over the agent's 24-24.8, 25-25.8
        seg("agent", 15, 17, "let me see", words=True),  # 35-37.8, a 9.2 s pause before it
    ]
    sheet = score(segments, JOINED_LATER)
    assert item(sheet, "talk_over").value == pytest.approx(1.6, abs=0.01)  # words 24-24.8, 25-25.8
    assert item(sheet, "silence").value == pytest.approx(9.2, abs=0.01)  # the 2.2 s pause is turn-taking
    agent_s = 5 * 0.8 + 3 * 0.8
    caller_s = 4 * 0.8 + 2 * 0.8
    assert item(sheet, "talk_ratio").value == pytest.approx(agent_s / (agent_s + caller_s), abs=0.001)
    assert item(sheet, "talk_ratio").status is ItemStatus.PASSED


def test_hold_time_is_not_counted_again_as_silence() -> None:
    segments = [seg("caller", 0, 2, "hi"), seg("agent", 62, 64, "thanks for waiting", n=9)]
    held = score(segments, FACTS.model_copy(update={"hold_s": 55.0}))
    assert item(held, "hold").value == 55 and item(held, "hold").status is ItemStatus.PASSED
    assert item(held, "silence").value == pytest.approx(5.0)
    long_hold = score(segments, FACTS.model_copy(update={"hold_s": 61.0}))
    assert item(long_hold, "hold").status is ItemStatus.FAILED


def test_an_agent_who_talks_all_the_time_fails_the_talk_ratio_and_silence_and_talk_over_pass() -> None:
    segments = [seg("agent", 0, 30, "hello " * 30), seg("caller", 31, 32, "ok")]
    sheet = score(segments)
    assert item(sheet, "talk_ratio").status is ItemStatus.FAILED
    assert item(sheet, "talk_ratio").value == pytest.approx(30 / 31, abs=0.001)
    assert item(sheet, "talk_over").value == 0 and item(sheet, "silence").value == 0


def test_a_call_with_no_speech_has_no_timing_items_to_judge() -> None:
    sheet = score([])
    assert {item(sheet, k).status for k in ("silence", "talk_over", "talk_ratio")} == {
        ItemStatus.NOT_APPLICABLE
    }


# ---- compliance and the total --------------------------------------------------------------------
def test_without_a_compliance_engine_disclosure_and_compliance_do_not_apply() -> None:
    sheet = score(
        [seg("agent", 1, 3, "hello, thanks for calling"), seg("caller", 4, 6, "that fixed it thanks")]
    )
    assert item(sheet, "disclosure").status is ItemStatus.NOT_APPLICABLE
    assert item(sheet, "compliance").status is ItemStatus.NOT_APPLICABLE
    # greeting 15 + resolution 20 + hold 5 + silence 10 + talk-over 5; ratio 2/4 s passes too
    assert sheet.total == 100.0


def test_forbidden_findings_and_missed_disclosures_fail_their_items_with_redacted_evidence() -> None:
    findings = [
        FakeFinding("no-profit-guarantee", "forbidden", text="guaranteed profit, card 4111", start=3, end=5),
        FakeFinding("recording-notice", "missing_disclosure", text="", start=30, end=30),
        FakeFinding("identity-check", "requirement_met", text="may I confirm your name", start=6, end=8),
    ]
    sheet = score([seg("agent", 1, 3, "hello, thanks for calling")], findings=findings)
    compliance, disclosure = item(sheet, "compliance"), item(sheet, "disclosure")
    assert compliance.status is ItemStatus.FAILED and compliance.value == 1
    assert compliance.evidence[0].rule_id == "no-profit-guarantee"
    assert compliance.evidence[0].text == "guaranteed profit, card ••••"
    assert disclosure.status is ItemStatus.FAILED and disclosure.value == 1
    assert [e.rule_id for e in disclosure.evidence] == ["recording-notice", "identity-check"]


def test_disclosures_all_met_pass_and_no_required_rule_means_not_applicable() -> None:
    met = [FakeFinding("recording-notice", "requirement_met", text="this call is recorded", start=2, end=4)]
    assert item(score([], findings=met), "disclosure").status is ItemStatus.PASSED
    assert item(score([], findings=[]), "disclosure").status is ItemStatus.NOT_APPLICABLE
    assert item(score([], findings=[]), "compliance").status is ItemStatus.PASSED


def test_the_total_weighs_passed_items_over_applicable_ones() -> None:
    sheet = score([seg("agent", 1, 3, "account number please")], findings=[])
    # failed: greeting 15, resolution 20; passed: compliance 20, hold 5, silence 10, talk-over 5;
    # talk ratio (agent only) fails 5; disclosure n/a.
    assert sheet.total == pytest.approx(round(100 * 40 / 80, 1))
    assert weighted_total(sheet.items, lambda i: ItemStatus.PASSED) == 100.0
