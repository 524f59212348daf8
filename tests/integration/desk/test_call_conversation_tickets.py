"""A call becomes a conversation and, by the admins' ticket rules, a ticket: on real PostgreSQL,
through the functions the controller and the Celery jobs call (and once through a real worker)."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.db import session_scope
from config.jobs import create_celery
from config.models import Role, SipCredential
from config.sessions import open_session_for
from desk.celery_worker import Worker, wait_for
from desk.desk_helpers import Api, make_user, redis_db_url
from telephony.calls.model import Call
from telephony.inbound.conversations import CALL_ENDED_TASK, TicketsCallConversations
from tickets.conversations.call_tasks import append_segment, finish_call
from tickets.conversations.call_tickets import set_call_disposition
from tickets.conversations.exceptions import ConversationNotFoundError
from tickets.conversations.models import Message
from tickets.conversations.voice import find_call_link
from tickets.customers.view import customer_view
from tickets.desk import groups
from tickets.desk.models import Ticket
from tickets.desk.outbox import DeskRuntime
from tickets.desk.schemas import GroupCreate
from tickets.rules import TicketRuleBook

pytestmark = pytest.mark.integration
CALLS_REDIS_DB = 14  # not the desk tests' 12: a worker there without these jobs would drop them


@pytest.fixture
def calls_broker() -> Iterator[str]:
    url = redis_db_url(CALLS_REDIS_DB)
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


@dataclass
class SentJobs:
    """The controller's Celery client, recording what it queues."""

    sent: list[tuple[str, list[Any]]] = field(default_factory=list)

    def send_task(self, name: str, args: list[Any] | None = None) -> None:
        self.sent.append((name, list(args or [])))


def phone() -> str:
    return f"+1415{random.randint(2000000, 9999999)}"


def rules_for(group: str) -> str:
    return f"""
rules:
  - name: billing-calls
    when: {{channel: voice, ivr_choice: billing}}
    then: {{group: "{group}", category: Refund}}
  - name: follow-up
    when: {{channel: voice, disposition: follow_up}}
    then: {{category: Follow-up, priority: high}}
"""


def segment(call_id: str, leg: str, start: float, text: str, speaker: str | None = None) -> dict[str, Any]:
    """A segment as the transcript store's job receives it (TranscriptSegmentCreate as JSON)."""
    return {
        "call_id": call_id,
        "leg": leg,
        "speaker": speaker,
        "start": start,
        "end": start + 1.5,
        "text": text,
        "confidence": 0.9,
        "words": [],
        "engine": "vosk",
    }


def inbound_call(number: str) -> Call:
    return Call(call_id=uuid.uuid4().hex[:16], caller_number=number, dialed_number="5000")


