"""Demo contact-center data (English and Chinese) for a first run, loaded through the features' services.

``voxdesk/demo_data.yaml`` holds the content. Every item is looked up by its natural key (a group's
name, a customer's phone, an order number, a call id, a ticket's subject) before it is created, so a
load interrupted half-way completes on the next start; once complete, an audit entry marks it and
later starts do nothing, so demo tickets an admin closed or deleted do not come back.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from asr.transcripts.repository import TranscriptRepository
from asr.transcripts.schemas import TranscriptSegmentCreate
from config.db import session_scope
from config.models import AuditEntry, User
from qa.language import detect_language
from telephony.agent_profiles.repository import agent_identity, save_profile
from telephony.calls.model import Call
from telephony.records.queries import get_record
from telephony.records.writer import write_record
from tickets.alerts.schemas import DeviceAlert
from tickets.alerts.services import open_alert_ticket
from tickets.connectors.csv_import import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, import_orders_csv
from tickets.conversations.models import Channel
from tickets.conversations.services import find_by_external_ref, list_messages
from tickets.conversations.voice import add_transcript_message, record_call_conversation
from tickets.customers.models import CustomerSegment, IdentityKind
from tickets.customers.services import add_identity, find_customer, find_or_create_customer
from tickets.desk.exceptions import InvalidInputError
from tickets.desk.groups import create_group, list_groups
from tickets.desk.membership import add_member, list_members
from tickets.desk.models import Ticket, TicketPriority, TicketSource
from tickets.desk.outbox import DeskRuntime
from tickets.desk.schemas import GroupCreate, TicketChannel, TicketCreate
from tickets.desk.services import Actor, create_ticket
from tickets.kb.models import ArticleStatus, KbArticle
from tickets.kb.schemas import ArticleCreate, CategoryCreate
from tickets.kb.services import create_article, create_category, list_categories
from tickets.sla.policies import create_calendar, create_policy, list_calendars, list_policies
from tickets.sla.schemas import CalendarCreate, PolicyCreate

DEMO_DATA = Path(__file__).with_name("demo_data.yaml")
LOADED_ACTION = "demo.contact_center_loaded"
DEMO_ACTOR = Actor("demo")
# Words per second of the made-up transcripts' timings (a calm speaking pace).
WORDS_PER_SECOND = 2.5


@dataclass
class DemoSummary:
    """What one load added (all zero when the demo data was already there)."""

    loaded: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    def added(self, kind: str, number: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + number


def read_demo_data(path: Path = DEMO_DATA) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InvalidInputError(f"{path} does not hold a mapping of demo data")
    return data


def already_loaded(session: Session) -> bool:
    marker = select(AuditEntry.id).where(AuditEntry.action == LOADED_ACTION).limit(1)
    return session.scalar(marker) is not None


def load_demo_contact_center(
    factory: sessionmaker[Session], region: str, *, now: datetime | None = None, path: Path = DEMO_DATA
) -> DemoSummary:
    """Load the demo contact center once; returns what was added."""
    data = read_demo_data(path)
    summary = DemoSummary()
    with session_scope(factory) as session:
        if already_loaded(session):
            return summary
    moment = now or datetime.now(UTC)
    runtime = DeskRuntime()  # no live sinks yet: the web console and workers start after this
    with factory() as session:
        users = {u.username: u.id for u in session.scalars(select(User))}
        _agent_profiles(session, data.get("agent_profiles", {}), users, summary)
        groups = _groups(session, data.get("groups", []), users, summary)
        calendars = _calendars(session, data.get("calendars", []), summary)
        _policies(session, data.get("sla_policies", []), calendars, summary)
        _customers(session, data.get("customers", []), region, summary)
        _orders(session, data.get("orders", []), region, moment, summary)
        _knowledge_base(session, runtime, data.get("kb", []), summary)
        session.commit()
    for call in data.get("calls", []):
        _past_call(factory, call, region, moment, summary)
    with factory() as session:
        _tickets(session, runtime, data.get("tickets", []), groups, users, region, summary)
        _device_alerts(session, runtime, data.get("device_alerts", []), region, summary)
        session.add(
            AuditEntry(actor=DEMO_ACTOR.name, action=LOADED_ACTION, target="demo", details=summary.counts)
        )
        session.commit()
    summary.loaded = True
    return summary


def _agent_profiles(
    session: Session, rows: dict[str, dict[str, Any]], users: dict[str, int], summary: DemoSummary
) -> None:
    """Demo agents' skills, so the skills queues (sales, billing...) can offer them calls."""
    for username, row in rows.items():
        user_id = users.get(username)
        identity = agent_identity(session, user_id) if user_id is not None else None
        if user_id is None or identity is None or identity.skills or identity.queues:
            continue  # no such agent, or their profile was already set
        save_profile(session, user_id, row.get("skills", {}), row.get("queues", []))
        summary.added("agent_profiles")


