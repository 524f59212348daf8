"""The small interface every channel adapter implements, and what flows through it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.events import Notifier
from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction, Message
from tickets.conversations.services import add_message, open_conversation
from tickets.customers.models import IdentityKind
from tickets.customers.services import find_or_create_customer
from tickets.desk.inbound import customer_wrote
from tickets.desk.outbox import DeskRuntime


@dataclass(frozen=True)
class InboundMessage:
    """A customer's message as the channel delivered it, before we store it."""

    sender: str  # phone number, address, openid or visitor id, in the channel's own form
    body: str
    external_id: str | None = None
    subject: str = ""
    sender_name: str = ""
    thread_ids: tuple[str, ...] = ()  # ids this message replies to (e-mail In-Reply-To/References)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboundMessage:
    """An agent's (or the FAQ bot's) reply to send on the conversation's channel."""

    conversation_id: int
    body: str
    agent_id: int | None = None
    agent_name: str = ""
    author_kind: AuthorKind = AuthorKind.AGENT
    # What the conversation keeps when it must differ from what is sent (a survey link's token).
    record_body: str | None = None


class ChannelAdapter(Protocol):
    """Receives a customer's message into a conversation and sends an agent's reply back."""

    channel: Channel

    def receive(self, session: Session, inbound: InboundMessage) -> Message:
        """Recognise the customer, thread the message and store it."""
        ...

    def send(self, session: Session, conversation: Conversation, outbound: OutboundMessage) -> Message:
        """Deliver the reply on the channel, then store it."""
        ...


def store_inbound_once(
    session: Session,
    inbound: InboundMessage,
    *,
    channel: Channel,
    identity: tuple[IdentityKind, str],
    subject: str,
    region: str,
    notifier: Notifier | None,
    desk_runtime: DeskRuntime | None = None,
) -> Message:
    """Store a message from an identified sender on its customer's open conversation, once.

    Gateways and WeChat retry a push they think we missed; a message whose external id the channel
    already delivered is returned as it was stored instead of being stored again.
    """
    if inbound.external_id:
        seen = session.scalar(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.channel == channel.value, Message.external_id == inbound.external_id)
        )
        if seen is not None:
            return seen
    kind, handle = identity
    customer = find_or_create_customer(session, kind, handle, region)
    conversation = open_conversation(session, customer.id, channel, external_ref=handle, subject=subject)
    message = add_message(
        session,
        conversation,
        Direction.INBOUND,
        AuthorKind.CUSTOMER,
        inbound.body,
        external_id=inbound.external_id,
        meta=inbound.meta,
        notifier=notifier,
    )
    return to_the_desk(session, message, desk_runtime, notifier)


def to_the_desk(
    session: Session, message: Message, desk_runtime: DeskRuntime | None, notifier: Notifier | None
) -> Message:
    """Hand a stored customer message to the desk: a new contact opens a ticket by the rules, a
    message on a live ticket's thread updates it (``desk_runtime`` None: the default runtime)."""
    customer_wrote(session, message, desk_runtime, notifier)
    return message
