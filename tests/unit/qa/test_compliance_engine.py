"""The compliance engine with the real sentence encoder: forbidden statements, negation, speakers,
channels and queues, and required disclosures against their deadline."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from qa.compliance.engine import ComplianceEngine
from qa.compliance.model import Utterance
from qa.compliance.store import ComplianceRuleBook, parse_rules

RULES = parse_rules(
    """
rules:
  - id: no-profit-guarantee
    kind: forbidden
    severity: high
    action: block
    examples:
      - this is guaranteed to make money
      - I promise this will make you money
      - you will never lose money
      - 这个产品保证赚钱
      - 保证收益
  - id: recording
    kind: required
    severity: medium
    within_s: 30
    channels: [voice]
    examples: [this call may be recorded for quality and training purposes, 本次通话可能会被录音]
  - id: abuse
    kind: forbidden
    speaker: caller
    examples: [I am going to kill you]
  - id: vip-only
    kind: forbidden
    queues: [vip]
    channels: [webchat]
    examples: [I will give you a discount]
"""
)


@pytest.fixture(scope="module")
def engine() -> ComplianceEngine:
    return ComplianceEngine(RULES)


def fired(engine: ComplianceEngine, text: str, speaker: str = "agent", **where: str) -> list[str]:
    return [f.rule_id for f in engine.check(Utterance(speaker, text, 1.0, 2.0), **where)]


def test_a_profit_promise_and_its_paraphrase_fire_with_the_rules_severity(engine: ComplianceEngine) -> None:
    findings = engine.check(Utterance("agent", "trust me, you will definitely make money", 3.0, 5.0))
    assert [(f.rule_id, f.kind, f.severity, f.action, f.start, f.end) for f in findings] == [
        ("no-profit-guarantee", "forbidden", "high", "block", 3.0, 5.0)
    ]
    assert 0.63 <= findings[0].score <= 1.0
    assert fired(engine, "这个基金保证能赚钱") == ["no-profit-guarantee"]


def test_recognition_errors_still_match(engine: ComplianceEngine) -> None:
    assert fired(engine, "this is guarantied too make money") == ["no-profit-guarantee"]
    assert fired(engine, "guarantied to make many") == ["no-profit-guarantee"]


@pytest.mark.parametrize(
    "text",
    [
        "there is no guarantee you will make money",
        "I can't promise any returns",
        "投资有风险，不保证收益",
        "我们无法保证收益",
        "不一定赚钱",
        "you could lose money with this",
    ],
)
def test_negated_near_misses_do_not_fire(engine: ComplianceEngine, text: str) -> None:
    assert fired(engine, text) == []


def test_a_negated_example_matches_its_own_kind(engine: ComplianceEngine) -> None:
    assert fired(engine, "you won't lose any money with us") == ["no-profit-guarantee"]


def test_a_negation_in_another_clause_does_not_hide_the_promise(engine: ComplianceEngine) -> None:
    assert fired(engine, "no, this is guaranteed to make money") == ["no-profit-guarantee"]


def test_rules_apply_to_their_speaker_only(engine: ComplianceEngine) -> None:
    assert fired(engine, "this is guaranteed to make money", "caller") == []
    assert fired(engine, "I am going to kill you", "caller") == ["abuse"]
    assert fired(engine, "I am going to kill you", "agent") == []


def test_rules_apply_to_their_channels_and_queues(engine: ComplianceEngine) -> None:
    assert fired(engine, "I will give you a discount", channel="webchat", queue="vip") == ["vip-only"]
    assert fired(engine, "I will give you a discount", channel="webchat", queue="sales") == []
    assert fired(engine, "I will give you a discount", channel="voice", queue="vip") == []
    assert fired(engine, "I will give you a discount", channel="webchat") == []


def test_unrelated_or_empty_speech_fires_nothing(engine: ComplianceEngine) -> None:
    assert fired(engine, "thank you for calling, how can I help you today") == []
    assert fired(engine, "   ") == []


def test_a_disclosure_said_in_time_is_met_once(engine: ComplianceEngine) -> None:
    monitor = engine.monitor(channel="voice")
    assert monitor.hear(Utterance("caller", "hello?", 0.0, 1.0)) == []
    assert monitor.hear(Utterance("agent", "good morning, this is Anna", 2.0, 3.0)) == []
    met = monitor.hear(Utterance("agent", "this call may be recorded for quality purposes", 10.0, 13.0))
    assert [(f.rule_id, f.kind, f.start) for f in met] == [("recording", "requirement_met", 10.0)]
    assert (
        monitor.hear(Utterance("agent", "this call may be recorded for quality purposes", 14.0, 15.0)) == []
    )
    assert monitor.due(100.0) == [] and monitor.finish(200.0) == []


def test_a_missing_disclosure_is_reported_once_when_its_deadline_passes(engine: ComplianceEngine) -> None:
    monitor = engine.monitor()
    monitor.hear(Utterance("agent", "good morning, this is Anna", 5.0, 6.0))
    assert monitor.due(34.9) == []
    missing = monitor.due(35.0)
    assert [(f.rule_id, f.kind, f.start, f.severity, f.speaker) for f in missing] == [
        ("recording", "missing_disclosure", 35.0, "medium", "agent")
    ]
    assert monitor.due(40.0) == []
    # said late: it does not count as met, and nothing is reported twice
    assert monitor.hear(Utterance("agent", "本次通话可能会被录音", 50.0, 52.0)) == []
    assert monitor.finish(60.0) == []


def test_finish_reports_what_is_still_missing_at_hang_up(engine: ComplianceEngine) -> None:
    monitor = engine.monitor()
    monitor.hear(Utterance("agent", "hello", 1.0, 2.0))
    missing = monitor.finish(12.0)
    assert [(f.rule_id, f.kind, f.start) for f in missing] == [("recording", "missing_disclosure", 12.0)]


def test_no_deadline_runs_before_the_agent_speaks(engine: ComplianceEngine) -> None:
    monitor = engine.monitor()
    monitor.hear(Utterance("caller", "hello, anyone there?", 0.0, 2.0))
    assert monitor.due(1000.0) == [] and monitor.finish(1000.0) == []


def test_a_text_channel_without_the_disclosure_rule_reports_nothing(engine: ComplianceEngine) -> None:
    monitor = engine.monitor(channel="webchat")
    monitor.hear(Utterance("agent", "hello", 1.0, 2.0))
    assert monitor.finish(100.0) == []


def test_the_monitor_is_safe_to_share_between_threads(engine: ComplianceEngine) -> None:
    monitor = engine.monitor()
    results: list[int] = []

    def say() -> None:
        found = monitor.hear(
            Utterance("agent", "this call may be recorded for quality and training", 1.0, 2.0)
        )
        results.append(len(found))

    threads = [threading.Thread(target=say) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 0, 0, 0, 1]


def test_a_saved_rule_applies_to_the_next_utterance(tmp_path: Path) -> None:
    book = ComplianceRuleBook(tmp_path / "compliance_rules.yaml")
    text = "please hold while I check"
    assert book.engine().check(Utterance("agent", text, 0.0, 1.0)) == []
    book.replace("rules: [{id: no-hold, kind: forbidden, examples: [please hold while I check]}]\n")
    assert [f.rule_id for f in book.engine().check(Utterance("agent", text, 0.0, 1.0))] == ["no-hold"]


def test_odd_or_long_text_is_checked_without_error(engine: ComplianceEngine) -> None:
    assert fired(engine, "\ud800 this is guaranteed to make money") == ["no-profit-guarantee"]
    for text in ("\x00\x01", "!!!", "\U0001f600" * 50, "\u3002\uff0c\uff1b", "and but or"):
        assert fired(engine, text) == []
    # A long e-mail: the promise in its last sentence is still found, clause by clause.
    filler = ". ".join(f"line {n} of the order history is attached for you" for n in range(40))
    assert fired(engine, f"{filler}. This is guaranteed to make money.") == ["no-profit-guarantee"]
