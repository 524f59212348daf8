"""Live QA over a recording's segments (``voxdesk analyze``): the same session, one line per result."""

from __future__ import annotations

from qa_fakes import FakeEngines

from asr.frames import FinalTranscript, LegRef
from qa.live.offline import analyze_lines


def final(leg: str, text: str, start: float, end: float) -> FinalTranscript:
    return FinalTranscript(LegRef("rec", leg), text, start, end, 0.9)


def test_a_mono_agent_recording_gives_its_alert_the_missing_disclosure_and_segments_in_time_order() -> None:
    finals = [
        final("caller", "it is guaranteed to grow", 12.0, 14.0),  # mono: the only leg is named caller
        final("caller", "hello thanks for calling", 1.0, 2.0),
    ]
    lines = list(analyze_lines(finals, FakeEngines(within_s=5.0), speakers={"caller": "agent"}, end=20.0))
    assert [line["type"] for line in lines] == ["segment", "alert", "segment", "alert"]
    missing, forbidden = lines[1], lines[3]
    assert (missing["kind"], missing["rule"]) == ("missing_disclosure", "recording-notice")
    assert missing["start"] == 6.0  # the deadline: five seconds after the agent's first words
    assert (forbidden["kind"], forbidden["leg"], forbidden["text"]) == (
        "forbidden", "agent", "it is guaranteed to grow",
    )  # fmt: skip
    assert lines[0]["speaker"] == "agent" and lines[0]["start"] == 1.0


def test_a_caller_question_gives_ranked_suggestions_and_a_said_disclosure_is_met() -> None:
    finals = [
        final("agent", "this call is recorded", 0.5, 1.5),
        final("caller", "i want a refund and a delivery date", 2.0, 4.0),
    ]
    lines = list(analyze_lines(finals, FakeEngines(), speakers={}, end=6.0))
    met = [line for line in lines if line["type"] == "requirement_met"]
    assert [m["rule"] for m in met] == ["recording-notice"]
    suggestions = [line for line in lines if line["type"] == "suggestion"]
    assert [(s["article"], s["rank"]) for s in suggestions] == [("refund", 1), ("delivery", 2)]
    assert not [line for line in lines if line["type"] == "alert"]
