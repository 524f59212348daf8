"""The media worker's live QA: a session per call across its two legs, the call's clock, deadlines
ticked while the call runs, and the call finished and forgotten when its last leg ends."""

from __future__ import annotations

import time

from qa_fakes import FakeEngines, KeptOutlet, KeywordMonitor

from asr.frames import FinalTranscript, LegRef
from asr.sinks import LegStart
from qa.events import QaAlert
from qa.live.calls import LiveQa


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def final(call_id: str, leg: str, text: str, start: float, end: float) -> FinalTranscript:
    return FinalTranscript(LegRef(call_id, leg), text, start, end, 0.9)


def test_the_agent_legs_times_are_moved_onto_the_calls_clock_and_the_agent_is_named() -> None:
    clock, outlet, engines = Clock(), KeptOutlet(), FakeEngines()
    live = LiveQa(engines, outlet, clock=clock)
    [caller_sink] = live.leg_started(LegStart(LegRef("c1", "caller"), queue="support"))
    clock.now += 12.0  # the agent answers twelve seconds into the call
    [agent_sink] = live.leg_started(LegStart(LegRef("c1", "agent"), speaker="ag-alice"))
    agent_sink.final(final("c1", "agent", "it is guaranteed", 1.0, 2.0))
    [alert] = outlet.of_type("qa.alert")
    assert isinstance(alert, QaAlert) and (alert.start, alert.end, alert.agent) == (13.0, 14.0, "ag-alice")
    assert engines.queues == ["support"] and len(engines.monitors) == 1  # one session for both legs
    assert caller_sink is not agent_sink


def test_a_moved_leg_continues_its_clock_and_extra_legs_get_no_qa() -> None:
    clock, outlet = Clock(), KeptOutlet()
    live = LiveQa(FakeEngines(), outlet, clock=clock)
    [sink] = live.leg_started(LegStart(LegRef("c1", "agent"), speaker="ag-alice", elapsed=30.0))
    live.leg_started(LegStart(LegRef("c1", "caller")))  # started now: the agent leg is 30 s older
    sink.final(final("c1", "agent", "guaranteed", 31.0, 32.0))
    assert outlet.of_type("qa.alert")[0].start == 31.0  # type: ignore[attr-defined]
    assert live.leg_started(LegStart(LegRef("c1", "consult-7"))) == []


def test_deadlines_are_ticked_for_active_calls_and_the_call_is_finished_when_both_legs_end() -> None:
    clock, outlet = Clock(), KeptOutlet()
    live = LiveQa(FakeEngines(within_s=5.0), outlet, clock=clock)
    live.leg_started(LegStart(LegRef("c1", "caller")))
    [agent] = live.leg_started(LegStart(LegRef("c1", "agent"), speaker="ag-alice"))
    agent.final(final("c1", "agent", "hello", 1.0, 2.0))
    clock.now += 5.5
    live.tick()
    assert outlet.of_type("qa.alert") == []
    clock.now += 1.0
    live.tick()
    assert [a.kind for a in outlet.of_type("qa.alert")] == ["missing_disclosure"]  # type: ignore[attr-defined]
    agent.leg_closed(LegRef("c1", "agent"))  # after the leg's last words (the pipeline tells its sinks)
    assert live.active_calls() == ["c1"]  # the caller is still on
    live.leg_ended(LegRef("c1", "caller"))
    assert live.active_calls() == []
    assert len(outlet.of_type("qa.alert")) == 1  # finishing did not repeat the alert


def test_a_call_that_ends_with_its_disclosure_unsaid_reports_it_missing_at_the_end() -> None:
    clock, outlet = Clock(), KeptOutlet()
    live = LiveQa(FakeEngines(within_s=60.0), outlet, clock=clock)
    [agent] = live.leg_started(LegStart(LegRef("c2", "agent")))
    agent.final(final("c2", "agent", "bye", 1.0, 2.0))
    clock.now += 4.0
    live.leg_ended(LegRef("c2", "agent"))
    [missing] = outlet.of_type("qa.alert")
    assert (missing.kind, missing.start) == ("missing_disclosure", 4.0)  # type: ignore[attr-defined]


def test_the_ticker_thread_raises_a_missing_disclosure_without_anything_else_happening() -> None:
    outlet = KeptOutlet()
    live = LiveQa(FakeEngines(within_s=0.2), outlet, tick_seconds=0.05).start()
    try:
        [agent] = live.leg_started(LegStart(LegRef("c3", "agent")))
        agent.final(final("c3", "agent", "hello", 0.0, 0.1))
        deadline = time.monotonic() + 5
        while not outlet.of_type("qa.alert") and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        live.stop()
    assert [a.kind for a in outlet.of_type("qa.alert")] == ["missing_disclosure"]  # type: ignore[attr-defined]


class BrokenEngines(FakeEngines):
    def monitor(self, *, queue: str | None = None) -> KeywordMonitor:
        self.queues.append(queue)
        if len(self.queues) > 1:
            raise AssertionError("tried again")
        raise RuntimeError("rule file unreadable")


def test_a_call_without_qa_engines_is_still_transcribed_and_tries_to_load_them_once() -> None:
    outlet = KeptOutlet()
    live = LiveQa(BrokenEngines(), outlet)
    [sink] = live.leg_started(LegStart(LegRef("c4", "agent")))
    sink.final(final("c4", "agent", "guaranteed", 1.0, 2.0))  # the sink never raises into the pipeline
    sink.final(final("c4", "agent", "guaranteed", 3.0, 4.0))
    live.tick()
    live.leg_ended(LegRef("c4", "agent"))
    assert outlet.events == [] and live.active_calls() == []


def test_the_calls_queue_from_the_agents_leg_scopes_the_rules_and_the_callers_context_is_kept() -> None:
    outlet, engines = KeptOutlet(), FakeEngines()
    live = LiveQa(engines, outlet)
    [caller] = live.leg_started(LegStart(LegRef("c5", "caller")))  # tapped on arrival: no queue yet
    caller.final(final("c5", "caller", "i want a refund", 1.0, 2.0))  # in the IVR
    [agent] = live.leg_started(LegStart(LegRef("c5", "agent"), speaker="ag-alice", queue="sales"))
    caller.final(final("c5", "caller", "a refund please", 6.0, 7.0))
    agent.final(final("c5", "agent", "guaranteed", 2.0, 3.0))
    assert engines.queues == [None, "sales"]  # rebuilt with the queue's rules before the agent spoke
    assert len(outlet.of_type("qa.suggestion")) == 1  # the assist session (and its context) was kept
    assert outlet.of_type("qa.alert")[0].agent == "ag-alice"  # type: ignore[attr-defined]


def test_a_transferred_calls_next_agent_is_heard_as_the_agent_and_named_in_alerts() -> None:
    outlet = KeptOutlet()
    live = LiveQa(FakeEngines(), outlet)
    live.leg_started(LegStart(LegRef("c6", "caller")))
    [first] = live.leg_started(LegStart(LegRef("c6", "agent"), speaker="ag-alice"))
    first.leg_closed(LegRef("c6", "agent"))  # alice transfers the call
    [second] = live.leg_started(LegStart(LegRef("c6", "agent-2"), speaker="ag-bob"))
    second.final(final("c6", "agent-2", "it is guaranteed", 9.0, 10.0))
    [alert] = outlet.of_type("qa.alert")
    assert (alert.leg, alert.agent) == ("agent", "ag-bob")  # type: ignore[attr-defined]
    assert live.active_calls() == ["c6"]