def test_a_billing_call_becomes_a_conversation_and_a_ticket_that_a_follow_up_disposition_updates(
    desk_factory: sessionmaker[Session], session: Session, runtime: DeskRuntime, tmp_path: Path
) -> None:
    billing = groups.create_group(session, GroupCreate(name=f"Billing-{uuid.uuid4().hex[:6]}"))
    book = TicketRuleBook(tmp_path / "ticket_rules.yaml")
    book.replace(rules_for(billing.name))
    jobs = SentJobs()
    conversations = TicketsCallConversations(desk_factory, "US", jobs)
    call = inbound_call(phone())

    async def enter_and_talk() -> str | None:
        caller = await conversations.call_entered(call)  # the controller's StasisStart path
        conversations.ivr_left(call.call_id, ["main_menu:2", "billing:queued"], "billing", "billing")
        await conversations.drain()
        call.state, call.agent_id, call.queue_id = "connected", "agent7001", "billing"
        await conversations.call_answered(call)
        await conversations.drain()
        return caller.customer_id if caller else None

    # A segment that arrives before the conversation is open waits (the job retries).
    with pytest.raises(ConversationNotFoundError):
        append_segment(session, segment(call.call_id, "caller", 0.5, "too early"))
    customer_id = asyncio.run(enter_and_talk())
    assert customer_id is not None
    link = find_call_link(session, call.call_id)
    assert link is not None and link.ivr_choice == "billing" and link.agent_id == "agent7001"

    first = append_segment(session, segment(call.call_id, "caller", 2.0, "I was charged twice"))
    again = append_segment(session, segment(call.call_id, "caller", 2.0, "I was charged twice"))
    assert first is not None and first == again  # a redelivered job adds nothing
    append_segment(session, segment(call.call_id, "agent", 4.0, "I will refund one", speaker="agent7001"))

    # Hang-up: the controller queues the end-of-call job; the worker links the call and runs rules.
    call.ivr_choice, call.disposition, call.recording_name = "billing", "answered", f"call-{call.call_id}"
    call.answered_at, call.ended_at = time.time() - 60, time.time()
    asyncio.run(conversations.call_ended(call))
    asyncio.run(conversations.drain())
    assert [name for name, _ in jobs.sent] == [CALL_ENDED_TASK]
    ticket = finish_call(session, runtime, jobs.sent[0][1][0], "US", book)
    assert ticket is not None
    assert ticket.group_id == billing.id and ticket.tags == ["Refund"] and ticket.priority == "normal"
    assert ticket.call_id == call.call_id and ticket.customer_id == int(customer_id)
    assert ticket.conversation_id == link.conversation_id
    assert ticket.call_context["recording_name"] == f"call-{call.call_id}"
    assert ticket.call_context["transcript_url"] == f"/api/conversations/{link.conversation_id}/messages"
    assert ticket.call_context["outcome"] == "answered"

    # The job redelivered: still one ticket.
    finish_call(session, runtime, jobs.sent[0][1][0], "US", book)
    assert session.scalars(select(Ticket.id).where(Ticket.call_id == call.call_id)).all() == [ticket.id]

    # Wrap-up: the agent's follow-up disposition fires the disposition rule on the same ticket.
    _, updated = set_call_disposition(session, runtime, call.call_id, "follow_up", None, book)
    assert updated is not None and updated.id == ticket.id
    session.refresh(ticket)
    assert ticket.priority == "high" and ticket.tags == ["Refund", "Follow-up"]
    assert ticket.call_context["disposition"] == "follow_up"

    view = customer_view(session, int(customer_id))
    [shown] = [c for c in view.calls if c.external_ref == call.call_id]
    assert [(line.speaker, line.body) for line in shown.transcript] == [
        ("caller", "I was charged twice"),
        ("agent7001", "I will refund one"),
    ]
    assert shown.call is not None and shown.call.recording_name == f"call-{call.call_id}"
    assert shown.call.ivr_path == ["main_menu:2", "billing:queued"] and shown.ticket_ids == [ticket.id]
    assert any(t["id"] == ticket.id for t in view.tickets)
    system_lines = session.scalars(
        select(Message.body).where(
            Message.conversation_id == link.conversation_id, Message.author_kind == "system"
        )
    ).all()
    assert system_lines[0].startswith("IVR: main_menu:2 > billing:queued; choice billing")
    assert any(line.startswith("Call ended: answered; agent agent7001") for line in system_lines)


def test_a_sales_call_opens_no_ticket_until_a_follow_up_disposition_and_the_caller_is_found_again(
    desk_factory: sessionmaker[Session], session: Session, runtime: DeskRuntime, tmp_path: Path
) -> None:
    book = TicketRuleBook(tmp_path / "ticket_rules.yaml")
    book.replace(rules_for("unused"))
    conversations = TicketsCallConversations(desk_factory, "US", SentJobs())
    number = phone()
    first, second = inbound_call(number), inbound_call(number)

    async def enter() -> tuple[str | None, str | None]:
        a, b = await conversations.call_entered(first), await conversations.call_entered(second)
        return (a.customer_id if a else None), (b.customer_id if b else None)

    one, two = asyncio.run(enter())
    assert one is not None and one == two  # the second call from the number is the same customer

    ended = {"call_id": first.call_id, "caller_number": number, "outcome": "answered", "ivr_choice": "sales",
             "queue_id": "sales", "agent_id": "agent7002", "ended_at": time.time()}  # fmt: skip
    assert finish_call(session, runtime, ended, "US", book) is None
    _, ticket = set_call_disposition(session, runtime, first.call_id, "follow_up", None, book)
    assert ticket is not None and ticket.priority == "high" and ticket.tags == ["Follow-up"]
    assert ticket.group_id is None and ticket.call_id == first.call_id


