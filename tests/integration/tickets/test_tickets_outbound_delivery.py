"""Outbound replies through a real SMTP relay and a real HTTP SMS gateway on loopback, and their failures."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import phonenumbers
import pytest
from channel_senders import delivered_from_loopback
from fastapi.testclient import TestClient
from loopback_servers import GATEWAY_SECRET, Gateway, RelayInbox, free_port
from sqlalchemy.orm import Session

from config.models import Role, User
from config.sessions import open_session
from config.settings import ChannelSettings
from tickets.channels.base import OutboundMessage
from tickets.channels.email import EmailAdapter, parse_email
from tickets.channels.exceptions import DeliveryError
from tickets.channels.providers import HttpMessagingProvider
from tickets.channels.sms import SmsAdapter
from tickets.conversations.models import Channel, Conversation, Message
from tickets.conversations.services import list_messages, open_conversation
from tickets.customers.services import find_or_create_customer

pytestmark = pytest.mark.integration


def mail_settings(relay_port: int) -> ChannelSettings:
    return ChannelSettings(
        relay_host="127.0.0.1",
        relay_port=relay_port,
        support_address="help@shop.test",
        mail_domain="shop.test",
    )


def customer_mail(sender: str, message_id: str, references: str | None = None) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = f"Bo Chen <{sender}>", "help@shop.test", "Broken kettle"
    mail["Message-ID"] = message_id
    if references:
        mail["In-Reply-To"], mail["References"] = references.split()[-1], references
    mail.set_content("The kettle leaks.")
    return mail.as_bytes()


def receive(adapter: EmailAdapter, session: Session, raw: bytes, sender: str) -> Message:
    """Store a mail as the SMTP server would after SPF authenticated it (so its address is verified)."""
    return adapter.receive(session, parse_email(raw), delivered_from_loopback(raw, sender))


def test_an_email_reply_goes_through_the_relay_threaded_to_the_customers_mail(
    session: Session, relay: tuple[int, RelayInbox]
) -> None:
    port, inbox = relay
    adapter = EmailAdapter(mail_settings(port), "US", None)
    sender = f"bo.{uuid.uuid4().hex[:8]}@example.com"
    root, latest = f"<{uuid.uuid4().hex}@example.com>", f"<{uuid.uuid4().hex}@example.com>"
    receive(adapter, session, customer_mail(sender, root), sender)
    inbound = receive(adapter, session, customer_mail(sender, latest, references=root), sender)
    conversation = session.get(Conversation, inbound.conversation_id)
    assert conversation is not None

    reply = adapter.send(
        session, conversation, OutboundMessage(conversation.id, "We send a new one.", None, "li")
    )

    [envelope] = inbox.envelopes
    assert envelope.mail_from == "help@shop.test" and envelope.rcpt_tos == [sender]
    delivered = message_from_bytes(envelope.original_content or b"", policy=policy.default)
    assert delivered["From"] == "help@shop.test" and delivered["To"] == sender
    assert delivered["Subject"] == "Re: Broken kettle"
    assert delivered["Message-ID"] == reply.external_id and reply.external_id.endswith("@shop.test>")
    assert delivered["In-Reply-To"] == latest
    assert delivered["References"].split() == [root, latest]
    # Signed with the name the adapter is given (the desk gives the agent's public name).
    assert delivered.get_content().strip().splitlines() == ["We send a new one.", "", "-- ", "li"]
    assert reply.delivery == "sent"

    # The customer answers our reply: it threads back into the same conversation.
    answer = receive(
        adapter,
        session,
        customer_mail(sender, f"<{uuid.uuid4().hex}@example.com>", f"{root} {latest} {reply.external_id}"),
        sender,
    )
    assert answer.conversation_id == conversation.id


def test_a_relay_that_is_down_gives_a_clear_error_and_the_reply_is_kept_as_not_sent(
    client: TestClient, session: Session, auth_header: Callable[[Role], dict[str, str]]
) -> None:
    """Through the API, with the app's own e-mail adapter pointed at a port where nothing listens."""
    sender = f"cy.{uuid.uuid4().hex[:8]}@example.com"
    app_state: Any = client.app.state  # type: ignore[attr-defined]
    adapter = EmailAdapter(mail_settings(free_port()), "US", None)
    inbound = receive(adapter, session, customer_mail(sender, f"<{uuid.uuid4().hex}@example.com>"), sender)
    agent = User(username=f"li-{uuid.uuid4().hex[:6]}", display_name="Li", role=Role.AGENT, password_hash="!")
    session.add(agent)
    session.flush()
    token = open_session(session, agent.id)
    session.commit()
    previous = dict(app_state.channel_adapters) if getattr(app_state, "channel_adapters", None) else None
    app_state.channel_adapters = {**(previous or {}), Channel.EMAIL: adapter}
    try:
        response = client.post(
            f"/api/conversations/{inbound.conversation_id}/replies",
            json={"body": "Your refund is on its way."},
            headers={"authorization": f"Bearer {token}"},
        )
    finally:
        app_state.channel_adapters = previous
    assert response.status_code == 502
    detail = response.json()["detail"]
    assert "SMTP relay 127.0.0.1" in detail and "kept as not sent" in detail
    listed = client.get(
        f"/api/conversations/{inbound.conversation_id}/messages", headers=auth_header(Role.AGENT)
    ).json()
    assert [(m["body"], m["delivery"]) for m in listed] == [
        ("The kettle leaks.", None),
        ("Your refund is on its way.", "failed"),
    ]


