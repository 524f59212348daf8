"""A chat (real WebSocket), an e-mail (real SMTP session) and a call from one person meet on one customer."""

from __future__ import annotations

import smtplib
import socket
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import phonenumbers
import pytest
from channel_senders import loopback_spf
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.websockets import WebSocketDisconnect

from config.events import Notifier
from config.models import Role
from config.settings import Settings
from tickets.channels.email import EmailAdapter
from tickets.channels.mail_dns import StaticResolver
from tickets.channels.smtp_server import start_smtp_server
from tickets.conversations.voice import add_transcript_message, record_call_conversation

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_port(
    tickets_settings: Settings, session_factory: sessionmaker[Session], redis_url: str
) -> Iterator[int]:
    adapter = EmailAdapter(tickets_settings.channels, "US", Notifier.from_url(redis_url))
    port = free_port()
    # example.com's SPF (as this test's DNS tells it) authorises loopback: the mails authenticate.
    resolver = StaticResolver(loopback_spf("example.com"))
    controller = start_smtp_server(adapter, session_factory, tickets_settings.channels, resolver, port=port)
    try:
        yield port
    finally:
        controller.stop()


def us_number() -> str:
    while True:
        digits = f"646{uuid.uuid4().int % 8_000_000 + 2_000_000}"
        if phonenumbers.is_valid_number(phonenumbers.parse(digits, "US")):
            return digits


def mail(sender: str, subject: str, body: str, message_id: str, reply_to: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        f"Ana Lee <{sender}>",
        "support@voxdesk.localhost",
        subject,
    )
    message["Message-ID"] = message_id
    if reply_to:
        message["In-Reply-To"], message["References"] = reply_to, reply_to
    message.set_content(body)
    return message


def test_chat_email_and_call_from_the_same_person_land_on_one_customer(
    client: TestClient, session: Session, smtp_port: int, auth_header: Callable[[Role], dict[str, str]]
) -> None:
    email, digits = f"ana.{uuid.uuid4().hex[:8]}@Example.com", us_number()
    token = client.post("/api/webchat/visitors").json()["visitor_token"]

    # 1. Web chat through the real WebSocket, the visitor leaving her address and number.
    with client.websocket_connect(f"/ws/webchat/visitor?visitor_token={token}") as ws:
        ws.send_json(
            {"type": "hello", "name": "Ana Lee", "email": email, "phone": f"({digits[:3]}) {digits[3:]}"}
        )
        ready = ws.receive_json()
        assert ready["type"] == "ready"
        ws.send_json({"type": "message", "body": "Where is my <b>parcel</b>?"})
        event = ws.receive_json()
        assert (
            event["type"] == "conversation.message" and event["data"]["body"] == "Where is my <b>parcel</b>?"
        )
        ws.send_json({"type": "typing", "typing": True, "extra": 1})
        assert ws.receive_json()["type"] == "error"  # unknown fields are refused, the chat goes on
    chat_id = ready["conversation_id"]

    # 2. An e-mail and its reply through a real SMTP session on loopback.
    first_id, second_id = f"<{uuid.uuid4().hex}@example.com>", f"<{uuid.uuid4().hex}@example.com>"
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
        smtp.send_message(mail(email.upper(), "Parcel", "Still no parcel.", first_id))
        smtp.send_message(mail(email, "Re: Parcel", "Any news?", second_id, reply_to=first_id))
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail(email, ["someone@elsewhere.example"], b"Subject: relay\r\n\r\nno")

    # 3. A call from her number, written the way the carrier sends it.
    call = record_call_conversation(session, f"call-{uuid.uuid4().hex}", f"+1{digits}", "US")
    add_transcript_message(
        session, call.external_ref or "", "caller", "I am calling about my parcel", offset_ms=0
    )

    # Read by a QA manager, who sees every thread (an agent sees only the calls and threads the
    # access rule gives them; this call was answered by nobody).
    reader = auth_header(Role.QA_MANAGER)
    view = client.get(f"/api/customers/{call.customer_id}", headers=reader).json()
    channels = sorted(c["channel"] for c in view["conversations"])
    assert channels == ["email", "webchat"], view  # one e-mail thread for both mails
    assert chat_id in [c["id"] for c in view["conversations"]]
    assert [c["id"] for c in view["calls"]] == [call.id]
    kinds = sorted(i["kind"] for i in view["identities"])
    assert kinds == ["email", "phone", "webchat"]
    email_thread = next(c for c in view["conversations"] if c["channel"] == "email")
    messages = client.get(f"/api/conversations/{email_thread['id']}/messages", headers=reader).json()
    assert [m["external_id"] for m in messages] == [first_id, second_id]
    transcript = client.get(f"/api/conversations/{call.id}/messages", headers=reader).json()
    assert transcript[0]["speaker"] == "caller" and transcript[0]["body"] == "I am calling about my parcel"


def test_a_forged_visitor_token_cannot_open_a_chat(client: TestClient) -> None:
    token = client.post("/api/webchat/visitors").json()["visitor_token"]
    payload, expiry, _sig = token.split(".")
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(f"/ws/webchat/visitor?visitor_token={payload}.{expiry}.forged"):
            pass
    assert closed.value.code == 4403


def test_an_agent_socket_needs_a_valid_ticket(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/ws/webchat/agent/1?ticket=nope"):
            pass
    assert closed.value.code == 4401
