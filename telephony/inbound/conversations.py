"""Each call is a conversation in ``tickets``: opened when the call enters (the caller found or
created by caller ID), told the IVR path and the answering agent, and handed the finished call.

Database work runs in worker threads and never holds up the event loop; the finished call goes to a
Celery job (``voxdesk.tickets.call_ended``: link the record and recording, run the ticket rules).
A failure here is logged and never touches the call itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from config.db import session_scope
from telephony.calls.model import Call
from telephony.ivr import CustomerRecord
from tickets.conversations.models import Conversation
from tickets.conversations.voice import record_call_answered, record_call_conversation, record_ivr_path
from tickets.customers.models import Customer, CustomerSegment

log = logging.getLogger(__name__)

CALL_ENDED_TASK = "voxdesk.tickets.call_ended"


class TaskSender(Protocol):
    """The part of a Celery app used here (a fake in tests)."""

    def send_task(self, name: str, args: list[Any] | None = None) -> Any: ...


class CallConversations(Protocol):
    async def call_entered(self, call: Call) -> CustomerRecord | None:
        """Open the call's conversation; the caller as a customer record (None if it failed)."""
        ...

    def ivr_left(self, call_id: str, path: list[str], choice: str | None, queue: str | None) -> None:
        """Record the IVR path and choice (in the background)."""
        ...

    async def call_answered(self, call: Call) -> None: ...

    async def call_ended(self, call: Call) -> None: ...


def ended_payload(call: Call) -> dict[str, Any]:
    """The finished call as the ``call_ended`` job reads it (JSON)."""
    ended = call.ended_at or call.state_changed_at
    talk = None
    if call.answered_at:
        talk = max(0.0, (call.wrap_up_started_at or ended) - call.answered_at - call.hold_seconds)
    return {
        "call_id": call.call_id,
        "caller_number": call.caller_number[:64],
        "dialed_number": call.dialed_number[:64],
        "outcome": (call.disposition or "unknown")[:32],
        "ivr_path": list(call.ivr_path),
        "ivr_choice": call.ivr_choice or None,
        "queue_id": call.queue_id,
        "agent_id": call.agent_id,
        "language": call.language,
        "recording_name": call.recording_name,
        "answered_at": call.answered_at,
        "ended_at": ended,
        "talk_s": round(talk, 3) if talk is not None else None,
    }


def customer_record(customer: Customer) -> CustomerRecord:
    return CustomerRecord(
        customer_id=str(customer.id),
        name=customer.display_name or None,
        segment=customer.segment,
        vip=customer.segment == CustomerSegment.VIP.value,
    )


class TicketsCallConversations:
    """:class:`CallConversations` on the tickets database and the Celery broker."""

    def __init__(self, factory: sessionmaker[Session], region: str, jobs: TaskSender) -> None:
        self._factory = factory
        self._region = region
        self._jobs = jobs
        self._tasks: set[asyncio.Task[None]] = set()

    def _in_background(self, what: str, work: Callable[[], object]) -> None:
        async def run() -> None:
            try:
                await asyncio.to_thread(work)
            except Exception as exc:  # the call goes on; the end-of-call job fills gaps
                log.warning("call conversation: %s failed: %s", what, exc)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def call_entered(self, call: Call) -> CustomerRecord | None:
        def open_it() -> CustomerRecord:
            with session_scope(self._factory) as session:
                conversation: Conversation = record_call_conversation(
                    session, call.call_id, call.caller_number, self._region, dialed_number=call.dialed_number
                )
                customer = session.get(Customer, conversation.customer_id)
                assert customer is not None
                return customer_record(customer)

        try:
            return await asyncio.to_thread(open_it)
        except Exception as exc:
            log.warning(
                "call %s: no conversation opened yet (%s); the end of the call opens it", call.call_id, exc
            )
            return None

    def ivr_left(self, call_id: str, path: list[str], choice: str | None, queue: str | None) -> None:
        def save() -> None:
            with session_scope(self._factory) as session:
                record_ivr_path(session, call_id, path, choice, queue)

        self._in_background(f"IVR path of {call_id}", save)

    async def call_answered(self, call: Call) -> None:
        if call.state != "connected" or not call.agent_id:
            return
        agent_id, queue = call.agent_id, call.queue_id

        def save() -> None:
            with session_scope(self._factory) as session:
                record_call_answered(session, call.call_id, agent_id, queue)

        self._in_background(f"agent of {call.call_id}", save)

    async def call_ended(self, call: Call) -> None:
        payload = ended_payload(call)
        self._in_background(
            f"end of {call.call_id}", lambda: self._jobs.send_task(CALL_ENDED_TASK, args=[payload])
        )

    async def drain(self) -> None:
        """Wait for the background writes (tests, and a controller shutting down)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
