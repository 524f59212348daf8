"""First-run demo data on SQLite: loaded through the features' services, once, in English and Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from asr.transcripts.models import TranscriptSegment
from config.accounts import create_user
from config.db import make_engine, make_session_factory
from config.migrate import upgrade
from config.models import AuditEntry, Role, User
from telephony.agent_profiles.repository import agent_identity
from telephony.records.models import CallRecord
from tickets.connectors.lookup import TableOrderLookup
from tickets.conversations.models import Message
from tickets.customers.models import Customer, CustomerIdentity, IdentityKind
from tickets.customers.services import find_customer
from tickets.customers.view import customer_view
from tickets.desk.models import Group, Ticket
from tickets.kb.models import KbArticle
from tickets.kb.search import search_articles
from tickets.sla.models import SlaPolicy, SlaTimer
from voxdesk.demo import seed_demo_data
from voxdesk.demo_contact_center import load_demo_contact_center, read_demo_data

TABLES = (Customer, CustomerIdentity, Group, SlaPolicy, SlaTimer, KbArticle, Ticket, CallRecord,
          TranscriptSegment, Message, User)  # fmt: skip


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'voxdesk.db'}"
    upgrade(url)
    return make_session_factory(make_engine(url))


def counts(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as session:
        return {t.__name__: session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES}


def test_a_first_run_fills_the_contact_center_and_a_second_run_adds_nothing(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    assert len(seed_demo_data(factory, tmp_path)) == 5
    first = counts(factory)
    data = read_demo_data()
    assert first["Customer"] == len(data["customers"])
    assert first["Group"] == len(data["groups"]) and first["SlaPolicy"] == len(data["sla_policies"])
    assert first["Ticket"] == len(data["tickets"]) + len(data["device_alerts"])
    assert first["CallRecord"] == len(data["calls"]) and first["TranscriptSegment"] >= 7
    assert first["SlaTimer"] > 0  # the policies existed before the tickets, so the tickets run timers
    assert seed_demo_data(factory, tmp_path) == []
    assert counts(factory) == first


def test_a_load_interrupted_half_way_completes_without_duplicates(factory: sessionmaker[Session]) -> None:
    """No completion mark yet (a crash after the calls): the next load adds only what is missing."""
    load_demo_contact_center(factory, "US")
    with factory() as session:
        session.query(Ticket).delete()
        session.query(AuditEntry).delete()
        session.commit()
    summary = load_demo_contact_center(factory, "US")
    assert summary.loaded and summary.counts.get("tickets") == 5
    assert "customers" not in summary.counts and "calls" not in summary.counts
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 7  # transcripts not doubled
    assert not load_demo_contact_center(factory, "US").loaded


def test_an_install_whose_users_an_admin_made_gets_no_demo_customers(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with factory() as session:
        create_user(session, "boss", "Boss", Role.ADMIN, "a-long-password")
        session.commit()
    assert seed_demo_data(factory, tmp_path) == []
    assert counts(factory)["Customer"] == 0


def test_chinese_and_english_customers_have_their_orders_calls_tickets_and_devices(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    seed_demo_data(factory, tmp_path)
    with factory() as session:
        wang = find_customer(session, IdentityKind.PHONE, "+86 138 0013 8000", "US")
        assert wang is not None and wang.display_name == "王芳"
        view = customer_view(session, wang.id)
        assert [o.order_number for o in view.orders] == ["200871"]
        assert view.devices == ["VX-RT1000-0862"]
        assert {t["subject"] for t in view.tickets} >= {"订单 200871 物流延迟"}
        assert any("WAN_DOWN" in t["subject"] for t in view.tickets)  # the device alert found its owner
        (call,) = view.calls
        assert call.channel == "voice"
        emma = find_customer(session, IdentityKind.EMAIL, "emma.thompson@example.co.uk", "US")
        assert emma is not None and emma.segment == "vip"
        order = TableOrderLookup(session).find_order("100234")
        assert order is not None and order.customer_id == emma.id and order.status == "shipped"
        ticket = session.scalar(select(Ticket).where(Ticket.call_id == "demo-call-0001"))
        assert ticket is not None and ticket.customer_id == emma.id and ticket.conversation_id is not None
        record = session.scalar(select(CallRecord).where(CallRecord.call_id == "demo-call-0001"))
        assert record is not None and record.agent_id == "agent1" and record.talk_s == 142
        agent1 = session.scalar(select(User.id).where(User.username == "agent1"))
        identity = agent_identity(session, agent1 or 0)
        assert identity is not None and identity.skills["billing"] >= 1  # the billing queue can offer them
        segments = session.scalars(
            select(TranscriptSegment.text).where(TranscriptSegment.call_id == "demo-call-0002")
        ).all()
        assert segments[0].startswith("你好")


def test_the_chinese_knowledge_base_is_searchable(factory: sessionmaker[Session], tmp_path: Path) -> None:
    seed_demo_data(factory, tmp_path)
    with factory() as session:
        hits, _more = search_articles(session, "退款", limit=5, offset=0)
        assert [h.title for h in hits][:1] == ["如何申请退款"]
        hits, _more = search_articles(session, "refund", limit=5, offset=0)
        assert "How to request a refund" in [h.title for h in hits]
