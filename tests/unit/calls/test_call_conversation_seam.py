"""The controller's side of call conversations: what the end-of-call job carries, and failures that
never reach the call."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from telephony.calls.model import Call
from telephony.inbound.conversations import CALL_ENDED_TASK, TicketsCallConversations, ended_payload


class BrokenFactory:
    """A session factory whose database is away."""

    def __call__(self) -> Session:
        raise OSError("connection refused")


class Jobs:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, list[Any]]] = []
        self.fail = fail

    def send_task(self, name: str, args: list[Any] | None = None) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.sent.append((name, list(args or [])))


def finished_call() -> Call:
    return Call(
        call_id="c1",
        state="ended",
        caller_number="+14155550100",
        dialed_number="5000",
        ivr_path=["menu:dtmf 3 -> billing"],
        ivr_choice="billing",
        queue_id="billing",
        agent_id="agent7",
        disposition="answered",
        recording_name="rec-c1",
        answered_at=100.0,
        hold_seconds=5.0,
        wrap_up_started_at=160.0,
        ended_at=170.0,
    )


def conversations(jobs: Jobs) -> TicketsCallConversations:
    factory: sessionmaker[Session] = BrokenFactory()  # type: ignore[assignment]
    return TicketsCallConversations(factory, "US", jobs)


def test_the_end_of_call_job_carries_the_call_with_talk_time_less_hold() -> None:
    payload = ended_payload(finished_call())
    assert payload["outcome"] == "answered" and payload["talk_s"] == 55.0
    assert (payload["ivr_choice"], payload["queue_id"], payload["agent_id"]) == (
        "billing",
        "billing",
        "agent7",
    )
    assert payload["recording_name"] == "rec-c1" and payload["ended_at"] == 170.0


def test_an_unanswered_call_has_no_talk_time_and_no_choice() -> None:
    payload = ended_payload(Call(call_id="c2", state="ended", disposition=None, ended_at=5.0))
    assert payload["talk_s"] is None and payload["ivr_choice"] is None and payload["outcome"] == "unknown"


def test_the_hang_up_queues_the_end_of_call_job_by_name() -> None:
    jobs = Jobs()

    async def hang_up() -> None:
        service = conversations(jobs)
        await service.call_ended(finished_call())
        await service.drain()

    asyncio.run(hang_up())
    assert jobs.sent == [(CALL_ENDED_TASK, [ended_payload(finished_call())])]


def test_a_database_or_broker_that_is_away_never_fails_the_call() -> None:
    async def call_goes_on() -> object:
        service = conversations(Jobs(fail=True))
        caller = await service.call_entered(finished_call())
        service.ivr_left("c1", ["menu:dtmf 3 -> billing"], "billing", "billing")
        await service.call_answered(finished_call().model_copy(update={"state": "connected"}))
        await service.call_ended(finished_call())
        await service.drain()
        return caller

    assert asyncio.run(call_goes_on()) is None
