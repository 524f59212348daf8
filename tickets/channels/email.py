"""E-mail: parse inbound mail, thread it by Message-ID / In-Reply-To / References, reply via SMTP.

Threading and replies trust proof, not headers. A mail joins the thread its In-Reply-To/References
name only when it is authenticated (:mod:`tickets.channels.mail_auth`: aligned DKIM or SPF, DMARC not
failing) and its From address is a verified identity of that thread's customer; otherwise it opens a
conversation of its own for its sender, flagged for agents, and the named thread is left untouched.
Replies go to the customer's verified addresses (the one the thread is with, when verified), never to
whatever the last mail's From or Reply-To said.

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
from tickets.channels.exceptions import DeliveryError, PayloadError, UnverifiedRecipientError
from tickets.channels.mail_auth import UNCHECKED, MailAuthResult
from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction, Message
from tickets.conversations.services import (
    add_message,
    find_by_external_ref,
    find_thread,
    open_conversation,
)
from tickets.customers.exceptions import InvalidIdentityError
from tickets.customers.identities import normalise_email
from tickets.customers.models import Customer, CustomerIdentity, IdentityKind
from tickets.customers.services import (
    find_identity,
    find_or_create_customer,
    verified_identities,
    verify_identity,
)
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

    def receive(self, session: Session, inbound: InboundMessage, auth: MailAuthResult = UNCHECKED) -> Message:
        """Store a customer's mail; ``auth`` is what SPF/DKIM/DMARC said (unchecked: proves nothing)."""
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
            address = normalise_email(inbound.sender)
            customer = find_or_create_customer(
                session, IdentityKind.EMAIL, address, self._region, inbound.sender_name
            )
        except InvalidIdentityError as exc:
            raise PayloadError(str(exc)) from exc
        identity = find_identity(session, IdentityKind.EMAIL, address)
        if identity is not None and auth.authenticated:
            verify_identity(session, identity, auth.proved_by)
        flags = _auth_flags(auth)
        conversation = find_thread(session, Channel.EMAIL, inbound.thread_ids)
        if conversation is not None:
            refusal = _why_not_join(conversation, customer, identity, auth)
            if refusal is not None:
                flags.update(refusal)
                conversation = None
        if conversation is None:
            conversation = open_conversation(
                session,
                customer.id,
                Channel.EMAIL,
                external_ref=self._root_for_new_thread(session, inbound, keep_apart=bool(flags)),
                subject=inbound.subject,
                flags=flags,
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
            meta={"from": address, "subject": inbound.subject, "auth": auth.as_meta()},
            notifier=self._notifier,
        )
        return to_the_desk(session, message, self._desk_runtime, self._notifier)

    def _root_for_new_thread(self, session: Session, inbound: InboundMessage, keep_apart: bool) -> str:
        """The new conversation's key: the thread root the mail names, unless that names someone
        else's conversation (or the mail is flagged), then the mail's own id or a fresh one."""
        candidates = [] if keep_apart else list(inbound.thread_ids[-1:])
        candidates += [inbound.external_id] if inbound.external_id else []
        for root in candidates:
            if find_by_external_ref(session, Channel.EMAIL, root) is None:
                return root
        return make_msgid(domain=self._settings.mail_domain)

    def send(self, session: Session, conversation: Conversation, outbound: OutboundMessage) -> Message:
        thread = list(
            session.scalars(
                select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)
            )
        )
        recipient = reply_address(session, conversation, thread)
        last_inbound = next((m for m in reversed(thread) if m.direction == Direction.INBOUND.value), None)
        mail = EmailMessage()
        mail["From"] = self._settings.support_address
        mail["To"] = recipient
        subject = conversation.subject or "Your request"
        mail["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        message_id = make_msgid(domain=self._settings.mail_domain)
        mail["Message-ID"] = message_id
        references = [m.external_id for m in thread if m.external_id][-20:]
        in_reply_to = last_inbound.external_id if last_inbound is not None else None
        if in_reply_to:
            mail["In-Reply-To"] = in_reply_to
        if references:
            mail["References"] = " ".join(references)
        # Signed with the agent's public name (the desk resolves it; never the log-in name).
        signature = f"\n\n-- \n{outbound.agent_name}" if outbound.agent_name else ""
        mail.set_content(outbound.body + signature)

        def deliver() -> None:
            self._deliver(mail)

        return store_then_deliver(
            session,
            conversation,
            outbound,
            deliver,
            self._notifier,
            external_id=message_id,
            in_reply_to=in_reply_to,
            meta={"to": recipient},
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


def _auth_flags(auth: MailAuthResult) -> dict[str, str]:
    if auth.verdict != "fail":
        return {}
    return {
        "spoof_suspected": f"the sender failed e-mail authentication (SPF {auth.spf}, DKIM {auth.dkim}, "
        f"DMARC {auth.dmarc} {auth.dmarc_policy})".rstrip()
        + "; it is kept apart and proves no address"
    }


def _why_not_join(
    conversation: Conversation, customer: Customer, identity: CustomerIdentity | None, auth: MailAuthResult
) -> dict[str, str] | None:
    """None when the mail may join ``conversation``, else the flag saying why it was kept apart."""
    if conversation.customer_id != customer.id:
        return {
            "thread_mismatch": f"replied to conversation {conversation.id}, which is another customer's; "
            "the sender's address is not one of that customer's, so it was kept apart"
        }
    if not auth.authenticated or identity is None or not identity.verified:
        return {
            "thread_unverified": f"replied to conversation {conversation.id}, but the mail is not "
            f"authenticated (SPF {auth.spf}, DKIM {auth.dkim}, DMARC {auth.dmarc}), so it was kept apart"
        }
    return None


def _address(raw: object) -> str | None:
    try:
        return normalise_email(str(raw)) if raw else None
    except InvalidIdentityError:
        return None


def reply_address(session: Session, conversation: Conversation, thread: list[Message]) -> str:
    """Where a reply on ``conversation`` goes: the address the thread is with when it is a verified
    address of the customer, else the customer's most recently verified address.

    Raises:
        UnverifiedRecipientError: the customer has no verified address (an agent confirms one by
            adding it to the customer, or the customer's next authenticated mail proves it).
    """
    verified = [i.value for i in verified_identities(session, conversation.customer_id, IdentityKind.EMAIL)]
    if not verified:
        raise UnverifiedRecipientError(
            f"customer {conversation.customer_id} has no verified e-mail address, so the reply was not "
            "sent: confirm the address on the customer (add it as an identity) first"
        )
    first = thread[0] if thread else None
    with_whom = None
    if first is not None:
        key = "from" if first.direction == Direction.INBOUND.value else "to"
        with_whom = _address(first.meta.get(key))
    return with_whom if with_whom in verified else verified[0]


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
