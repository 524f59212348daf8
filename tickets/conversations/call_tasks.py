"""Celery jobs that build a call's conversation off the live path.

- :data:`CALL_TRANSCRIPT`: one stored (redacted) final segment; the transcript store's job queues it
  after saving the segment, naming it by string (asr never imports tickets).
- :data:`CALL_ENDED`: the controller queues it when a call is over: link the record, recording and
  outcome, then run the ticket rules.

Both are idempotent, so a job redelivered after a worker crash changes nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from celery import Task
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from config.jobs import celery_app
from config.settings import load_settings
from tickets.conversations.call_tickets import apply_call_rules, refresh_call_tickets
from tickets.conversations.exceptions import ConversationNotFoundError
from tickets.conversations.voice import CallEnded, TranscriptLine, append_transcript_line, link_call_end
from tickets.desk.models import Ticket
from tickets.desk.outbox import DeskRuntime
from tickets.rules import TicketRuleBook, rule_book
from tickets.sla.tasks import worker_state

log = logging.getLogger(__name__)

CALL_TRANSCRIPT = "voxdesk.tickets.call_transcript"
CALL_ENDED = "voxdesk.tickets.call_ended"
NO_CONVERSATION_RETRIES = 15  # a segment can come before the controller opened the conversation


class SegmentPayload(BaseModel):
    """The fields of a stored transcript segment this job uses (the store's JSON, seconds)."""

    call_id: str = Field(min_length=1, max_length=64)
    leg: str = Field(min_length=1, max_length=32)
    speaker: str | None = Field(default=None, max_length=128)
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    text: str = Field(max_length=20_000)

    def line(self) -> TranscriptLine:
        start_ms = round(self.start * 1000)
        return TranscriptLine(
            self.call_id, self.leg, self.text, start_ms, max(start_ms, round(self.end * 1000)), self.speaker
        )


class CallEndedPayload(BaseModel):
    call_id: str = Field(min_length=1, max_length=64)
    caller_number: str = Field(default="", max_length=64)
    dialed_number: str = Field(default="", max_length=64)
    outcome: str = Field(default="unknown", max_length=32)
    ivr_path: list[str] = Field(default_factory=list, max_length=500)
    ivr_choice: str | None = Field(default=None, max_length=64)
    queue_id: str | None = Field(default=None, max_length=64)
    agent_id: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=16)
    recording_name: str | None = Field(default=None, max_length=128)
    answered_at: float | None = None
    ended_at: float | None = None
    talk_s: float | None = None

    def ended(self) -> CallEnded:
        def at(stamp: float | None) -> datetime | None:
            return datetime.fromtimestamp(stamp, UTC) if stamp else None

        return CallEnded(
            call_id=self.call_id,
            caller_number=self.caller_number,
            dialed_number=self.dialed_number,
            outcome=self.outcome,
            ivr_path=self.ivr_path,
            ivr_choice=self.ivr_choice or None,
            queue_id=self.queue_id,
            agent_id=self.agent_id,
            language=self.language,
            recording_name=self.recording_name,
            answered_at=at(self.answered_at),
            ended_at=at(self.ended_at),
            talk_s=self.talk_s,
        )


def append_segment(session: Session, payload: dict[str, Any]) -> int | None:
    """Append a stored segment to its call's conversation; the message id (None for blank text).

    Raises ConversationNotFoundError while the call's conversation is not open yet.
    """
    message = append_transcript_line(session, SegmentPayload.model_validate(payload).line())
    return message.id if message is not None else None


def finish_call(
    session: Session, runtime: DeskRuntime, payload: dict[str, Any], region: str, book: TicketRuleBook
) -> Ticket | None:
    """Link the finished call to its conversation, run the hang-up rules, and show the final call on
    its tickets; returns the ticket the rules opened or updated."""
    ended = CallEndedPayload.model_validate(payload).ended()
    link = link_call_end(session, ended, region)
    ticket = apply_call_rules(session, runtime, ended.call_id, book, disposition=False)
    refresh_call_tickets(session, link)
    return ticket


@celery_app.task(name=CALL_TRANSCRIPT, bind=True, max_retries=NO_CONVERSATION_RETRIES)
def call_transcript_job(self: Task, payload: dict[str, Any]) -> int | None:
    factory, _ = worker_state()
    with factory() as session:
        try:
            return append_segment(session, payload)
        except ConversationNotFoundError as exc:
            raise self.retry(exc=exc, countdown=2) from exc


@celery_app.task(name=CALL_ENDED, autoretry_for=(OSError,), retry_backoff=True, max_retries=10)
def call_ended_job(payload: dict[str, Any]) -> int | None:
    settings = load_settings()
    factory, runtime = worker_state()
    with factory() as session:
        ticket = finish_call(
            session, runtime, payload, settings.customers.default_region, rule_book(settings.data_dir)
        )
        if ticket is not None:
            log.info("call %s: ticket %s by the ticket rules", payload.get("call_id"), ticket.id)
        return ticket.id if ticket is not None else None
