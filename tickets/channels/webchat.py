"""Web chat: anonymous visitors identified by a signed id, agents replying from the console.

The visitor id is random and the server signs it, so a visitor cannot pose as another visitor by
editing the cookie. Contact details a visitor types into the widget link the chat to the customer
we already know under that address or number.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from config.events import Notifier
from tickets.channels.base import InboundMessage, OutboundMessage
from tickets.channels.signing import read_token, sign_token
from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction, Message
from tickets.conversations.services import add_message, find_by_external_ref, open_conversation
from tickets.customers.models import Customer, IdentityKind
from tickets.customers.services import add_identity, find_customer, find_or_create_customer, merge_customers

VISITOR_TOKEN_PURPOSE = "webchat-visitor"  # noqa: S105 - a label, not a secret
VISITOR_TOKEN_TTL = 30 * 24 * 3600


def new_visitor_token(secret: str) -> tuple[str, str]:
    """A fresh visitor id and the signed token the widget keeps."""
    visitor_id = secrets.token_urlsafe(16)
    return visitor_id, sign_token(secret, VISITOR_TOKEN_PURPOSE, visitor_id, VISITOR_TOKEN_TTL)


def visitor_from_token(secret: str, token: str) -> str:
    """The visitor id inside a valid token (raises SignatureError)."""
    return read_token(secret, VISITOR_TOKEN_PURPOSE, token)


class WebChatAdapter:
    """Inbound from the widget's WebSocket, outbound to it through the event bus."""

    channel = Channel.WEBCHAT

    def __init__(self, default_region: str, notifier: Notifier | None) -> None:
        self._region = default_region
        self._notifier = notifier

    def start_chat(
        self,
        session: Session,
        visitor_id: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        name: str = "",
    ) -> Conversation:
        """The visitor's conversation, with the customer found by what the visitor told us."""
        declared: list[tuple[IdentityKind, str]] = []
        if email:
            declared.append((IdentityKind.EMAIL, email))
        if phone:
            declared.append((IdentityKind.PHONE, phone))
        known: Customer | None = None
        for kind, raw in declared:
            known = known or find_customer(session, kind, raw, self._region)
        visitor = find_customer(session, IdentityKind.WEBCHAT, visitor_id, self._region)
        if visitor is None and known is not None:
            add_identity(session, known.id, IdentityKind.WEBCHAT, visitor_id, self._region)
            customer = known
        elif visitor is None:
            customer = find_or_create_customer(session, IdentityKind.WEBCHAT, visitor_id, self._region, name)
        elif known is not None and known.id != visitor.id:
            # The visitor told us who they are: their chats join that customer. The merge is
            # recorded, so an agent can undo it if the visitor claimed someone else's address.
            merge_customers(session, known.id, visitor.id, actor="webchat:self-declared")
            customer = known
        else:
            customer = visitor
        for kind, raw in declared:
            if find_customer(session, kind, raw, self._region) is None:
                add_identity(session, customer.id, kind, raw, self._region)
        if name and customer.display_name == visitor_id:
            customer.display_name = name[:200]
            session.commit()
        return open_conversation(
            session, customer.id, Channel.WEBCHAT, external_ref=visitor_id, subject="Web chat"
        )

    def receive(self, session: Session, inbound: InboundMessage) -> Message:
        conversation = find_by_external_ref(session, Channel.WEBCHAT, inbound.sender)
        if conversation is None:
            conversation = self.start_chat(session, inbound.sender)
        return add_message(
            session,
            conversation,
            Direction.INBOUND,
            AuthorKind.CUSTOMER,
            inbound.body,
            author_name=inbound.sender_name,
            notifier=self._notifier,
        )

    def send(self, session: Session, conversation: Conversation, outbound: OutboundMessage) -> Message:
        # Delivery is the event itself: the visitor's WebSocket is subscribed to the conversation.
        return add_message(
            session,
            conversation,
            Direction.OUTBOUND,
            AuthorKind.AGENT,
            outbound.body,
            author_id=outbound.agent_id,
            author_name=outbound.agent_name,
            notifier=self._notifier,
        )
