"""Card data written on any channel, either way, is masked where messages are stored (PCI).

Chat (real WebSocket), SMS and WeChat (signed webhooks), e-mail (subject and body), an agent's reply,
a ticket's subject, description, update and note, a survey comment: the database and the live
event hold the mask, never the number, the security code or the expiry date.
"""

from __future__ import annotations

import json
import time
import uuid
from email.message import EmailMessage

import phonenumbers
import pytest
from channel_senders import delivered_from_loopback, safe_push, text_push
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from tickets.channels.base import OutboundMessage
from tickets.channels.delivery import store_then_deliver
from tickets.channels.email import EmailAdapter, parse_email
from tickets.channels.signing import webhook_signature
from tickets.conversations.models import Conversation, Message
from tickets.desk.models import Ticket, TicketNote
from tickets.desk.outbox import DeskRuntime
from tickets.desk.schemas import NoteCreate, TicketCreate, TicketUpdate
from tickets.desk.services import Actor, add_note, create_ticket, update_ticket

pytestmark = pytest.mark.integration

CARD = "4111 1111 1111 1111"
SAID = f"my card is {CARD}, cvv 739, expires 09/27"
MASKED = "my card is [card ••••1111], cvv [security code], expires [expiry]"


def leaks(text: str) -> bool:
    return any(trace in text for trace in ("4111 1111", "4111111111111111", "739", "09/27"))


def us_number() -> str:
    while True:
        number = f"+1 312 {uuid.uuid4().int % 8_000_000 + 2_000_000}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number, "US")):
            return number


def test_every_channel_stores_and_announces_only_the_masked_text(
    client: TestClient, session: Session, tickets_settings: Settings
) -> None:
    stored: list[int] = []
    # Web chat over the real WebSocket: the echoed event is the stored message.
    token = client.post("/api/webchat/visitors").json()["visitor_token"]
    with client.websocket_connect(f"/ws/webchat/visitor?visitor_token={token}") as ws:
        ws.send_json({"type": "hello", "name": "Ana Lee"})
        ready = ws.receive_json()
        ws.send_json({"type": "message", "body": SAID})
        event = ws.receive_json()
    assert event["type"] == "conversation.message" and event["data"]["body"] == MASKED
    stored.append(event["data"]["message_id"])

    # SMS from the gateway, signed.
    body = json.dumps(
        {"from": us_number(), "to": "+18005550100", "body": SAID, "id": uuid.uuid4().hex}
    ).encode()
    ts = str(int(time.time()))
    secret = tickets_settings.channels.sms_webhook_secret
    headers = {
        "x-voxdesk-timestamp": ts,
        "x-voxdesk-signature": webhook_signature(secret, ts, body),
        "content-type": "application/json",
    }
    sms = client.post("/api/channels/sms/inbound", content=body, headers=headers)
    assert sms.status_code == 200, sms.text

    # WeChat, in safe mode, in Chinese.
    ch = tickets_settings.channels
    openid = f"o{uuid.uuid4().hex}"
    push = text_push(
        openid, "我的卡号是四一一一一一一一一一一一一一一一、安全码七三九", str(uuid.uuid4().int)[:18]
    )
    sent = safe_push(ch.wechat_token, ch.wechat_encoding_aes_key, ch.wechat_app_id, push)
    assert client.post(f"/api/channels/wechat?{sent.query}", content=sent.body).text == "success"

    # E-mail, the subject too.
    sender = f"bo.{uuid.uuid4().hex[:8]}@example.com"
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, "help@shop.test", f"card {CARD}"
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    mail.set_content(SAID)
    raw = mail.as_bytes()
    adapter = EmailAdapter(tickets_settings.channels, "US", None)
    email = adapter.receive(session, parse_email(raw), delivered_from_loopback(raw, sender))
    stored.append(email.id)

    # The agent's reply (every adapter stores its replies this way before delivering).
    chat = session.get(Conversation, ready["conversation_id"])
    assert chat is not None
    reply = store_then_deliver(
        session, chat, OutboundMessage(chat.id, f"I read {CARD} back"), lambda: None, None
    )
    assert reply.body == "I read [card ••••1111] back"

    # Tickets: subject, description, an update and a note quoting the customer.
    runtime, actor = DeskRuntime(), Actor("agent-pci")
    ticket = create_ticket(session, runtime, TicketCreate(subject=f"card {CARD}", description=SAID), actor)
    update_ticket(session, runtime, ticket.id, TicketUpdate(description=f"{SAID} (updated)"), actor)
    add_note(session, runtime, ticket.id, NoteCreate(body=f"customer said {CARD}"), actor)

    session.expire_all()
    recent = session.scalars(select(Message).order_by(Message.id.desc()).limit(50)).all()
    mine = [m for m in recent if "[card ••••1111]" in m.body]
    assert len(mine) >= 5, [m.body for m in recent]  # chat, SMS, WeChat, e-mail, reply
    assert not any(leaks(m.body) or leaks(json.dumps(m.meta)) for m in recent)
    assert "我的卡号是[card ••••1111]、安全码[security code]" in [m.body for m in recent]
    email_thread = session.get(Conversation, email.conversation_id)
    assert email_thread is not None and not leaks(email_thread.subject)
    assert email.meta["subject"] == "card [card ••••1111]"
    stored_ticket = session.get(Ticket, ticket.id)
    assert stored_ticket is not None
    assert stored_ticket.subject == "card [card ••••1111]"
    assert stored_ticket.description == f"{MASKED} (updated)"
    assert not leaks(stored_ticket.search_text)
    notes = session.scalars(select(TicketNote).where(TicketNote.ticket_id == ticket.id)).all()
    assert [n.body for n in notes] == ["customer said [card ••••1111]"]
    tickets = session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(20)).all()
    assert not any(leaks(t.subject) or leaks(t.description) for t in tickets)  # opened by the messages
