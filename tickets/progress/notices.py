"""Tell customers on their channel when their ticket moves: a task done, a step done, solved.

The desk queues the move with the commit that made it (:func:`tickets.desk.outbox.queue_move`);
:class:`ProgressNotices` sends the Celery job ``voxdesk.tickets.notify_progress`` and the job calls
:func:`send_progress_notice`, so no ticket update waits on a relay or a gateway. The message goes
out on the ticket's own conversation when it is a text one (chat, e-mail, SMS, WeChat), else by SMS
or e-mail as surveys do, in the customer's language, with a fresh progress link. A row per move
(:class:`~tickets.progress.models.ProgressNotice`) is claimed before sending, so a job that runs
twice tells the customer once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from celery import Celery
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tickets.channels.base import ChannelAdapter, OutboundMessage
from tickets.channels.email import EmailAdapter
from tickets.channels.exceptions import DeliveryError
from tickets.channels.sms import SmsAdapter
from tickets.conversations.language import customer_language
from tickets.conversations.models import AuthorKind, Channel, Conversation, Message
from tickets.csat.offers import choose_via, send_to_customer
from tickets.desk.models import Ticket, TicketHistory, TicketTask
from tickets.desk.outbox import TicketMove
from tickets.desk.replies import TEXT_CHANNELS
from tickets.progress.links import TOKEN_KEPT_OUT, issue_progress_token, progress_link
from tickets.progress.models import ProgressNotice

log = logging.getLogger(__name__)
NOTIFY_PROGRESS_TASK = "voxdesk.tickets.notify_progress"
SENDER_NAME = "Voxdesk"

SUBJECT = {"en": "Update on your request #{id}", "zh": "您的工单 #{id} 有新进展"}
TEXT = {
    "en": "Update on your request #{id} ({subject}): {what}. Follow its progress here: {link}",
    "zh": "您的工单 #{id}（{subject}）有新进展：{what}。查看进度：{link}",
}
WHAT = {
    "en": {
        "task_done": "“{task}” is done",
        "step_done": "a stage is complete and the next one has started",
        "solved": "it is solved",
    },
    "zh": {"task_done": "“{task}”已完成", "step_done": "一个阶段已完成，下一阶段已开始", "solved": "已解决"},
}


class ProgressNotices:
    """The desk's :class:`~tickets.desk.outbox.ProgressNotifier`: the job by name on ``app``'s broker."""

    def __init__(self, app: Celery) -> None:
        self._app = app

    def notify(self, move: TicketMove) -> None:
        try:
            self._app.send_task(NOTIFY_PROGRESS_TASK, args=[move.ticket_id, move.kind, move.history_id])
        except Exception as exc:  # the broker is down: the ticket moved all the same
            log.warning("progress notice for ticket %s not queued: %s", move.ticket_id, exc)


def notice_text(ticket: Ticket, kind: str, language: str, link: str, task_title: str = "") -> str:
    what = WHAT[language][kind].format(task=task_title)
    return TEXT[language].format(id=ticket.id, subject=ticket.subject[:80], what=what, link=link)


def _task_title(session: Session, history_id: int) -> str:
    entry = session.get(TicketHistory, history_id)
    task_id = (entry.details or {}).get("task_id") if entry is not None else None
    task = session.get(TicketTask, task_id) if isinstance(task_id, int) else None
    return task.title if task is not None else ""


def _claim(session: Session, ticket_id: int, key: str, language: str) -> ProgressNotice | None:
    """This move's row, new; None when a run before (or beside) this one has it."""
    claim = ProgressNotice(ticket_id=ticket_id, move_key=key, language=language)
    session.add(claim)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return claim


def _text_conversation(session: Session, ticket: Ticket) -> Conversation | None:
    conversation = session.get(Conversation, ticket.conversation_id) if ticket.conversation_id else None
    return conversation if conversation is not None and conversation.channel in TEXT_CHANNELS else None


def send_progress_notice(
    session: Session,
    move: TicketMove,
    *,
    secret: str,
    base_url: str,
    adapters: Mapping[Channel, ChannelAdapter],
) -> Message | None:
    """Tell the ticket's customer of ``move``; None when already told, or no customer to tell.

    Raises the channel's error when delivery failed (the claim is released so a retry sends it)."""
    ticket = session.get(Ticket, move.ticket_id)
    key = f"{move.kind}:{move.history_id}"
    sent = session.scalar(
        select(ProgressNotice).where(
            ProgressNotice.ticket_id == move.ticket_id, ProgressNotice.move_key == key
        )
    )
    if sent is not None:
        return session.get(Message, sent.message_id) if sent.message_id else None
    if ticket is None or ticket.customer_id is None:
        return None
    language = customer_language(
        session,
        ticket.conversation_id,
        call_id=ticket.call_id,
        fallback_text=f"{ticket.subject} {ticket.description}",
    )
    claim = _claim(session, ticket.id, key, language)
    if claim is None:
        return None
    task = _task_title(session, move.history_id) if move.kind == "task_done" else ""
    link = progress_link(base_url, language, issue_progress_token(secret, ticket.id))
    text = notice_text(ticket, move.kind, language, link, task)
    kept = notice_text(ticket, move.kind, language, progress_link(base_url, language, TOKEN_KEPT_OUT), task)
    try:
        message = _deliver(session, ticket, language, text, kept, adapters)
    except DeliveryError:  # kept in the thread as not sent; the job's retry sends it again
        session.delete(claim)
        session.commit()
        raise
    claim.message_id = message.id
    session.commit()
    return message


def _deliver(
    session: Session,
    ticket: Ticket,
    language: str,
    text: str,
    kept: str,
    adapters: Mapping[Channel, ChannelAdapter],
) -> Message:
    """On the ticket's own text conversation, else by SMS or e-mail (as surveys reach customers)."""
    conversation = _text_conversation(session, ticket)
    if conversation is not None:
        adapter = adapters[Channel(conversation.channel)]
        outbound = OutboundMessage(
            conversation.id, text, agent_name=SENDER_NAME, author_kind=AuthorKind.SYSTEM, record_body=kept
        )
        return adapter.send(session, conversation, outbound)
    assert ticket.customer_id is not None
    email, sms = adapters[Channel.EMAIL], adapters[Channel.SMS]
    assert isinstance(email, EmailAdapter) and isinstance(sms, SmsAdapter)
    via = choose_via(session, ticket.customer_id, prefer="sms")
    subject = SUBJECT[language].format(id=ticket.id)
    return send_to_customer(session, ticket.customer_id, via, subject, text, kept, email=email, sms=sms)
