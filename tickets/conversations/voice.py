"""Calls as conversations: telephony opens one per call, transcript segments are appended, and the
call's end links its record, recording and outcome.

Entry points for other packages (they pass a session; no import of web/, asr or ARI here). The
call id is the key everywhere: ``conversations.external_ref``, ``conversation_calls.call_id``,
``call_records.call_id`` and ``transcript_segments.call_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.events import Notifier
from config.models import SipCredential
from tickets.conversations.call_links import CallLink
from tickets.conversations.exceptions import ConversationNotFoundError
from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction, Message
from tickets.conversations.services import add_message, find_by_external_ref, open_conversation
from tickets.customers.exceptions import InvalidIdentityError
from tickets.customers.models import Customer, IdentityKind
from tickets.customers.services import find_or_create_customer

CUSTOMER_SPEAKERS = {"caller", "customer"}
CALLER_LEG = "caller"


def record_call_conversation(
    session: Session,
    call_id: str,
    caller_number: str,
    default_region: str,
    subject: str = "",
    *,
    dialed_number: str = "",
) -> Conversation:
    """The conversation for ``call_id``, recognising the caller by their number (idempotent).

    Withheld or internal numbers ("anonymous", "1001") cannot identify anyone, so such a call gets
    a customer of its own that an agent can merge later.
    """
    existing = find_by_external_ref(session, Channel.VOICE, call_id)
    if existing is not None:
        return existing
    try:
        customer = find_or_create_customer(session, IdentityKind.PHONE, caller_number, default_region)
    except InvalidIdentityError:
        customer = Customer(display_name=f"Caller {caller_number[:40] or 'unknown'}")
        session.add(customer)
        session.commit()
    conversation = open_conversation(
        session, customer.id, Channel.VOICE, external_ref=call_id, subject=subject or "Call"
    )
    _ensure_link(session, conversation, call_id, caller_number[:64], dialed_number[:64])
    return conversation


def _ensure_link(
    session: Session, conversation: Conversation, call_id: str, caller: str = "", dialed: str = ""
) -> CallLink:
    link = find_call_link(session, call_id)
    if link is not None:
        return link
    link = CallLink(
        conversation_id=conversation.id, call_id=call_id, caller_number=caller, dialed_number=dialed
    )
    try:
        with session.begin_nested():
            session.add(link)
    except IntegrityError:  # another worker linked it a moment ago
        found = find_call_link(session, call_id)
        assert found is not None
        return found
    session.commit()
    return link


def find_call_link(session: Session, call_id: str) -> CallLink | None:
    return session.scalar(select(CallLink).where(CallLink.call_id == call_id))


def call_link_of(session: Session, conversation_id: int) -> CallLink | None:
    return session.scalar(select(CallLink).where(CallLink.conversation_id == conversation_id))


def _conversation_and_link(session: Session, call_id: str) -> tuple[Conversation, CallLink]:
    conversation = find_by_external_ref(session, Channel.VOICE, call_id)
    if conversation is None:
        raise ConversationNotFoundError(f"no conversation for call {call_id}; record the call first")
    return conversation, _ensure_link(session, conversation, call_id)


def _system_line(session: Session, conversation: Conversation, body: str, meta: dict[str, object]) -> None:
    add_message(session, conversation, Direction.INTERNAL, AuthorKind.SYSTEM, body, meta=meta)


def record_ivr_path(
    session: Session,
    call_id: str,
    path: list[str],
    choice: str | None,
    queue: str | None,
    language: str | None = None,
) -> CallLink:
    """The caller left the IVR: keep the path and choice on the call, and say so in the thread."""
    conversation, link = _conversation_and_link(session, call_id)
    if link.ivr_path == path and link.ivr_choice == choice and link.queue_id == queue:
        return link  # the same exit told twice (a retried job, a hang-up after the exit)
    link.ivr_path, link.ivr_choice = list(path)[:200], choice
    link.queue_id, link.language = queue or link.queue_id, language or link.language
    steps = " > ".join(path) or "no menu"
    where = f"; choice {choice}" if choice else ""
    where += f"; queue {queue}" if queue else ""
    _system_line(
        session,
        conversation,
        f"IVR: {steps}{where}",
        {"kind": "ivr_path", "ivr_path": list(path), "ivr_choice": choice, "queue": queue},
    )
    return link


def record_call_answered(session: Session, call_id: str, agent_id: str, queue: str | None) -> CallLink:
    """An agent took the call (their SIP user name): the call's conversation is theirs from now on
    (object-level access: they read it, its transcript and its tickets, and set its disposition)."""
    conversation, link = _conversation_and_link(session, call_id)
    link.agent_id, link.queue_id = agent_id[:64], queue or link.queue_id
    link.answered_at = link.answered_at or datetime.now(UTC)
    _assign_to_agent(session, conversation, link.agent_id)
    session.commit()
    return link


def _assign_to_agent(session: Session, conversation: Conversation, agent_id: str | None) -> None:
    """Give the conversation to the user whose SIP account answered (a transfer hands it on)."""
    if not agent_id:
        return
    user_id = session.scalar(select(SipCredential.user_id).where(SipCredential.username == agent_id))
    if user_id is not None:
        conversation.assigned_agent_id = user_id


def add_transcript_message(
    session: Session,
    call_id: str,
    speaker: str,
    text: str,
    *,
    offset_ms: int | None = None,
    duration_ms: int | None = None,
    agent_id: int | None = None,
    external_id: str | None = None,
    notifier: Notifier | None = None,
) -> Message:
    """Append one final transcript segment of a call; ``speaker`` is "caller" or the agent."""
    conversation = find_by_external_ref(session, Channel.VOICE, call_id)
    if conversation is None:
        raise ConversationNotFoundError(f"no conversation for call {call_id}; record the call first")
    from_customer = speaker in CUSTOMER_SPEAKERS
    return add_message(
        session,
        conversation,
        Direction.INBOUND if from_customer else Direction.OUTBOUND,
        AuthorKind.CUSTOMER if from_customer else AuthorKind.AGENT,
        text,
        author_id=None if from_customer else agent_id,
        author_name="" if from_customer else speaker,
        external_id=external_id,
        speaker=speaker,
        offset_ms=offset_ms,
        duration_ms=duration_ms,
        notifier=notifier,
    )


@dataclass(frozen=True)
class TranscriptLine:
    """One stored final segment as the transcript store hands it on (already redacted)."""

    call_id: str
    leg: str
    text: str
    start_ms: int
    end_ms: int
    speaker: str | None = None

    @property
    def external_id(self) -> str:
        return f"transcript:{self.call_id}:{self.leg}:{self.start_ms}"[:255]


def append_transcript_line(
    session: Session, line: TranscriptLine, notifier: Notifier | None = None
) -> Message | None:
    """Append a segment once (a redelivered job finds it already there); blank text adds nothing."""
    if not line.text.strip():
        return None
    existing = session.scalar(select(Message).where(Message.external_id == line.external_id).limit(1))
    if existing is not None:
        return existing
    speaker = CALLER_LEG if line.leg == CALLER_LEG else (line.speaker or line.leg)
    return add_transcript_message(
        session,
        line.call_id,
        speaker,
        line.text,
        offset_ms=line.start_ms,
        duration_ms=max(0, line.end_ms - line.start_ms),
        external_id=line.external_id,
        notifier=notifier,
    )


@dataclass(frozen=True)
class CallEnded:
    """What telephony knows when a call is over (``outcome`` is its end state: answered, voicemail...)."""

    call_id: str
    caller_number: str = ""
    dialed_number: str = ""
    outcome: str = "unknown"
    ivr_path: list[str] = field(default_factory=list)
    ivr_choice: str | None = None
    queue_id: str | None = None
    agent_id: str | None = None
    language: str | None = None
    recording_name: str | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    talk_s: float | None = None


def link_call_end(session: Session, ended: CallEnded, default_region: str) -> CallLink:
    """Link the finished call (its record, recording and outcome) to its conversation.

    A call whose conversation could not be opened when it entered (database away) gets one now.
    """
    conversation = record_call_conversation(
        session, ended.call_id, ended.caller_number, default_region, dialed_number=ended.dialed_number
    )
    link = _ensure_link(session, conversation, ended.call_id)
    if ended.ivr_path and not link.ivr_path:
        record_ivr_path(session, ended.call_id, ended.ivr_path, ended.ivr_choice, ended.queue_id)
    link.ivr_choice = link.ivr_choice or ended.ivr_choice or None
    link.queue_id = ended.queue_id or link.queue_id
    if ended.agent_id and ended.agent_id != link.agent_id:
        _assign_to_agent(session, conversation, ended.agent_id)
    link.agent_id = ended.agent_id or link.agent_id
    link.language = ended.language or link.language
    link.recording_name = ended.recording_name or link.recording_name
    link.answered_at = ended.answered_at or link.answered_at
    link.talk_s = ended.talk_s
    first_time = link.ended_at is None
    link.outcome, link.ended_at = ended.outcome, ended.ended_at or datetime.now(UTC)
    session.commit()
    if first_time:
        parts = [f"Call ended: {ended.outcome}"]
        if link.agent_id:
            parts.append(f"agent {link.agent_id}")
        if ended.talk_s:
            parts.append(f"talk {round(ended.talk_s)} s")
        if link.recording_name:
            parts.append(f"recording {link.recording_name}")
        _system_line(
            session,
            conversation,
            "; ".join(parts),
            {"kind": "call_ended", "call_id": ended.call_id, "recording_name": link.recording_name},
        )
    return link