def test_rules_api_refuses_bad_rules_with_each_problem_and_only_the_answering_agent_sets_a_disposition(
    api: Api, desk_factory: sessionmaker[Session], session: Session
) -> None:
    admin, supervisor = api.token(Role.ADMIN), api.token(Role.SUPERVISOR)
    assert api.client.get("/api/ticket-rules", headers=supervisor).json()["saved"] is False
    bad = api.client.put(
        "/api/ticket-rules",
        headers=admin,
        json={"yaml": "rules:\n  - {name: x, when: {channel: fax}, then: {group: Nobody}}\n"},
    )
    assert bad.status_code == 422
    assert any(p.startswith("rules[0].when.channel") for p in bad.json()["detail"]["problems"])
    unknown = api.client.put("/api/ticket-rules", headers=admin, json={"yaml": rules_for("No such group")})
    assert unknown.status_code == 422
    assert unknown.json()["detail"]["problems"] == [
        "rules[0].then.group: no desk group is named 'No such group'"
    ]
    assert api.client.put("/api/ticket-rules", headers=supervisor, json={"yaml": ""}).status_code == 403
    team = groups.create_group(session, GroupCreate(name=f"Billing-{uuid.uuid4().hex[:6]}"))
    saved = api.client.put("/api/ticket-rules", headers=admin, json={"yaml": rules_for(team.name)})
    assert saved.status_code == 200 and saved.json()["rules"]["rules"][0]["then"]["group"] == team.name
    assert api.client.get("/api/ticket-rules", headers=supervisor).json()["saved"] is True

    call = inbound_call(phone())
    asyncio.run(TicketsCallConversations(desk_factory, "US", SentJobs()).call_entered(call))
    agent = make_user(desk_factory, Role.AGENT, "agent")
    other = make_user(desk_factory, Role.AGENT, "other")
    with session_scope(desk_factory) as db:
        for user in (agent, other):
            db.add(SipCredential(user_id=user.id, username=f"sip{user.id}", ha1="0" * 32))

    def token(user: Any) -> dict[str, str]:
        signed = open_session_for(desk_factory, user.id)
        return {"Authorization": f"Bearer {signed}"}

    url = f"/api/calls/{call.call_id}/disposition"
    unanswered = api.client.put(url, headers=token(agent), json={"disposition": "follow_up"})
    assert unanswered.status_code == 404  # not their call: answered as if there were none
    with session_scope(desk_factory) as db:
        link = find_call_link(db, call.call_id)
        assert link is not None
        link.agent_id = f"sip{agent.id}"
    assert api.client.put(url, headers=token(other), json={"disposition": "follow_up"}).status_code == 404
    assert api.client.put(url, headers=token(agent), json={"disposition": "Follow up!"}).status_code == 422
    done = api.client.put(url, headers=token(agent), json={"disposition": "follow_up"})
    assert done.status_code == 200 and done.json()["ticket_id"] is not None
    shown = api.client.get(f"/api/calls/{call.call_id}/conversation", headers=token(agent)).json()
    assert shown["call"]["disposition"] == "follow_up" and shown["ticket_ids"] == [done.json()["ticket_id"]]
    assert api.client.get("/api/calls/nope/conversation", headers=token(agent)).status_code == 404


