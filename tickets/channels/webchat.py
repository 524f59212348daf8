"""Web chat: anonymous visitors identified by a signed id, agents replying from the console.

The visitor id is random and the server signs it, so a visitor cannot pose as another visitor by
editing the cookie. Contact details a visitor types into the widget are unverified claims: a claim
to another customer's address or number only suggests a merge, which an agent confirms.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from config.events import Notifier
from tickets.channels.base import InboundMessage, OutboundMessage, to_the_desk
from tickets.channels.signing import read_token, sign_token
from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction, Message
from tickets.conversations.services import add_message, find_by_external_ref, open_conversation
from tickets.customers.events import MergeSuggested
from tickets.customers.exceptions import MergeError
from tickets.customers.identities import normalise_identity
from tickets.customers.models import IdentityKind, MergeSuggestion, SuggestionStatus
from tickets.customers.services import add_identity, find_customer, find_or_create_customer
from tickets.customers.suggestions import suggest_merge
from tickets.desk.outbox import DeskRuntime

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

    def __init__(
        self, default_region: str, notifier: Notifier | None, desk_runtime: DeskRuntime | None = None
    ) -> None:
        self._region = default_region
        self._notifier = notifier
        self._desk_runtime = desk_runtime

    def start_chat(
        self,
        session: Session,
        visitor_id: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        name: str = "",
    ) -> Conversation:
        """The visitor's own conversation; contact details they type are claims, not proof.

        A detail nobody has yet is added to the visitor's customer. One that another customer
        already has becomes a merge suggestion for an agent to confirm (see
        :mod:`tickets.customers.suggestions`): never an automatic merge, and nothing about the
        other customer comes back to the visitor.
        """
        declared: list[tuple[IdentityKind, str]] = []
        if email:
            declared.append((IdentityKind.EMAIL, normalise_identity(IdentityKind.EMAIL, email, self._region)))
        if phone:
            declared.append((IdentityKind.PHONE, normalise_identity(IdentityKind.PHONE, phone, self._region)))
        customer = find_or_create_customer(session, IdentityKind.WEBCHAT, visitor_id, self._region, name)
        for kind, value in declared:
            owner = find_customer(session, kind, value, self._region)
            if owner is None:
                try:
                    add_identity(session, customer.id, kind, value, self._region)
                except MergeError:  # someone took it a moment ago: treat it as a claim
                    session.rollback()
                    owner = find_customer(session, kind, value, self._region)
            if owner is not None and owner.id != customer.id:
                suggestion = suggest_merge(session, customer.id, owner.id, kind, value)
                self._announce(suggestion)
        if name and customer.display_name == visitor_id:
            customer.display_name = name[:200]
            session.commit()
        return open_conversation(
            session, customer.id, Channel.WEBCHAT, external_ref=visitor_id, subject="Web chat"
        )

    def _announce(self, suggestion: MergeSuggestion) -> None:
        """Tell agents watching either customer (the console), never the visitor's chat."""
        if self._notifier is not None and suggestion.status == SuggestionStatus.PENDING.value:
            self._notifier.publish(
                MergeSuggested(
                    suggestion_id=suggestion.id,
                    customer_id=suggestion.matched_customer_id,
                    visitor_customer_id=suggestion.visitor_customer_id,
                    identity_kind=suggestion.identity_kind,
                )
            )

    def receive(self, session: Session, inbound: InboundMessage) -> Message:
        conversation = find_by_external_ref(session, Channel.WEBCHAT, inbound.sender)
        if conversation is None:
            conversation = self.start_chat(session, inbound.sender)
        message = add_message(
            session,
            conversation,
            Direction.INBOUND,
            AuthorKind.CUSTOMER,
            inbound.body,
            author_name=inbound.sender_name,
            notifier=self._notifier,
        )
        return to_the_desk(session, message, self._desk_runtime, self._notifier)

    def send(self, session: Session, conversation: Conversation, outbound: OutboundMessage) -> Message:
        # Delivery is the event itself: the visitor's WebSocket is subscribed to the conversation.
        return add_message(
            session,
            conversation,
            Direction.OUTBOUND,
            outbound.author_kind,
            outbound.body,
            author_id=outbound.agent_id,
            author_name=outbound.agent_name,
            notifier=self._notifier,
        )
