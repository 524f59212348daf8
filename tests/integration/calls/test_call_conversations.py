"""A real call through the sandbox Asterisk becomes a conversation, and the hang-up job makes the
rule's ticket (the controller wired as ``build_controller`` wires it; the Celery client recorded)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from calls_helpers import softphone, wait_until

from config.db import make_engine, make_session_factory, session_scope
from telephony.inbound.conversations import CALL_ENDED_TASK
from telephony.inbound.post_call_qa import SCORE_CALL_TASK
from telephony.sipua.client import place_call
from telephony.sipua.plan import CallPlan, DtmfStep
from tickets.conversations.call_tasks import finish_call
from tickets.conversations.models import Message
from tickets.conversations.voice import find_call_link
from tickets.customers.models import Customer
from tickets.desk import groups
from tickets.desk.outbox import DeskRuntime
from tickets.desk.schemas import GroupCreate
from tickets.rules import TicketRuleBook

pytestmark = pytest.mark.integration


@dataclass
class SentJobs:
    sent: list[tuple[str, list[Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send_task(self, name: str, args: list[Any] | None = None) -> None:
        with self.lock:
            self.sent.append((name, list(args or [])))


def test_a_caller_pressing_3_for_billing_gets_a_conversation_and_the_billing_rule_opens_its_ticket(
    call_center_asterisk: Any, make_controller: Any, voices: dict[str, Path], tmp_path: Path
) -> None:
    jobs = SentJobs()
    running = make_controller(jobs=jobs).start()
    running.login("cc-agent2", skills={"billing": 3})
    with softphone(call_center_asterisk, "cc-agent2", tmp_path, voices["agent"]):
        result = place_call(
            CallPlan(
                "1000",
                call_center_asterisk.sip_server,
                dtmf=(DtmfStep("3", 0.5),),
                wav=voices["caller"],
                play_at=3.0,
                hangup_after=7.0,
            )
        )
    assert result.answered
    call = running.call_in_state("ended")
    wait_until(lambda: len(jobs.sent) >= 2, 10, "the controller queued no end-of-call and scorecard jobs")
    [[payload]] = [args for name, args in jobs.sent if name == CALL_ENDED_TASK]
    assert payload["call_id"] == call.call_id
    # The call an agent answered is scored: call control hands over what the transcript cannot say.
    [[facts]] = [args for name, args in jobs.sent if name == SCORE_CALL_TASK]
    assert (facts["call_id"], facts["agent_id"], facts["queue_id"]) == (call.call_id, "cc-agent2", "billing")
    assert facts["offered_at"] < facts["answered_at"] < facts["ended_at"] and facts["hold_s"] == 0
    assert (payload["ivr_choice"], payload["queue_id"], payload["agent_id"]) == (
        "billing",
        "billing",
        "cc-agent2",
    )

    factory = make_session_factory(make_engine(running.db_url))
    with session_scope(factory) as session:
        link = find_call_link(session, call.call_id)
        assert link is not None  # opened when the call entered, before the IVR finished
        assert link.ivr_path == ["menu:dtmf 3 -> billing", "billing:routetoqueue billing"]
        assert (link.ivr_choice, link.agent_id, link.caller_number) == (
            "billing",
            "cc-agent2",
            call.caller_number,
        )
        customer = session.get(Customer, int(call.customer_id or 0))
        # The test caller's ID is no phone number: the call gets a customer of its own, to merge later.
        assert customer is not None and customer.display_name == f"Caller {call.caller_number}"
        team = groups.create_group(session, GroupCreate(name="Billing"))
        book = TicketRuleBook(tmp_path / "ticket_rules.yaml")
        book.replace(
            "rules:\n  - {name: billing-calls, when: {channel: voice, ivr_choice: billing},"
            " then: {group: Billing, category: Refund}}\n"
        )
        ticket = finish_call(session, DeskRuntime(), payload, "US", book)  # what the worker's job runs
        assert ticket is not None and ticket.group_id == team.id and ticket.tags == ["Refund"]
        assert ticket.conversation_id == link.conversation_id and ticket.call_id == call.call_id
        lines = [
            m.body for m in session.query(Message).filter(Message.conversation_id == link.conversation_id)
        ]
        assert (
            lines[0]
            == "IVR: menu:dtmf 3 -> billing > billing:routetoqueue billing; choice billing; queue billing"
        )
        assert lines[1].startswith("Call ended: answered; agent cc-agent2; talk ")
