"""A hand-computed week of calls, conversations, tickets, surveys and QA scores (Mon 2 - Sun 8
November 2026, UTC), with the figures worked out by hand in :data:`EXPECTED`.

Edge cases: a call abandoned in the IVR, one abandoned in queue before the 20 s threshold and one
after it, a callback, a transfer, a call answered at exactly 20 s, a reopened ticket (and a
solved-then-closed one that is not), a customer who wrote by e-mail and WeChat about one delivery,
a customer who called twice and then e-mailed about billing, a repeat contact just after the range
(it still spoils first-contact resolution), and records just outside the range.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from config.models import Role, SipCredential, User
from qa.alerts.models import QaAlert
from qa.scorecards.models import Scorecard
from telephony.records.models import CallRecord
from tickets.conversations.call_links import CallLink
from tickets.conversations.models import Conversation, Message
from tickets.csat.models import CsatSurvey
from tickets.customers.models import Customer
from tickets.desk.models import Group, Ticket, TicketHistory, TicketTask, TicketTemplate


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def _call(call_id: str, when: datetime, **values: Any) -> CallRecord:
    wait = values.pop("wait", 0.0)
    answered = values.pop("answered", False)
    abandoned = values.pop("abandoned", False)
    talk, hold, wrap = values.pop("handle", (0.0, 0.0, 0.0))
    disposition = values.pop("disposition", "answered" if answered else "abandoned_in_queue")
    record = CallRecord(
        call_id=call_id,
        offered_at=when,
        ended_at=when,
        queue_wait_s=wait,
        talk_s=talk,
        hold_s=hold,
        wrap_up_s=wrap,
        disposition=disposition,
        answered_at=when if answered else None,
        abandoned_at=when if abandoned else None,
        **values,
    )
    if record.queue_id and record.first_queue_id is None:
        record.first_queue_id = record.queue_id
    return record


def _item(key: str, status: str) -> dict[str, Any]:
    return {"key": key, "label": key.title(), "weight": 1.0, "status": status}


def _template_tickets(session: Session) -> None:
    """The week of 16 November: three tickets of a three-step refund template, at different steps."""
    group = Group(name="Refunds (analytics)")
    template = TicketTemplate(
        name="Refund flow", steps=[{"title": s, "group_id": 0} for s in ("Consult", "Refund", "Close")]
    )
    session.add_all([group, template])
    session.flush()
    for n, statuses in enumerate(
        (("done", "done", "open"), ("done", "in_progress", "waiting"), ("open", "waiting", "waiting"))
    ):
        ticket = Ticket(
            subject=f"Refund {n}",
            channel="web",
            template_id=template.id,
            status="open",
            created_at=at(18, 9 + n),
        )
        session.add(ticket)
        session.flush()
        session.add_all(
            TicketTask(ticket_id=ticket.id, group_id=group.id, title=title, status=status, step=step)
            for step, (title, status) in enumerate(zip(("Consult", "Refund", "Close"), statuses, strict=True))
        )


def seed(session: Session) -> dict[str, int]:
    """Insert the week; returns the ids the tests name (customers, users, tickets)."""
    alice = User(username="alice", display_name="Alice", role=Role.AGENT, password_hash="!")
    bob = User(username="bob", display_name="Bob", role=Role.AGENT, password_hash="!")
    session.add_all([alice, bob])
    session.flush()
    session.add_all(
        [
            SipCredential(user_id=alice.id, username="agent1", ha1="x"),
            SipCredential(user_id=bob.id, username="agent2", ha1="x"),
        ]
    )
    c1, c2, c3, c4 = (Customer(display_name=name) for name in ("Emma", "James", "Olivia", "Wang"))
    session.add_all([c1, c2, c3, c4])
    session.flush()
    cid = {name: str(c.id) for name, c in (("c1", c1), ("c2", c2), ("c3", c3), ("c4", c4))}
    session.add_all(
        [
            _call(
                "c0",
                at(1, 23, 59, 59),
                queue_id="sales",
                ivr_choice="sales",
                agent_id="agent2",
                answered=True,
                wait=5.0,
                handle=(50.0, 0.0, 0.0),
            ),  # the day before the range
            _call(
                "c1",
                at(2, 9, 10),
                customer_id=cid["c1"],
                ivr_choice="billing",
                queue_id="billing",
                agent_id="agent1",
                answered=True,
                wait=10.0,
                handle=(300.0, 0.0, 60.0),
            ),
            _call(
                "c2",
                at(2, 9, 40),
                customer_id=cid["c2"],
                ivr_choice="billing",
                queue_id="billing",
                agent_id="agent2",
                answered=True,
                wait=30.0,
                handle=(200.0, 40.0, 20.0),
            ),
            _call(
                "c3",
                at(2, 10, 5),
                customer_id=cid["c3"],
                ivr_choice="sales",
                queue_id="sales",
                abandoned=True,
                wait=45.0,
            ),
            _call("c4", at(2, 10, 20), disposition="abandoned_in_ivr", abandoned=True),
            _call(
                "c5",
                at(3, 14, 0),
                customer_id=cid["c3"],
                ivr_choice="sales",
                queue_id="sales",
                abandoned=True,
                wait=5.0,
            ),
            _call(
                "c6",
                at(3, 14, 30),
                customer_id=cid["c4"],
                ivr_choice="support",
                queue_id="support",
                agent_id="agent1",
                answered=True,
                wait=600.0,
                handle=(120.0, 0.0, 30.0),
                callback_requested=True,
                ivr_path=[
                    "language:pressed 1",
                    "ask_question:asked: my router keeps dropping",
                    "ask_question:bot answered kb:router-reset",
                    "ask_question:answer not confirmed (dtmf 2)",
                ],
            ),
            _call(
                "c7",
                at(4, 16, 0),
                customer_id=cid["c2"],
                ivr_choice="billing",
                first_queue_id="billing",
                queue_id="support",
                agent_id="agent2",
                answered=True,
                wait=15.0,
                handle=(400.0, 60.0, 40.0),
            ),
            _call(
                "c8",
                at(7, 11, 0),
                customer_id=cid["c1"],
                ivr_choice="technical",
                queue_id="support",
                agent_id="agent1",
                answered=True,
                wait=20.0,
                handle=(100.0, 0.0, 0.0),
            ),
            _call(
                "c9",
                at(9, 9, 0),
                customer_id=cid["c1"],
                ivr_choice="technical",
                queue_id="support",
                agent_id="agent1",
                answered=True,
                wait=3.0,
                handle=(10.0, 0.0, 0.0),
            ),  # after the range
            # The week after: the FAQ bot's own week (see FAQ_WEEK below).
            _call(
                "c11",
                at(17, 10, 0),
                disposition="faq_answered",
                ivr_choice="faq",
                ivr_path=[
                    "ask_question:asked: where is my parcel",
                    "ask_question:bot answered kb:delivery",
                    "ask_question:answer confirmed (dtmf 1)",
                ],
            ),
            _call(
                "c12",
                at(17, 11, 0),
                disposition="faq_answered",
                ivr_choice="faq",
                ivr_path=["ask_question:asked: refund", "ask_question:bot handed over (unsure)"],
            ),
        ]
    )
    vc1 = Conversation(customer_id=c1.id, channel="voice", external_ref="c1", created_at=at(2, 9, 10))
    vc6 = Conversation(customer_id=c4.id, channel="voice", external_ref="c6", created_at=at(3, 14, 30))
    e1 = Conversation(customer_id=c4.id, channel="email", created_at=at(5, 8, 0))
    w1 = Conversation(customer_id=c4.id, channel="wechat", created_at=at(5, 12, 0))
    e2 = Conversation(customer_id=c2.id, channel="email", created_at=at(6, 10, 0))
    w2 = Conversation(customer_id=c3.id, channel="webchat", created_at=at(8, 20, 0))
    w3 = Conversation(customer_id=c3.id, channel="webchat", created_at=at(18, 10, 0))
    w4 = Conversation(customer_id=c3.id, channel="webchat", created_at=at(19, 10, 0))
    session.add_all([vc1, vc6, e1, w1, e2, w2, w3, w4])
    session.flush()
    session.add_all(
        [
            Message(conversation_id=w3.id, direction="inbound", author_kind="customer", body="refund?"),
            Message(
                conversation_id=w3.id, direction="outbound", author_kind="bot", body="Refunds take 5 days."
            ),
            Message(conversation_id=w4.id, direction="outbound", author_kind="bot", body="Try a restart."),
            Message(conversation_id=w4.id, direction="outbound", author_kind="agent", body="I can help."),
        ]
    )
    session.add_all(
        [
            CallLink(conversation_id=vc1.id, call_id="c1", ivr_choice="billing", started_at=at(2, 9, 10)),
            CallLink(conversation_id=vc6.id, call_id="c6", ivr_choice="support", started_at=at(3, 14, 30)),
        ]
    )
    t1 = Ticket(
        subject="Refund for a double charge",
        channel="voice",
        call_id="c1",
        customer_id=c1.id,
        tags=["refund"],
        business_area="billing",
        status="solved",
        created_at=at(2, 9, 15),
        first_response_at=at(2, 9, 20),
    )
    t2 = Ticket(
        subject="Where is my parcel",
        channel="email",
        conversation_id=e1.id,
        customer_id=c4.id,
        tags=["delivery"],
        status="solved",
        created_at=at(5, 8, 0),
        first_response_at=at(5, 8, 30),
    )
    t3 = Ticket(
        subject="Parcel again",
        channel="wechat",
        conversation_id=w1.id,
        customer_id=c4.id,
        tags=["delivery"],
        status="open",
        created_at=at(5, 12, 0),
        first_response_at=at(5, 12, 10),
    )
    t4 = Ticket(
        subject="Invoice address",
        channel="email",
        conversation_id=e2.id,
        customer_id=c2.id,
        tags=[],
        business_area="billing",
        status="closed",
        created_at=at(6, 10, 0),
        first_response_at=at(6, 11, 0),
    )
    t5 = Ticket(
        subject="Next week", channel="email", tags=["delivery"], status="new", created_at=at(10, 9, 0)
    )
    session.add_all([t1, t2, t3, t4, t5])
    session.flush()
    session.add_all(
        [
            TicketHistory(
                ticket_id=t1.id,
                actor="alice",
                action="status_changed",
                details={"from": "open", "to": "solved"},
            ),
            TicketHistory(
                ticket_id=t1.id,
                actor="emma",
                action="status_changed",
                details={"from": "solved", "to": "open"},
            ),
            TicketHistory(
                ticket_id=t1.id,
                actor="alice",
                action="status_changed",
                details={"from": "open", "to": "solved"},
            ),
            TicketHistory(
                ticket_id=t4.id,
                actor="bob",
                action="status_changed",
                details={"from": "solved", "to": "closed"},
            ),
        ]
    )
    session.add_all(
        [
            CsatSurvey(
                conversation_id=vc1.id,
                customer_id=c1.id,
                agent_id=alice.id,
                ticket_id=t1.id,
                via="sms",
                score=5,
                answered_at=at(2, 12, 0),
            ),
            CsatSurvey(
                conversation_id=e1.id,
                customer_id=c4.id,
                agent_id=bob.id,
                ticket_id=t2.id,
                via="email",
                score=2,
                answered_at=at(5, 9, 0),
            ),
            CsatSurvey(
                conversation_id=vc6.id,
                customer_id=c4.id,
                agent_id=alice.id,
                via="ivr",
                score=4,
                answered_at=at(3, 15, 0),
            ),
            CsatSurvey(conversation_id=w2.id, customer_id=c3.id, agent_id=bob.id, via="chat"),  # not answered
            CsatSurvey(
                conversation_id=e2.id,
                customer_id=c2.id,
                agent_id=bob.id,
                ticket_id=t4.id,
                via="email",
                score=1,
                answered_at=at(12, 9, 0),
            ),  # answered after the range
        ]
    )
    session.add_all(
        [
            Scorecard(call_id="c1", agent_id="agent1", call_at=at(2, 9, 10), auto_total=80.0,
                      auto_items=[_item("greeting", "passed"), _item("disclosure", "failed"),
                                  _item("hold", "n/a")]),
            Scorecard(call_id="c2", agent_id="agent2", call_at=at(2, 9, 40), auto_total=70.0,
                      override_total=90.0, reviewed=True, reviewed_at=at(3, 9, 0),
                      auto_items=[_item("greeting", "passed"), _item("disclosure", "passed")],
                      overrides={"greeting": {"status": "failed", "reason": "no name given"}}),
            Scorecard(call_id="c8", agent_id="agent1", call_at=at(7, 11, 0), auto_total=60.0,
                      auto_items=[_item("greeting", "failed"), _item("disclosure", "failed")]),
            Scorecard(call_id="c9", agent_id="agent1", call_at=at(9, 9, 0), auto_total=100.0,
                      auto_items=[_item("greeting", "passed")]),  # after the range
            QaAlert(call_id="c7", agent="agent2", rule_id="profit_promise", kind="forbidden", severity="high",
                    speaker="agent", created_at=at(4, 16, 5)),
            QaAlert(call_id="c8", agent="agent1", rule_id="recording_notice", kind="missing_disclosure",
                    severity="medium", speaker="agent", created_at=at(7, 11, 1)),
        ]
    )  # fmt: skip
    _template_tickets(session)
    session.flush()
    return {
        "t1": t1.id,
        "t2": t2.id,
        "t3": t3.id,
        "t4": t4.id,
        "alice": alice.id,
        "bob": bob.id,
        "e1": e1.id,
        "w1": w1.id,
        "e2": e2.id,
        "w2": w2.id,
    }


EXPECTED_CALLS = {
    "offered": 8,
    "answered": 5,
    "abandoned": 2,
    "abandoned_in_ivr": 1,
    "service_level": 0.5,  # c1, c7, c8 (20 s exactly) in time; over 5 answered + c3 abandoned at 45 s
    "service_level_threshold_s": 20.0,
    "asa_s": 135.0,  # (10 + 30 + 600 + 15 + 20) / 5
    "aht_s": 274.0,  # (360 + 260 + 150 + 500 + 100) / 5
    "abandonment_rate": 0.2857,  # 2 / (5 + 2)
    "ivr_abandonment_rate": 0.125,  # 1 / 8
    "callbacks": 1,
    "callbacks_answered": 1,
    "transfers": 1,
}
EXPECTED_CHANNELS = [
    {"channel": "voice", "contacts": 8, "share": 0.6667},
    {"channel": "email", "contacts": 2, "share": 0.1667},
    {"channel": "webchat", "contacts": 1, "share": 0.0833},
    {"channel": "wechat", "contacts": 1, "share": 0.0833},
]
# Issues: c1 (refund; ticket reopened), c2 (+ c7 and e-mail E2: billing), c6 (FCR), c8 (c9 two days
# later), E1 (+ WeChat W1: delivery), W2 (FCR): 6 issues, 2 resolved at first contact.
EXPECTED_REASONS = [
    {
        "reason": "billing",
        "contacts": 3,
        "fcr_rate": 0.0,
        "csat_average": None,
        "csat_answers": 0,
        "tickets": 1,
        "resolution_rate": 1.0,
    },
    {
        "reason": "delivery",
        "contacts": 2,
        "fcr_rate": 0.0,
        "csat_average": 2.0,
        "csat_answers": 1,
        "tickets": 2,
        "resolution_rate": 0.5,
    },
    {
        "reason": "sales",
        "contacts": 2,
        "fcr_rate": None,
        "csat_average": None,
        "csat_answers": 0,
        "tickets": 0,
        "resolution_rate": None,
    },
    {
        "reason": "unspecified",
        "contacts": 2,
        "fcr_rate": 1.0,
        "csat_average": None,
        "csat_answers": 0,
        "tickets": 0,
        "resolution_rate": None,
    },
    {
        "reason": "refund",
        "contacts": 1,
        "fcr_rate": 0.0,
        "csat_average": 5.0,
        "csat_answers": 1,
        "tickets": 1,
        "resolution_rate": 1.0,
    },
    {
        "reason": "support",
        "contacts": 1,
        "fcr_rate": 1.0,
        "csat_average": 4.0,
        "csat_answers": 1,
        "tickets": 0,
        "resolution_rate": None,
    },
    {
        "reason": "technical",
        "contacts": 1,
        "fcr_rate": 0.0,
        "csat_average": None,
        "csat_answers": 0,
        "tickets": 0,
        "resolution_rate": None,
    },
]
EXPECTED_TICKETS = [
    {
        "channel": "email",
        "tickets": 2,
        "resolved": 2,
        "reopened": 0,
        "resolution_rate": 1.0,
        "avg_first_response_s": 2700.0,
    },
    {
        "channel": "voice",
        "tickets": 1,
        "resolved": 1,
        "reopened": 1,
        "resolution_rate": 1.0,
        "avg_first_response_s": 300.0,
    },
    {
        "channel": "wechat",
        "tickets": 1,
        "resolved": 0,
        "reopened": 0,
        "resolution_rate": 0.0,
        "avg_first_response_s": 600.0,
    },
]
EXPECTED_CSAT = {"answers": 3, "average": 3.67, "satisfied_rate": 0.6667}
EXPECTED_AGENTS = [
    {
        "agent_id": "agent2",
        "name": "Bob",
        "answered": 2,
        "aht_s": 380.0,
        "qa_scored": 1,
        "qa_average": 90.0,
        "csat_answers": 1,
        "csat_average": 2.0,
        "rank": 1,
    },
    {
        "agent_id": "agent1",
        "name": "Alice",
        "answered": 3,
        "aht_s": 203.3,
        "qa_scored": 2,
        "qa_average": 70.0,
        "csat_answers": 2,
        "csat_average": 4.5,
        "rank": 2,
    },
]
EXPECTED_HEATMAP_CELLS = {  # (ISO weekday, hour) -> contacts
    (1, 9): 2,
    (1, 10): 2,
    (2, 14): 2,
    (3, 16): 1,
    (4, 8): 1,
    (4, 12): 1,
    (5, 10): 1,
    (6, 11): 1,
    (7, 20): 1,
}


def check_report(report: dict[str, Any]) -> None:
    """Every figure of the page for the week, against the hand-computed values above."""
    assert report["from"] == "2026-11-02" and report["to"] == "2026-11-08"
    assert report["calls"] == {**EXPECTED_CALLS, "faq": MAIN_WEEK_FAQ}
    assert report["contacts"] == 12
    assert report["issues"] == 6
    assert report["fcr_rate"] == 0.3333
    assert report["channel_share"] == EXPECTED_CHANNELS
    assert report["faq_bot_by_channel"] == [
        {"channel": "voice", "bot_contacts": 1, "deflected": 0, "deflection_rate": 0.0}
    ]
    assert report["top_reasons"] == EXPECTED_REASONS
    assert report["tickets_by_channel"] == EXPECTED_TICKETS
    # Emma: refund (c1) then technical (c8) 5 days later; Wang: support (c6) then delivery (E1, W1).
    assert report["reasons_together"] == [
        {"reasons": ["delivery", "support"], "customers": 1},
        {"reasons": ["refund", "technical"], "customers": 1},
    ]
    assert report["csat"] == EXPECTED_CSAT
    assert report["agents"] == EXPECTED_AGENTS
    cells = {
        (weekday + 1, hour): n
        for weekday, row in enumerate(report["heatmap"]["contacts"])
        for hour, n in enumerate(row)
        if n
    }
    assert cells == EXPECTED_HEATMAP_CELLS


BILLING_HEATMAP_CELLS = {(1, 9): 1, (3, 16): 1, (5, 10): 1}  # c2, c7 and the e-mail E2
VOICE_CONTACTS = 8

# With the bar at 80 %: Alice's greeting passed 1 of 2 (c8 failed), her disclosure 0 of 2; Bob's
# greeting failed on review (c2); one compliance alert each (c8, c7).
EXPECTED_TRAINING = [
    {"agent_id": "agent1", "name": "Alice", "need": "compliance", "count": 1, "pass_rate": None},
    {"agent_id": "agent1", "name": "Alice", "need": "item:disclosure", "count": 2, "pass_rate": 0.0},
    {"agent_id": "agent1", "name": "Alice", "need": "item:greeting", "count": 1, "pass_rate": 0.5},
    {"agent_id": "agent2", "name": "Bob", "need": "compliance", "count": 1, "pass_rate": None},
    {"agent_id": "agent2", "name": "Bob", "need": "item:greeting", "count": 1, "pass_rate": 0.0},
]
# The calls behind each need (drill-down metric, key -> call ids).
TRAINING_CALLS = {
    ("qa_item_failed", "agent1:disclosure"): ["c1", "c8"],
    ("qa_item_failed", "agent1:greeting"): ["c8"],
    ("qa_item_failed", "agent2:greeting"): ["c2"],  # failed on review
    ("compliance_hits", "agent1"): ["c8"],
    ("compliance_hits", "agent2"): ["c7"],
}

# The FAQ bot: in the main week c6 asked, was answered and said no; the week of 16 November has c11
# (answered, confirmed, no agent: deflected), c12 (the bot handed over) and two web chats the bot
# answered, of which an agent took one.
FAQ_WEEK_FAQ = {
    "asked": 2,
    "bot_answered": 1,
    "confirmed": 1,
    "deflected": 1,
    "deflection_rate": 0.5,
    "accuracy": 1.0,
}
MAIN_WEEK_FAQ = {
    "asked": 1,
    "bot_answered": 1,
    "confirmed": 0,
    "deflected": 0,
    "deflection_rate": 0.0,
    "accuracy": 0.0,
}
FAQ_WEEK_BOT_CHANNELS = [
    {"channel": "voice", "bot_contacts": 1, "deflected": 1, "deflection_rate": 1.0},
    {"channel": "webchat", "bot_contacts": 2, "deflected": 1, "deflection_rate": 0.5},
]

FAQ_WEEK_TEMPLATE_STAGES = [
    {"step": 0, "title": "Consult", "reached": 3, "completed": 2, "conversion": 1.0},
    {"step": 1, "title": "Refund", "reached": 2, "completed": 1, "conversion": 0.6667},
    {"step": 2, "title": "Close", "reached": 1, "completed": 0, "conversion": 0.3333},
]