def sms_conversation(session: Session) -> Any:
    while True:
        digits = f"305{uuid.uuid4().int % 8_000_000 + 2_000_000}"
        if phonenumbers.is_valid_number(phonenumbers.parse(digits, "US")):
            break
    customer = find_or_create_customer(session, "phone", digits, "US")
    return open_conversation(session, customer.id, Channel.SMS, external_ref=f"+1{digits}", subject="SMS")


def test_an_sms_reply_is_posted_signed_to_the_gateway_and_keeps_its_message_id(
    session: Session, gateway_url: str
) -> None:
    conversation = sms_conversation(session)
    adapter = SmsAdapter("US", HttpMessagingProvider(gateway_url, GATEWAY_SECRET), None)
    message = adapter.send(session, conversation, OutboundMessage(conversation.id, "Ready for pickup"))
    assert Gateway.received == [
        {
            "path": "/v1/messages",
            "type": "application/json",
            "to": conversation.external_ref,
            "body": "Ready for pickup",
        }
    ]
    assert message.external_id == "SM1" and message.delivery == "sent"


@pytest.mark.parametrize(
    ("secret", "fail_with", "reason"),
    [("not-the-gateway-secret", None, "401"), (GATEWAY_SECRET, 503, "503")],
    ids=["wrong-credentials", "gateway-error"],
)
def test_an_sms_the_gateway_refuses_is_kept_as_not_sent(
    session: Session, gateway_url: str, secret: str, fail_with: int | None, reason: str
) -> None:
    """The gateway refuses the credentials or fails: a clear error, the text kept with delivery=failed."""
    Gateway.fail_with = fail_with
    conversation = sms_conversation(session)
    adapter = SmsAdapter("US", HttpMessagingProvider(gateway_url, secret), None)
    with pytest.raises(DeliveryError, match=f"did not accept the message.*{reason}.*kept as not sent"):
        adapter.send(session, conversation, OutboundMessage(conversation.id, "Ready for pickup"))
    assert Gateway.received == []
    session.expire_all()
    [kept] = list_messages(session, conversation.id)
    assert isinstance(kept, Message) and kept.body == "Ready for pickup" and kept.delivery == "failed"
    assert reason in kept.meta["delivery_error"]
