"""Ticket life cycle on real PostgreSQL: multi-group tasks, template flows, notes and mentions."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.events import Subscription, channel_name
from config.models import Role
from desk.desk_helpers import chat_replies, chat_thread, make_user
from tickets.conversations.services import list_messages
from tickets.desk import flows, groups, services
from tickets.desk.events import AgentNotified
from tickets.desk.exceptions import ConflictError, InvalidInputError
from tickets.desk.models import Ticket, TicketTask
from tickets.desk.outbox import DeskRuntime
from tickets.desk.schemas import (
    FieldDefinitionCreate,
    FlowStart,
    GroupCreate,
    NoteCreate,
    TaskCreate,
    TaskUpdate,
    TemplateCreate,
    TemplateStep,
    TicketCreate,
    TicketFilters,
    TicketUpdate,
)
from tickets.desk.services import Actor
from tickets.desk.sources import CallTicketRequest, create_ticket_from_call

pytestmark = pytest.mark.integration


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}"


def test_refund_and_quality_report_by_two_groups_solve_the_ticket_only_when_both_are_done(
    session: Session, runtime: DeskRuntime
) -> None:
    after_sales = groups.create_group(session, GroupCreate(name=unique("after-sales")))
    qa = groups.create_group(session, GroupCreate(name=unique("qa")))
    agent = Actor("alice")
    ticket = services.create_ticket(
        session, runtime, TicketCreate(subject="Broken kettle, wants refund"), agent
    )
    assert ticket.status == "new"
    refund = flows.add_task(
        session, runtime, ticket.id, TaskCreate(group_id=after_sales.id, title="Refund"), agent
    )
    report = flows.add_task(
        session, runtime, ticket.id, TaskCreate(group_id=qa.id, title="Quality report"), agent
    )

    with pytest.raises(ConflictError, match="unfinished tasks"):
        services.update_ticket(session, runtime, ticket.id, TicketUpdate(status="solved"), agent)

    flows.update_task(session, runtime, ticket.id, refund.id, TaskUpdate(status="done"), agent)
    session.refresh(ticket)
    assert ticket.status == "new"  # QA still works on it
    flows.update_task(session, runtime, ticket.id, report.id, TaskUpdate(status="in_progress"), agent)
    flows.update_task(session, runtime, ticket.id, report.id, TaskUpdate(status="done"), agent)
    session.refresh(ticket)
    assert ticket.status == "solved" and ticket.solved_at is not None

    actions = [h.action for h in services.list_history(session, ticket.id)]
    assert actions[0] == "created" and actions.count("task_added") == 2
    assert actions[-1] == "status_changed"

    # Reopening a task reopens the ticket; closing needs it solved first.
    flows.update_task(session, runtime, ticket.id, report.id, TaskUpdate(status="open"), agent)
    session.refresh(ticket)
    assert ticket.status == "open"
    with pytest.raises(ConflictError, match="cannot become closed"):
        services.update_ticket(session, runtime, ticket.id, TicketUpdate(status="closed"), agent)


def test_education_flow_hands_the_ticket_from_sales_to_academic_affairs_step_by_step(
    session: Session, runtime: DeskRuntime
) -> None:
    sales = groups.create_group(session, GroupCreate(name=unique("sales")))
    academic = groups.create_group(session, GroupCreate(name=unique("academic")))
    template = flows.create_template(
        session,
        TemplateCreate(
            name=unique("enrolment"),
            business_area="education",
            steps=[
                TemplateStep(title="Consult", group_id=sales.id),
                TemplateStep(title="Enrol", group_id=sales.id),
                TemplateStep(title="Schedule classes", group_id=academic.id),
            ],
        ),
    )
    ticket = flows.start_flow(
        session, runtime, template.id, FlowStart(subject="Piano lessons for Mia"), Actor("bob")
    )
    tasks = flows.list_tasks(session, ticket.id)
    assert [(t.title, t.status) for t in tasks] == [
        ("Consult", "open"),
        ("Enrol", "waiting"),
        ("Schedule classes", "waiting"),
    ]
    assert ticket.group_id == sales.id and ticket.source == "template"

    for task in tasks:
        flows.update_task(session, runtime, ticket.id, task.id, TaskUpdate(status="done"), Actor("bob"))
        session.refresh(ticket)
        if task.title == "Enrol":
            assert ticket.group_id == academic.id  # handed over to academic affairs
            assert ticket.status != "solved"
    assert ticket.status == "solved"
    handovers = [h for h in services.list_history(session, ticket.id) if h.action == "handed_over"]
    assert [h.details["to_group_id"] for h in handovers] == [sales.id, academic.id]


def test_custom_fields_follow_the_business_areas_definitions(session: Session, runtime: DeskRuntime) -> None:
    area = f"edu{uuid.uuid4().hex[:6]}"
    groups.create_field_definition(
        session,
        FieldDefinitionCreate(
            business_area=area,
            key="campus",
            label="Campus",
            field_type="choice",
            required=True,
            choices=["north", "south"],
        ),
    )
    groups.create_field_definition(
        session, FieldDefinitionCreate(business_area=area, key="age", label="Age", field_type="number")
    )
    with pytest.raises(InvalidInputError) as error:
        services.create_ticket(
            session,
            runtime,
            TicketCreate(subject="x", business_area=area, custom_fields={"age": "ten", "color": "red"}),
            Actor("a"),
        )
    message = str(error.value)
    assert (
        "color: not a field" in message
        and "age: must be a number" in message
        and "campus: is required" in message
    )
    assert session.scalar(select(Ticket).where(Ticket.business_area == area)) is None  # nothing stored
    ticket = services.create_ticket(
        session,
        runtime,
        TicketCreate(subject="x", business_area=area, custom_fields={"campus": "north", "age": 9}),
        Actor("a"),
    )
    assert ticket.custom_fields == {"campus": "north", "age": 9}


async def test_an_at_mention_in_an_internal_note_reaches_the_mentioned_agent_live(
    desk_factory: sessionmaker[Session], runtime: DeskRuntime, redis_url: str
) -> None:
    colleague = make_user(desk_factory, Role.AGENT, "carol")
    with desk_factory() as session:
        ticket = services.create_ticket(session, runtime, TicketCreate(subject="Odd invoice"), Actor("alice"))
        async with Subscription(redis_url, [channel_name("agent", colleague.id)]) as subscription:
            note = await asyncio.to_thread(
                services.add_note,
                session,
                runtime,
                ticket.id,
                NoteCreate(body=f"@{colleague.username} can you check the VAT line?"),
                Actor("alice"),
            )
            event = await subscription.get(wait_seconds=5)
        assert note.mentions == [colleague.id] and note.internal
        assert isinstance(event, AgentNotified) and event.reason == "mention" and event.ticket_id == ticket.id
        assert services.list_notes(session, ticket.id, include_internal=False) == []


def test_a_public_reply_goes_to_the_customer_counts_as_first_response_and_opens_a_new_ticket(
    desk_factory: sessionmaker[Session], runtime: DeskRuntime
) -> None:
    agent = make_user(desk_factory)
    with desk_factory() as session:
        chat = chat_thread(session)
        ticket = services.create_ticket(
            session,
            runtime,
            TicketCreate(subject="Where is my parcel", conversation_id=chat.id, customer_id=chat.customer_id),
            Actor("x"),
        )
        services.add_note(
            session,
            runtime,
            ticket.id,
            NoteCreate(body="On its way", internal=False),
            Actor(agent.username, agent.id),
            replies=chat_replies(),
        )
        session.refresh(ticket)
        assert ticket.status == "open" and ticket.first_response_at is not None
        [sent] = list_messages(session, chat.id)
        assert (sent.direction, sent.body, sent.author_id) == ("outbound", "On its way", agent.id)
        replied = [h for h in services.list_history(session, ticket.id) if h.action == "replied"]
        assert replied[0].details["message_id"] == sent.id


def test_a_public_reply_on_a_ticket_with_no_text_conversation_is_refused_and_counts_for_nothing(
    desk_factory: sessionmaker[Session], runtime: DeskRuntime
) -> None:
    agent = make_user(desk_factory)
    with desk_factory() as session:
        ticket = services.create_ticket(session, runtime, TicketCreate(subject="Phoned in"), Actor("x"))
        with pytest.raises(ConflictError, match="no e-mail, chat, SMS or messaging conversation"):
            services.add_note(
                session,
                runtime,
                ticket.id,
                NoteCreate(body="We called you back", internal=False),
                Actor(agent.username, agent.id),
                replies=chat_replies(),
            )
        session.refresh(ticket)
        assert ticket.first_response_at is None and services.list_notes(session, ticket.id) == []


def test_an_internal_note_never_reaches_the_customer_nor_counts_as_a_response(
    desk_factory: sessionmaker[Session], runtime: DeskRuntime
) -> None:
    agent = make_user(desk_factory)
    with desk_factory() as session:
        chat = chat_thread(session)
        ticket = services.create_ticket(
            session, runtime, TicketCreate(subject="Refund", conversation_id=chat.id), Actor("x")
        )
        services.add_note(
            session,
            runtime,
            ticket.id,
            NoteCreate(body="Customer sounds upset, check the VAT"),
            Actor(agent.username, agent.id),
            replies=chat_replies(),
        )
        session.refresh(ticket)
        assert ticket.first_response_at is None and ticket.status == "new"
        assert list_messages(session, chat.id) == []


def test_a_call_opens_a_ticket_with_its_ivr_path_reason_summary_and_transcript_link(
    session: Session, runtime: DeskRuntime
) -> None:
    call_id = uuid.uuid4().hex
    ticket = create_ticket_from_call(
        session,
        runtime,
        CallTicketRequest(
            call_id=call_id,
            reason="Billing dispute",
            summary="Charged twice in November",
            ivr_path=["main", "billing", "agent"],
            transcript_url=f"/calls/{call_id}/transcript",
        ),
    )
    assert ticket.source == "call" and ticket.channel == "voice" and ticket.call_id == call_id
    assert ticket.call_context["ivr_path"] == ["main", "billing", "agent"]
    assert ticket.subject == "Call: Billing dispute" and "twice" in ticket.description
    page, _ = services.list_tickets(session, TicketFilters(q="billing twice"))
    assert ticket.id in [t.id for t in page]


def test_unknown_users_and_groups_are_refused_and_nothing_is_stored(
    session: Session, runtime: DeskRuntime
) -> None:
    subject = unique("ghost")
    for data in (
        TicketCreate(subject=subject, assignee_id=987654),
        TicketCreate(subject=subject, group_id=987654),
    ):
        with pytest.raises(InvalidInputError):
            services.create_ticket(session, runtime, data, Actor("a"))
    assert session.scalar(select(Ticket).where(Ticket.subject == subject)) is None
    assert session.scalar(select(TicketTask).where(TicketTask.title == subject)) is None
