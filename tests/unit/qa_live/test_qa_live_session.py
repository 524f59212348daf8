"""One call's live QA on fakes of the engines: what it publishes and stores, and when."""

from __future__ import annotations

import threading

from qa_fakes import FakeEngines, KeptOutlet

from qa.events import QaAlert, QaRequirementMet, QaSuggestion
from qa.live.session import CallQa


def call(within_s: float = 5.0) -> tuple[CallQa, KeptOutlet]:
    outlet = KeptOutlet()
    return CallQa("c1", FakeEngines(within_s=within_s), outlet, agent="ag-alice", queue="support"), outlet


def test_a_forbidden_promise_is_published_on_the_call_and_stored_with_its_evidence() -> None:
    qa, outlet = call()
    qa.heard("agent", "this fund is guaranteed to make you money", 4.0, 6.5)
    [alert] = outlet.of_type("qa.alert")
    assert isinstance(alert, QaAlert)
    assert (alert.call_id, alert.rule, alert.kind, alert.leg, alert.agent) == (
        "c1", "no-guarantee", "forbidden", "agent", "ag-alice",
    )  # fmt: skip
    assert (alert.start, alert.end, alert.text) == (4.0, 6.5, "this fund is guaranteed to make you money")
    [(findings, call_id, agent)] = outlet.stored
    assert [f.rule_id for f in findings] == ["no-guarantee"] and (call_id, agent) == ("c1", "ag-alice")


def test_a_disclosure_said_is_published_as_met_not_stored_and_never_reported_missing() -> None:
    qa, outlet = call()
    qa.heard("agent", "this call is recorded", 1.0, 2.0)
    qa.tick(30.0)
    qa.finish(40.0)
    assert [type(e) for e in outlet.events] == [QaRequirementMet]
    assert outlet.stored == []


def test_a_missing_disclosure_is_raised_once_when_its_deadline_passes_and_not_again_at_the_end() -> None:
    qa, outlet = call(within_s=5.0)
    qa.tick(10.0)  # the agent has not spoken yet: no deadline runs
    qa.heard("agent", "hello how can i help", 2.0, 3.0)
    qa.tick(6.9)
    assert outlet.of_type("qa.alert") == []
    qa.tick(7.1)
    qa.tick(7.6)
    qa.finish(20.0)
    [missing] = outlet.of_type("qa.alert")
    assert isinstance(missing, QaAlert) and (missing.kind, missing.start) == ("missing_disclosure", 7.0)
    assert len(outlet.stored) == 1


def test_a_call_whose_agent_leg_ran_elsewhere_reports_no_missing_disclosure() -> None:
    qa, outlet = call()
    qa.heard("caller", "i want a refund", 1.0, 2.0)
    qa.tick(60.0)
    qa.finish(90.0)
    assert outlet.of_type("qa.alert") == [] and outlet.stored == []


def test_the_callers_question_brings_suggestions_and_actions_only_when_they_change() -> None:
    qa, outlet = call()
    qa.heard("caller", "i would like a refund please", 1.0, 3.0)
    qa.heard("caller", "a refund for my order", 4.0, 5.0)  # same top articles: nothing new
    qa.heard("agent", "about the delivery", 5.0, 6.0)  # the agent's words do not drive assist
    qa.heard("caller", "and the delivery too, and my refund", 7.0, 9.0)
    first, second = outlet.of_type("qa.suggestion")
    assert isinstance(first, QaSuggestion) and isinstance(second, QaSuggestion)
    assert first.suggestions == [
        {"article": "refund", "title": "Refund", "snippet": "about refund", "source": "kb:refund",
         "rank": 1, "score": 0.8},
    ]  # fmt: skip
    assert first.actions == [{"intent": "refund", "label": "Open a refund ticket", "action": "ticket.refund"}]
    assert (first.language, first.for_text) == ("en", "i would like a refund please")
    assert [s["article"] for s in second.suggestions] == ["refund", "delivery"]


def test_nothing_is_heard_after_the_call_finished_and_finishing_twice_reports_once() -> None:
    qa, outlet = call()
    qa.heard("agent", "good morning", 0.5, 1.0)
    qa.finish(3.0)
    qa.finish(4.0)
    qa.heard("agent", "guaranteed returns", 5.0, 6.0)
    assert [e.kind for e in outlet.of_type("qa.alert")] == ["missing_disclosure"]  # type: ignore[attr-defined]


def test_both_legs_threads_and_the_ticker_may_call_at_once() -> None:
    qa, outlet = call(within_s=1000.0)

    def talk(speaker: str) -> None:
        for n in range(200):
            qa.heard(speaker, f"{n} guaranteed", n, n + 0.5)

    def tick() -> None:
        for n in range(200):
            qa.tick(float(n))

    work = ((talk, ("agent",)), (talk, ("caller",)), (tick, ()))
    threads = [threading.Thread(target=f, args=a) for f, a in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outlet.of_type("qa.alert")) == 200 and len(qa.findings) == 200