def _groups(
    session: Session, rows: list[dict[str, Any]], users: dict[str, int], summary: DemoSummary
) -> dict[str, int]:
    existing = {g.name: g.id for g in list_groups(session)}
    for row in rows:
        if row["name"] not in existing:
            data = GroupCreate(name=row["name"], description=row.get("description", ""),
                               lead_id=users.get(row.get("lead", "")))  # fmt: skip
            existing[row["name"]] = create_group(session, data).id
            summary.added("groups")
        group_id = existing[row["name"]]
        members = {m.user_id for m in list_members(session, group_id)}
        for username in row.get("members", []):
            if username in users and users[username] not in members:
                add_member(session, group_id, users[username], actor=DEMO_ACTOR.name)
                summary.added("group members")
    return existing


def _calendars(session: Session, rows: list[dict[str, Any]], summary: DemoSummary) -> dict[str, int]:
    existing = {c.name: c.id for c in list_calendars(session)}
    for row in rows:
        if row["name"] not in existing:
            existing[row["name"]] = create_calendar(session, CalendarCreate.model_validate(row)).id
            summary.added("calendars")
    return existing


def _policies(
    session: Session, rows: list[dict[str, Any]], calendars: dict[str, int], summary: DemoSummary
) -> None:
    existing = {p.name for p in list_policies(session)}
    for row in rows:
        if row["name"] in existing:
            continue
        values = dict(row)
        calendar = values.pop("calendar", None)
        values["calendar_id"] = calendars[calendar] if calendar else None
        create_policy(session, PolicyCreate.model_validate(values))
        summary.added("sla_policies")


def _customers(session: Session, rows: list[dict[str, Any]], region: str, summary: DemoSummary) -> None:
    for row in rows:
        known = find_customer(session, IdentityKind.PHONE, row["phone"], region)
        customer = known or find_or_create_customer(
            session, IdentityKind.PHONE, row["phone"], region, display_name=row["name"]
        )
        if known is None:
            summary.added("customers")
        if customer.segment != row.get("segment", CustomerSegment.STANDARD.value):
            customer.segment = CustomerSegment(row["segment"]).value
            session.commit()
        others = [(IdentityKind.EMAIL, row.get("email")), (IdentityKind.MESSAGING, row.get("messaging"))]
        others += [(IdentityKind.DEVICE_SERIAL, serial) for serial in row.get("devices", [])]
        for kind, value in others:
            if value:
                # Imported contact details count as verified (replies may go to these addresses).
                add_identity(session, customer.id, kind, value, region, verified_by="import")
                summary.added("devices" if kind is IdentityKind.DEVICE_SERIAL else "identities")


def _orders(
    session: Session, rows: list[dict[str, Any]], region: str, moment: datetime, summary: DemoSummary
) -> None:
    """Orders go in as a shop's CSV export would (the connector upserts by order number)."""
    columns = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        values = {key: row.get(key, "") for key in columns if key != "estimated_delivery"}
        eta = (moment + timedelta(days=row["eta_days"])).date() if "eta_days" in row else None
        writer.writerow(values | {"estimated_delivery": eta.isoformat() if eta else ""})
    report = import_orders_csv(session, text.getvalue(), region)
    if report.errors:
        raise InvalidInputError("demo orders refused: " + "; ".join(report.errors))
    summary.added("orders", report.imported)


def _knowledge_base(
    session: Session, runtime: DeskRuntime, sections: list[dict[str, Any]], summary: DemoSummary
) -> None:
    categories = {c.name: c.id for c in list_categories(session)}
    titles = set(session.scalars(select(KbArticle.title)))
    for section in sections:
        name = section["category"]
        if name not in categories:
            categories[name] = create_category(session, CategoryCreate(name=name)).id
        for article in section.get("articles", []):
            if article["title"] in titles:
                continue
            data = ArticleCreate(
                title=article["title"], body=article["body"].strip(), tags=article.get("tags", []),
                category_id=categories[name], status=ArticleStatus.PUBLISHED, key=article.get("key"),
                language=detect_language(f"{article['title']} {article['body']}"),
            )  # fmt: skip
            create_article(session, runtime, data, DEMO_ACTOR.name)
            summary.added("kb_articles")


