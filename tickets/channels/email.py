"""E-mail: parse inbound mail, thread it by Message-ID / In-Reply-To / References, reply via SMTP.

Its absolute name never shadows the standard library's ``email`` package.
"""

from __future__ import annotations

import html
import re
import smtplib
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid, parseaddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.events import Notifier
from config.settings import ChannelSettings
from tickets.channels.base import InboundMessage, OutboundMessage, to_the_desk
from tickets.channels.delivery import store_then_deliver
from tickets.channels.exceptions import DeliveryError, PayloadError
from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction, Message
from tickets.conversations.services import add_message, find_thread, open_conversation
from tickets.customers.exceptions import InvalidIdentityError
from tickets.customers.identities import normalise_email
from tickets.customers.models import IdentityKind
from tickets.customers.services import find_or_create_customer
from tickets.desk.outbox import DeskRuntime

_MSGID = re.compile(r"<[^<>\s]{1,250}>")
_TAG = re.compile(r"<[^>]*>")


def _ids(header: str | None) -> list[str]:
    return _MSGID.findall(header or "")


def parse_email(raw: bytes) -> InboundMessage:
    """The parts of a mail Voxdesk keeps; :class:`PayloadError` when it is not usable mail."""
    try:
        mail = BytesParser(policy=policy.default).parsebytes(raw)
        name, sender = parseaddr(str(mail.get("From", "")))
        subject = str(mail.get("Subject", ""))[:300]
        message_ids = _ids(str(mail.get("Message-ID", "")))
        replies_to = _ids(str(mail.get("In-Reply-To", ""))) + _ids(str(mail.get("References", "")))
        part = mail.get_body(preferencelist=("plain", "html")) if isinstance(mail, EmailMessage) else None
        body = part.get_content() if part is not None else ""
        if part is not None and part.get_content_type() == "text/html":
            body = html.unescape(_TAG.sub(" ", body))
    # RecursionError: the standard parser recurses once per nested multipart, and a sender chooses how deep
    except (ValueError, LookupError, AttributeError, RecursionError) as exc:
        raise PayloadError(f"unreadable e-mail: {str(exc)[:200]}") from exc
    if not sender:
        raise PayloadError("e-mail has no From address")
    return InboundMessage(
        sender=sender,
        sender_name=name,
        subject=subject,
        body=str(body).strip() or "(no text)",
        external_id=message_ids[0] if message_ids else None,
        thread_ids=tuple(dict.fromkeys(reversed(replies_to))),  # nearest parent first
    )


class EmailAdapter:
    """Inbound from Voxdesk's SMTP server; outbound through the configured relay."""

    channel = Channel.EMAIL

    def __init__(
        self,
        settings: ChannelSettings,
        default_region: str,
        notifier: Notifier | None,
        desk_runtime: DeskRuntime | None = None,
    ) -> None:
        self._settings = settings
        self._region = default_region
        self._notifier = notifier
        self._desk_runtime = desk_runtime

    def receive(self, session: Session, inbound: InboundMessage) -> Message:
        if inbound.external_id is not None:
            duplicate = session.scalar(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(
                    Conversation.channel == Channel.EMAIL.value, Message.external_id == inbound.external_id
                )
            )
            if duplicate is not None:  # the same mail delivered twice
                return duplicate
        try:
            customer = find_or_create_customer(
                session, IdentityKind.EMAIL, inbound.sender, self._region, inbound.sender_name
            )
        except InvalidIdentityError as exc:
            raise PayloadError(str(exc)) from exc
        conversation = find_thread(session, Channel.EMAIL, inbound.thread_ids)
        if conversation is None:
            root = inbound.thread_ids[-1] if inbound.thread_ids else inbound.external_id
            conversation = open_conversation(
                session, customer.id, Channel.EMAIL, external_ref=root, subject=inbound.subject
            )
        message = add_message(
            session,
            conversation,
            Direction.INBOUND,
            AuthorKind.CUSTOMER,
            inbound.body,
            author_name=inbound.sender_name,
            external_id=inbound.external_id,
            in_reply_to=inbound.thread_ids[0] if inbound.thread_ids else None,
            meta={"from": inbound.sender, "subject": inbound.subject},
            notifier=self._notifier,
        )
        return to_the_desk(session, message, self._desk_runtime, self._notifier)

    def send(self, session: Session, conversation: Conversation, outbound: OutboundMessage) -> Message:
        thread = list(
            session.scalars(
                select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)
            )
        )
        last_inbound = next((m for m in reversed(thread) if m.direction == Direction.INBOUND.value), None)
        if last_inbound is None or not last_inbound.meta.get("from"):
            raise PayloadError("this e-mail conversation has no customer address to reply to")
        mail = EmailMessage()
        mail["From"] = self._settings.support_address
        mail["To"] = str(last_inbound.meta["from"])
        subject = conversation.subject or "Your request"
        mail["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        message_id = make_msgid(domain=self._settings.mail_domain)
        mail["Message-ID"] = message_id
        references = [m.external_id for m in thread if m.external_id][-20:]
        if last_inbound.external_id:
            mail["In-Reply-To"] = last_inbound.external_id
        if references:
            mail["References"] = " ".join(references)
        mail.set_content(outbound.body)

        def deliver() -> None:
            self._deliver(mail)

        return store_then_deliver(
            session,
            conversation,
            outbound,
            deliver,
            self._notifier,
            external_id=message_id,
            in_reply_to=last_inbound.external_id,
            meta={"to": str(mail["To"])},
        )

    def start_thread(
        self, session: Session, customer_id: int, to: str, subject: str, outbound: OutboundMessage
    ) -> Message:
        """Write first (a survey, a notice): a new e-mail conversation whose root is our Message-ID."""
        try:
            address = normalise_email(to)
        except InvalidIdentityError as exc:
            raise PayloadError(str(exc)) from exc
        message_id = make_msgid(domain=self._settings.mail_domain)
        conversation = open_conversation(
            session, customer_id, Channel.EMAIL, external_ref=message_id, subject=subject
        )
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self._settings.support_address, address, subject[:300]
        mail["Message-ID"] = message_id
        mail.set_content(outbound.body)
        return store_then_deliver(
            session,
            conversation,
            outbound,
            lambda: self._deliver(mail),
            self._notifier,
            external_id=message_id,
            meta={"to": address},
        )

    def _deliver(self, mail: EmailMessage) -> None:
        deliver_via_relay(self._settings, mail)


def deliver_via_relay(s: ChannelSettings, mail: EmailMessage) -> None:
    """Hand ``mail`` to the configured SMTP relay (:class:`DeliveryError` when it refuses)."""
    try:
        with smtplib.SMTP(s.relay_host, s.relay_port, timeout=15) as smtp:
            if s.relay_starttls:
                smtp.starttls()
            if s.relay_username and s.relay_password:
                smtp.login(s.relay_username, s.relay_password)
            smtp.send_message(mail)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP relay {s.relay_host}:{s.relay_port} refused the mail: {exc}") from exc