def test_a_real_worker_appends_stored_segments_and_opens_the_ticket_at_hang_up(
    desk_pg_url: str,
    desk_factory: sessionmaker[Session],
    session: Session,
    calls_broker: str,
    tmp_path: Path,
) -> None:
    broker = calls_broker
    team = groups.create_group(session, GroupCreate(name=f"Billing-{uuid.uuid4().hex[:6]}"))
    (tmp_path / "ticket_rules.yaml").write_text(rules_for(team.name))  # the worker's data dir
    jobs = create_celery(broker)
    conversations = TicketsCallConversations(desk_factory, "US", jobs)
    call = inbound_call(phone())
    worker = Worker("calls", desk_pg_url, broker, tmp_path)
    try:
        asyncio.run(conversations.call_entered(call))
        # The media worker's sink queues the store job; the store job queues the conversation job.
        jobs.send_task(
            "voxdesk.asr.store_segment", args=[segment(call.call_id, "caller", 1.0, "refund please")]
        )
        call.state, call.ivr_choice, call.queue_id, call.disposition = (
            "ended",
            "billing",
            "billing",
            "answered",
        )
        call.agent_id, call.recording_name, call.ended_at = "agent7003", "rec-1", time.time()
        worker.wait_ready()

        def transcript() -> list[str]:
            session.expire_all()
            link = find_call_link(session, call.call_id)
            assert link is not None
            return list(
                session.scalars(
                    select(Message.body).where(
                        Message.conversation_id == link.conversation_id, Message.speaker.is_not(None)
                    )
                )
            )

        wait_for(lambda: transcript() == ["refund please"], 30, f"segment never appended: {worker.log}")
        asyncio.run(conversations.call_ended(call))
        asyncio.run(conversations.drain())

        def ticket() -> Ticket | None:
            session.expire_all()
            return session.scalar(select(Ticket).where(Ticket.call_id == call.call_id))

        wait_for(lambda: ticket() is not None, 30, f"no ticket from the worker: {worker.log}")
        made = ticket()
        assert (
            made is not None and made.group_id == team.id and made.call_context["recording_name"] == "rec-1"
        )
    finally:
        worker.stop()


def test_a_rules_file_broken_by_hand_is_shown_with_its_problems_and_a_put_repairs_it(
    api: Api, tmp_path: Path
) -> None:
    (tmp_path / "ticket_rules.yaml").write_text("rules:\n  - {name: s, then: {priority: soon}}\n")
    admin = api.token(Role.ADMIN)
    shown = api.client.get("/api/ticket-rules", headers=admin).json()
    assert shown["rules"] == {"rules": []} and shown["problems"][0].startswith("rules[0].then.priority")
    fixed = api.client.put("/api/ticket-rules", headers=admin, json={"yaml": "rules: []\n"})
    assert fixed.status_code == 200
    assert api.client.get("/api/ticket-rules", headers=admin).json()["problems"] == []


def test_the_hang_up_job_and_the_disposition_at_the_same_moment_still_make_one_ticket(
    desk_factory: sessionmaker[Session], runtime: DeskRuntime, tmp_path: Path
) -> None:
    book = TicketRuleBook(tmp_path / "ticket_rules.yaml")
    with desk_factory() as session:
        team = groups.create_group(session, GroupCreate(name=f"Billing-{uuid.uuid4().hex[:6]}"))
        book.replace(rules_for(team.name))
    conversations = TicketsCallConversations(desk_factory, "US", SentJobs())
    for _ in range(5):
        call = inbound_call(phone())
        asyncio.run(conversations.call_entered(call))
        with session_scope(desk_factory) as db:
            link = find_call_link(db, call.call_id)
            assert link is not None
            link.agent_id, link.ivr_choice = "agent7004", "billing"
        ended = {"call_id": call.call_id, "outcome": "answered", "ivr_choice": "billing"}
        start = threading.Barrier(2)

        def hang_up(payload: dict[str, Any] = ended, start: threading.Barrier = start) -> None:
            with desk_factory() as db:
                start.wait()
                finish_call(db, runtime, payload, "US", book)

        def wrap_up(call_id: str = call.call_id, start: threading.Barrier = start) -> None:
            with desk_factory() as db:
                start.wait()
                set_call_disposition(db, runtime, call_id, "follow_up", None, book)

        threads = [threading.Thread(target=hang_up), threading.Thread(target=wrap_up)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        with desk_factory() as db:
            made = db.scalars(select(Ticket).where(Ticket.call_id == call.call_id)).all()
            assert len(made) == 1
            assert set(made[0].tags) == {"Refund", "Follow-up"} and made[0].priority == "high"