def _past_call(
    factory: sessionmaker[Session], row: dict[str, Any], region: str, moment: datetime, summary: DemoSummary
) -> None:
    """A finished call as the controller records it, its conversation and its stored transcript."""
    call_id = row["call_id"]
    with factory() as session:
        conversation = record_call_conversation(session, call_id, row["caller"], region, subject="Call")
        recorded = get_record(session, call_id)
        customer_id = str(conversation.customer_id)
        has_messages = bool(list_messages(session, conversation.id, limit=1))
    if recorded is None:
        write_record(factory, _finished_call(row, customer_id, moment))
        summary.added("calls")
    offset = 0.5
    with factory() as session:
        repository = TranscriptRepository(session)
        for leg, text in row.get("transcript", []):
            seconds = max(1.0, len(text.split()) / WORDS_PER_SECOND, len(text) / 8)
            speaker = row.get("agent") if leg == "agent" else row["caller"]
            segment = TranscriptSegmentCreate(
                call_id=call_id, leg=leg, speaker=speaker, start=offset, end=offset + seconds,
                text=text, confidence=0.9, engine="demo",
            )  # fmt: skip
            repository.add(segment)
            if not has_messages:
                add_transcript_message(session, call_id, leg, text, offset_ms=round(offset * 1000),
                                       duration_ms=round(seconds * 1000))  # fmt: skip
            offset += seconds + 0.7
        session.commit()


def _finished_call(row: dict[str, Any], customer_id: str, moment: datetime) -> Call:
    offered = (moment - timedelta(hours=row["hours_ago"])).timestamp()
    ivr_seconds = 12.0
    queued = offered + ivr_seconds
    answered = queued + row["wait_s"] if row.get("agent") else None
    ended = (answered or queued + row["wait_s"]) + row["talk_s"]
    return Call(
        call_id=row["call_id"], state="ended", caller_number=row["caller"], dialed_number="1000",
        customer_id=customer_id, ivr_path=row["ivr_path"], ivr_choice=row["ivr_choice"],
        queue_id=row["queue"], first_queue_id=row["queue"], agent_id=row.get("agent"),
        disposition=row["disposition"], created_at=offered, state_changed_at=ended,
        ivr_started_at=offered, queued_at=queued, queue_entered_at=queued, answered_at=answered,
        abandoned_at=None if answered else ended, ended_at=ended,
    )  # fmt: skip


def _tickets(
    session: Session, runtime: DeskRuntime, rows: list[dict[str, Any]], groups: dict[str, int],
    users: dict[str, int], region: str, summary: DemoSummary,
) -> None:  # fmt: skip
    for row in rows:
        customer = find_customer(session, IdentityKind.PHONE, row["customer"], region)
        customer_id = customer.id if customer else None
        exists = session.scalar(
            select(Ticket.id).where(Ticket.subject == row["subject"], Ticket.customer_id == customer_id)
        )
        if exists is not None:
            continue
        conversation = find_by_external_ref(session, Channel.VOICE, row["call"]) if "call" in row else None
        data = TicketCreate(
            subject=row["subject"], description=row.get("description", ""),
            priority=TicketPriority(row.get("priority", "normal")), channel=TicketChannel(row["channel"]),
            customer_id=customer_id, assignee_id=users.get(row.get("assignee", "")),
            group_id=groups.get(row.get("group", "")), tags=row.get("tags", []),
            conversation_id=conversation.id if conversation else None,
        )  # fmt: skip
        if conversation is None:
            create_ticket(session, runtime, data, DEMO_ACTOR)
        else:
            extra = {"call_id": row["call"], "call_context": {"conversation_id": conversation.id}}
            create_ticket(session, runtime, data, DEMO_ACTOR, source=TicketSource.CALL, extra=extra)
        summary.added("tickets")


def _device_alerts(
    session: Session, runtime: DeskRuntime, rows: list[dict[str, Any]], region: str, summary: DemoSummary
) -> None:
    for row in rows:
        alert = DeviceAlert.model_validate(row)
        exists = session.scalar(
            select(Ticket.id).where(
                Ticket.alert_code == alert.alert_code, Ticket.device_serial == alert.device_serial
            )
        )
        if exists is None:
            open_alert_ticket(session, runtime, alert, region)
            summary.added("tickets")
