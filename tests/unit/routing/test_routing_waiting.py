"""Waiting calls: overflow, callback offers (virtual hold), announcements, and who an agent takes next."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from routing import (
    Agent,
    AgentState,
    Announce,
    OfferCallback,
    Overflow,
    Queue,
    Wait,
    WaitingCall,
    announcement_text,
    estimate_wait,
    next_call_for_agent,
    next_queue_action,
    positions,
)

SALES = Queue(
    "sales",
    overflow_after_s=90,
    overflow_queue="general",
    max_wait_s=300,
    first_announcement_s=30,
    announce_every_s=60,
    average_handle_s=120,
)
CALL = WaitingCall("c1", "sales", 0, entered_queue_at=1000, first_queued_at=1000)


def action_at(call: WaitingCall, now: float, queue: Queue = SALES, position: int = 3) -> object:
    return next_queue_action(call, queue, now, position=position, staffed_agents=2)


def test_a_new_caller_waits_until_the_first_announcement() -> None:
    assert action_at(CALL, 1010) == Wait(1030)


def test_the_first_announcement_gives_position_and_estimated_wait() -> None:
    announce = action_at(CALL, 1030)
    assert announce == Announce(
        3, 240, "You are number 3 in the queue. Your expected wait is about 4 minutes."
    )


def test_announcements_repeat_at_the_queue_interval() -> None:
    announced = replace(CALL, last_announced_at=1030)
    assert action_at(announced, 1050) == Wait(1090)
    assert isinstance(action_at(announced, 1090, queue=replace(SALES, overflow_after_s=None)), Announce)


def test_a_call_overflows_after_n_seconds_in_the_queue() -> None:
    assert action_at(replace(CALL, last_announced_at=1080), 1090) == Overflow("general")


def test_a_call_does_not_overflow_back_to_a_queue_it_came_from() -> None:
    returned = replace(CALL, overflowed_from=("general",), last_announced_at=1089)
    assert action_at(returned, 1090) == Wait(1149)


def test_after_the_maximum_wait_a_callback_is_offered_once() -> None:
    moved = replace(CALL, queue="general", entered_queue_at=1090, last_announced_at=1299)
    general = Queue("general", max_wait_s=300, announce_every_s=60, average_handle_s=120)
    assert action_at(moved, 1300, queue=general) == OfferCallback(3, 240)
    declined = replace(moved, callback_offered=True)
    assert action_at(declined, 1300, queue=general) == Wait(1359)


def test_a_caller_who_accepted_a_callback_keeps_their_place_without_prompts() -> None:
    virtual = replace(CALL, callback_offered=True, callback_number="+4412345")
    assert action_at(virtual, 5000) == Wait(None)
    on_line = WaitingCall("c2", "sales", 0, entered_queue_at=1100, first_queued_at=1100)
    assert positions([on_line, virtual]) == {"c1": 1, "c2": 2}


def test_priority_callers_go_first_then_who_waited_longest() -> None:
    calls = [
        WaitingCall("old", "q", 0, 10, 10),
        WaitingCall("vip", "q", 10, 50, 50),
        WaitingCall("new", "q", 0, 40, 40),
    ]
    assert positions(calls) == {"vip": 1, "old": 2, "new": 3}


def test_estimates_and_the_words_used() -> None:
    assert estimate_wait(5, 2, 60) == 180
    assert estimate_wait(1, 0, 60) == 60
    assert announcement_text(1, 20) == "You are next in line. Your expected wait is less than a minute."
    assert announcement_text(2, 60) == "You are number 2 in the queue. Your expected wait is about 1 minute."


def test_a_free_agent_takes_the_best_call_from_the_queues_they_can_serve() -> None:
    queues = {
        "sales": Queue("sales", required_skills=MappingProxyType({"sales": 1})),
        "billing": Queue("billing", required_skills=MappingProxyType({"billing": 2})),
    }
    waiting = {
        "sales": [WaitingCall("s1", "sales", 0, 100, 100), WaitingCall("s2", "sales", 5, 200, 200)],
        "billing": [WaitingCall("b1", "billing", 9, 50, 50)],
    }
    seller = Agent("a", MappingProxyType({"sales": 1, "billing": 1}), AgentState.AVAILABLE)
    assert next_call_for_agent(seller, waiting, queues).call_id == "s2"
    expert = Agent("b", MappingProxyType({"billing": 3}), AgentState.AVAILABLE)
    assert next_call_for_agent(expert, waiting, queues).call_id == "b1"
    spanish_call = {"sales": [WaitingCall("s3", "sales", 0, 1, 1, skills=(("spanish", 1),))]}
    assert next_call_for_agent(seller, spanish_call, queues) is None
