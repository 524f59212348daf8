"""One row per call, contact, ticket and survey, with what analytics needs of it: the row-level
definitions every figure is summed from (rollups) and every drill-down lists.

Contact reason: the category of the contact's ticket (its first tag, which ticket rules set from
their ``category``, else its business area); for a call without a ticket, its IVR choice, else its
first queue. A contact is a call offered (any outcome) or a text conversation (e-mail, chat, SMS,
WeChat). Repeat contacts: handled contacts of one customer about one reason less than
:data:`REPEAT_WINDOW_S` apart form one issue, on any channel; an issue is resolved at first contact
when it had one contact and its ticket was never reopened.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    String,
    and_,
    case,
    cast,
    column,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select
from sqlalchemy.sql.expression import ColumnElement

from qa.alerts.models import QaAlert
from qa.scorecards.models import Scorecard
from telephony.records.models import CallRecord
from telephony.wallboard import DEFAULT_SERVICE_LEVEL_S
from tickets.conversations.call_links import CallLink
from tickets.conversations.models import AuthorKind, Conversation, Direction, Message
from tickets.csat.models import CsatSurvey
from tickets.desk.models import TaskStatus, Ticket, TicketHistory, TicketStatus, TicketTask
from web.analytics.sql import day_of, hour_of, json_items, seconds_between

SERVICE_LEVEL_S = DEFAULT_SERVICE_LEVEL_S  # the wallboard's threshold, so both pages agree
REPEAT_WINDOW_S = 7 * 86400
UNSPECIFIED = "unspecified"
SATISFIED_SCORE = 4  # CSAT: 4 or 5 out of 5 is a satisfied customer
_WEEK = timedelta(seconds=REPEAT_WINDOW_S)
# What the IVR's FAQ step writes in a call's path (telephony.ivr.session): asked, answered by the bot,
# and the caller's "yes, that answered it".
FAQ_ASKED, FAQ_ANSWERED, FAQ_CONFIRMED = "asked: ", "bot answered kb:", "answer confirmed ("

Range = tuple[datetime, datetime] | None
Rows = Select[*tuple[Any, ...]]
"""A SELECT of any columns (the row-level facts and the rollups built on them)."""


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def ticket_reason(ticket: Any = Ticket) -> ColumnElement[str]:
    return func.coalesce(func.nullif(ticket.tags[0].as_string(), ""), ticket.business_area)


def reopened(ticket: Any = Ticket) -> ColumnElement[bool]:
    """A solved ticket that went back to new, open or pending (ticket history keeps every move)."""
    return (
        exists()
        .where(
            TicketHistory.ticket_id == ticket.id,
            TicketHistory.action == "status_changed",
            TicketHistory.details["from"].as_string() == TicketStatus.SOLVED.value,
            TicketHistory.details["to"].as_string() != TicketStatus.CLOSED.value,
        )
        .correlate_except(TicketHistory)
    )


def _first_ticket(match: Callable[[Any], ColumnElement[bool]]) -> Any:
    """The id of the oldest ticket ``match`` picks (a contact's ticket)."""
    t = aliased(Ticket)
    return select(t.id).where(match(t)).order_by(t.id).limit(1).correlate_except(t).scalar_subquery()


def _with_ticket(rows: Any) -> tuple[Any, Any]:
    """``rows`` (a subquery with ``ticket_id``) left-joined to that ticket."""
    t = aliased(Ticket)
    return rows.outerjoin(t, t.id == rows.c.ticket_id), t


def call_facts(when: Range = None) -> Rows:
    """Every call record: buckets, reason and the 0/1 flags and seconds the call figures sum."""
    inner = select(CallRecord, _first_ticket(lambda t: t.call_id == CallRecord.call_id).label("ticket_id"))
    if when is not None:
        inner = inner.where(CallRecord.offered_at >= when[0], CallRecord.offered_at < when[1])
    r = inner.subquery("records")
    joined, t = _with_ticket(r)
    queue = func.coalesce(r.c.first_queue_id, r.c.queue_id)
    answered = r.c.answered_at.is_not(None)
    in_ivr = r.c.disposition == "abandoned_in_ivr"
    queued = and_(r.c.queue_id.is_not(None), ~in_ivr)
    abandoned = and_(queued, ~answered, r.c.abandoned_at.is_not(None))
    wait = r.c.queue_wait_s
    path = cast(r.c.ivr_path, String)  # the IVR path's steps are "node:outcome" (telephony.ivr.session)
    faq_confirmed = path.like(f"%:{FAQ_CONFIRMED}%")
    return select(
        r.c.call_id.label("call_id"),
        r.c.offered_at.label("at"),
        day_of(r.c.offered_at).label("day"),
        hour_of(r.c.offered_at).label("hour"),
        func.coalesce(queue, literal(UNSPECIFIED)).label("queue_id"),
        r.c.agent_id.label("agent_id"),
        r.c.customer_id.label("customer_id"),
        r.c.disposition.label("disposition"),
        func.coalesce(ticket_reason(t), func.nullif(r.c.ivr_choice, ""), queue, literal(UNSPECIFIED)).label(
            "reason"
        ),
        r.c.ticket_id.label("ticket_id"),
        _flag(reopened(t)).label("reopened"),
        _flag(queued).label("queued"),
        _flag(answered).label("answered"),
        _flag(and_(queued, answered)).label("answered_queued"),
        _flag(abandoned).label("abandoned"),
        _flag(in_ivr).label("abandoned_ivr"),
        _flag(and_(queued, answered, wait <= SERVICE_LEVEL_S)).label("in_time"),
        _flag(and_(abandoned, wait > SERVICE_LEVEL_S)).label("late_abandoned"),
        case((and_(queued, answered), wait), else_=0.0).label("wait_s"),
        case((answered, r.c.talk_s + r.c.hold_s + r.c.wrap_up_s), else_=0.0).label("handle_s"),
        _flag(r.c.callback_requested).label("callback"),
        _flag(and_(r.c.callback_requested, answered)).label("callback_answered"),
        _flag(
            or_(
                r.c.disposition == "transferred",
                and_(r.c.first_queue_id.is_not(None), r.c.first_queue_id != r.c.queue_id),
            )
        ).label("transferred"),
        _flag(path.like(f"%:{FAQ_ASKED}%")).label("faq_asked"),
        _flag(path.like(f"%:{FAQ_ANSWERED}%")).label("faq_answered"),
        _flag(faq_confirmed).label("faq_confirmed"),
        _flag(and_(faq_confirmed, ~answered)).label("faq_deflected"),
    ).select_from(joined)


def ticket_facts(when: Range = None) -> Rows:
    """Every ticket: channel, reason, whether it is resolved (solved or closed now), reopened, and the
    seconds to its first response."""
    resolved = or_(Ticket.status.in_((TicketStatus.SOLVED.value, TicketStatus.CLOSED.value)))
    query = select(
        Ticket.id.label("ticket_id"),
        Ticket.created_at.label("at"),
        day_of(Ticket.created_at).label("day"),
        Ticket.channel.label("channel"),
        ticket_reason().label("reason"),
        Ticket.status.label("status"),
        Ticket.subject.label("subject"),
        _flag(resolved).label("resolved"),
        _flag(reopened()).label("reopened"),
        _flag(Ticket.first_response_at.is_not(None)).label("responded"),
        func.coalesce(seconds_between(Ticket.first_response_at, Ticket.created_at), 0.0).label("response_s"),
    )
    if when is not None:
        query = query.where(Ticket.created_at >= when[0], Ticket.created_at < when[1])
    return query


def _voice_contacts(when: Range) -> Rows:
    calls = call_facts(when).subquery("calls")
    customer = func.coalesce(calls.c.customer_id, literal("call:") + calls.c.call_id)
    return select(
        literal("call").label("kind"),
        calls.c.call_id.label("ref"),
        calls.c.at,
        literal("voice").label("channel"),
        cast(customer, String).label("customer_key"),
        calls.c.reason,
        calls.c.answered.label("handled"),
        calls.c.reopened,
        calls.c.faq_answered.label("bot"),
        calls.c.faq_deflected.label("deflected"),
    )


def _text_contacts(when: Range) -> Rows:
    inner = select(
        Conversation, _first_ticket(lambda t: t.conversation_id == Conversation.id).label("ticket_id")
    ).where(Conversation.channel != "voice")
    if when is not None:
        inner = inner.where(Conversation.created_at >= when[0], Conversation.created_at < when[1])
    c = inner.subquery("texts")
    joined, t = _with_ticket(c)
    # The FAQ bot answered (qa.faqbot via tickets.assist.bot); deflected when no agent ever replied.
    bot = exists().where(Message.conversation_id == c.c.id, Message.author_kind == AuthorKind.BOT.value)
    agent_replied = exists().where(
        Message.conversation_id == c.c.id,
        Message.author_kind == AuthorKind.AGENT.value,
        Message.direction == Direction.OUTBOUND.value,
    )
    return select(
        literal("conversation").label("kind"),
        cast(c.c.id, String).label("ref"),
        c.c.created_at.label("at"),
        c.c.channel.label("channel"),
        cast(c.c.customer_id, String).label("customer_key"),
        func.coalesce(ticket_reason(t), literal(UNSPECIFIED)).label("reason"),
        literal(1).label("handled"),
        _flag(reopened(t)).label("reopened"),
        _flag(bot).label("bot"),
        _flag(and_(bot, ~agent_replied)).label("deflected"),
    ).select_from(joined)


def contact_facts(when: Range = None) -> Rows:
    """Calls and text conversations as contacts, with the issue they start or repeat (see above).

    With ``when``, the repeat window still looks a week either side of it.
    """
    wide = None if when is None else (when[0] - _WEEK, when[1] + _WEEK)
    rows = union_all(_voice_contacts(wide), _text_contacts(wide)).subquery("contact_rows")
    partition = [rows.c.customer_key, rows.c.reason, rows.c.handled]
    order = [rows.c.at, rows.c.ref]
    ordered = select(
        *rows.c,
        func.lag(rows.c.at).over(partition_by=partition, order_by=order).label("previous_at"),
        func.lead(rows.c.at).over(partition_by=partition, order_by=order).label("next_at"),
    ).subquery("ordered")
    starts = and_(
        ordered.c.handled == 1,
        or_(
            ordered.c.previous_at.is_(None),
            seconds_between(ordered.c.at, ordered.c.previous_at) > REPEAT_WINDOW_S,
        ),
    )
    alone = or_(
        ordered.c.next_at.is_(None), seconds_between(ordered.c.next_at, ordered.c.at) > REPEAT_WINDOW_S
    )
    query = select(
        ordered.c.kind, ordered.c.ref, ordered.c.at,
        day_of(ordered.c.at).label("day"), hour_of(ordered.c.at).label("hour"),
        ordered.c.channel, ordered.c.customer_key, ordered.c.reason, ordered.c.handled, ordered.c.bot,
        ordered.c.deflected,
        _flag(starts).label("issue"),
        _flag(and_(starts, alone, ordered.c.reopened == 0)).label("fcr"),
    )  # fmt: skip
    if when is not None:
        query = query.where(ordered.c.at >= when[0], ordered.c.at < when[1])
    return query


def survey_facts(when: Range = None) -> Rows:
    """Answered CSAT surveys with the channel and reason of the contact they rate: the survey's
    ticket, else the ticket of its call or conversation, else the call's IVR choice."""
    rated = (
        select(
            CsatSurvey,
            CallLink.call_id.label("link_call_id"),
            func.nullif(CallLink.ivr_choice, "").label("ivr_choice"),
            Conversation.channel.label("channel"),
        )
        .outerjoin(CallLink, CallLink.conversation_id == CsatSurvey.conversation_id)
        .outerjoin(Conversation, Conversation.id == CsatSurvey.conversation_id)
        .where(CsatSurvey.score.is_not(None), CsatSurvey.answered_at.is_not(None))
    )
    if when is not None:
        rated = rated.where(CsatSurvey.answered_at >= when[0], CsatSurvey.answered_at < when[1])
    r = rated.subquery("rated")
    ticket_id = func.coalesce(
        r.c.ticket_id,
        _first_ticket(lambda t: t.call_id == r.c.link_call_id),
        _first_ticket(lambda t: t.conversation_id == r.c.conversation_id),
    )
    s = select(r, ticket_id.label("contact_ticket_id")).subquery("surveys")
    t = aliased(Ticket)
    joined = s.outerjoin(t, t.id == s.c.contact_ticket_id)
    return select(
        s.c.id.label("survey_id"),
        s.c.answered_at.label("at"),
        day_of(s.c.answered_at).label("day"),
        func.coalesce(s.c.channel, literal(UNSPECIFIED)).label("channel"),
        s.c.agent_id.label("agent_user_id"),
        s.c.contact_ticket_id.label("ticket_id"),
        s.c.score.label("score"),
        func.coalesce(ticket_reason(t), s.c.ivr_choice, literal(UNSPECIFIED)).label("reason"),
        _flag(s.c.score >= SATISFIED_SCORE).label("satisfied"),
    ).select_from(joined)


def scorecard_facts(when: Range = None) -> Rows:
    """QA scorecards: the reviewed total when a QA manager overrode it, else the automatic one."""
    at = func.coalesce(Scorecard.call_at, Scorecard.created_at)
    query = select(
        Scorecard.call_id.label("call_id"),
        at.label("at"),
        day_of(at).label("day"),
        Scorecard.agent_id.label("agent_id"),
        func.coalesce(Scorecard.override_total, Scorecard.auto_total).label("total"),
    )
    if when is not None:
        query = query.where(at >= when[0], at < when[1])
    return query


def scorecard_item_facts(when: Range = None) -> Rows:
    """One row per item of each scorecard no QA manager has overridden an item of (those few are
    read one by one, with the review applied: :mod:`web.analytics.training`)."""
    at = func.coalesce(Scorecard.call_at, Scorecard.created_at)
    item = json_items(Scorecard.auto_items).table_valued(column("value", JSON)).alias("item")
    status = item.c.value["status"].as_string()
    query = (
        select(
            Scorecard.call_id.label("call_id"),
            at.label("at"),
            day_of(at).label("day"),
            Scorecard.agent_id.label("agent_id"),
            item.c.value["key"].as_string().label("item_key"),
            item.c.value["label"].as_string().label("label"),
            _flag(status != "n/a").label("applicable"),
            _flag(status == "passed").label("passed"),
        )
        .select_from(Scorecard)
        .join(item, true())
        .where(without_overrides())
    )
    if when is not None:
        query = query.where(at >= when[0], at < when[1])
    return query


def without_overrides() -> ColumnElement[bool]:
    """Scorecards whose item results stand as scored: never reviewed (only a review sets overrides,
    the cheap test first), or reviewed without overriding an item."""
    return or_(Scorecard.reviewed_at.is_(None), cast(Scorecard.overrides, String) == "{}")


def alert_facts(when: Range = None) -> Rows:
    """Compliance alerts raised on an agent's calls (forbidden statements, missing disclosures)."""
    query = select(
        QaAlert.id.label("alert_id"),
        QaAlert.call_id.label("call_id"),
        QaAlert.created_at.label("at"),
        day_of(QaAlert.created_at).label("day"),
        QaAlert.agent.label("agent_id"),
        QaAlert.rule_id.label("rule_id"),
        QaAlert.kind.label("kind"),
    ).where(QaAlert.agent.is_not(None))
    if when is not None:
        query = query.where(QaAlert.created_at >= when[0], QaAlert.created_at < when[1])
    return query


def reason_pair_facts() -> Rows:
    """Two reasons one customer contacted about within :data:`REPEAT_WINDOW_S` (handled contacts,
    any channels): one row per customer, pair of reasons (alphabetical) and day of the earlier."""
    rows = union_all(_voice_contacts(None), _text_contacts(None)).subquery("contact_rows")
    first, then = rows.alias("first"), rows.alias("then")
    gap = seconds_between(then.c.at, first.c.at)
    return (
        select(
            day_of(first.c.at).label("day"),
            first.c.customer_key,
            _least(first.c.reason, then.c.reason).label("reason_a"),
            _greatest(first.c.reason, then.c.reason).label("reason_b"),
        )
        .select_from(first)
        .join(then, and_(then.c.customer_key == first.c.customer_key, then.c.reason != first.c.reason))
        .where(first.c.handled == 1, then.c.handled == 1, gap >= 0, gap <= REPEAT_WINDOW_S)
        .distinct()
    )


def _least(a: Any, b: Any) -> ColumnElement[str]:
    return case((a < b, a), else_=b)


def _greatest(a: Any, b: Any) -> ColumnElement[str]:
    return case((a < b, b), else_=a)


def template_step_facts() -> Rows:
    """Per ticket opened from a template and step of it: reached (a task handed over) and
    completed (every task of the step done), on the day the ticket was created."""
    return (
        select(
            day_of(Ticket.created_at).label("day"),
            Ticket.template_id.label("template_id"),
            TicketTask.step.label("step"),
            func.min(TicketTask.title).label("title"),
            func.max(case((TicketTask.status != TaskStatus.WAITING.value, 1), else_=0)).label("reached"),
            func.min(case((TicketTask.status == TaskStatus.DONE.value, 1), else_=0)).label("completed"),
        )
        .join(TicketTask, TicketTask.ticket_id == Ticket.id)
        .where(Ticket.template_id.is_not(None))
        .group_by(Ticket.id, Ticket.created_at, Ticket.template_id, TicketTask.step)
    )


def template_ticket_facts() -> Rows:
    """Tickets opened from a template, and whether they are solved (or closed)."""
    solved = Ticket.status.in_((TicketStatus.SOLVED.value, TicketStatus.CLOSED.value))
    return select(
        day_of(Ticket.created_at).label("day"),
        Ticket.template_id.label("template_id"),
        _flag(solved).label("solved"),
    ).where(Ticket.template_id.is_not(None))
