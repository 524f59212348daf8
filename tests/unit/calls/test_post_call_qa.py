"""Call control's side of post-call QA: which calls are scored and the facts the job carries."""

from __future__ import annotations

import asyncio
from typing import Any

from qa.scorecards.schemas import CallFacts
from qa.scorecards.tasks import SCORE_CALL_TASK as QA_SIDE_NAME
from telephony.calls.model import Call
from telephony.inbound.post_call_qa import SCORE_CALL_TASK, PostCallQa, scorecard_facts


class Jobs:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, list[Any]]] = []
        self.fail = fail

    def send_task(self, name: str, args: list[Any] | None = None) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.sent.append((name, list(args or [])))


def answered_call(**changes: Any) -> Call:
    values: dict[str, Any] = dict(
        call_id="c9", state="ended", queue_id="billing", agent_id="agent7", created_at=1000.0,
        answered_at=1030.0, hold_seconds=12.5, wrap_up_started_at=1200.0, ended_at=1230.0,
    )  # fmt: skip
    return Call(**(values | changes))


def test_a_call_an_agent_answered_queues_its_scorecard_with_the_facts_the_transcript_lacks() -> None:
    jobs = Jobs()
    asyncio.run(PostCallQa(jobs).call_ended(answered_call()))
    [(name, [facts])] = jobs.sent
    assert name == SCORE_CALL_TASK == QA_SIDE_NAME  # named by string on both sides
    parsed = CallFacts.model_validate(facts)  # the job's schema reads exactly this
    assert (parsed.agent_id, parsed.queue_id, parsed.hold_s) == ("agent7", "billing", 12.5)
    assert parsed.ended_at == 1200.0  # the conversation ends when wrap-up starts
    assert parsed.offsets({"caller", "agent"}) == {"caller": 0.0, "agent": 30.0}


def test_a_call_ending_on_hold_counts_the_hold_until_the_end() -> None:
    facts = scorecard_facts(answered_call(hold_started_at=1190.0, wrap_up_started_at=None, ended_at=1200.0))
    assert facts is not None and facts["hold_s"] == 22.5


def test_calls_no_agent_answered_are_not_scored_and_a_broker_failure_never_reaches_the_call() -> None:
    jobs = Jobs()
    asyncio.run(PostCallQa(jobs).call_ended(answered_call(agent_id=None, answered_at=None)))
    asyncio.run(PostCallQa(jobs).call_ended(answered_call(answered_at=None)))
    assert jobs.sent == []
    asyncio.run(PostCallQa(Jobs(fail=True)).call_ended(answered_call()))  # logged, not raised
