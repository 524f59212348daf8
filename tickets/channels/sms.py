"""SMS: signed JSON webhooks in, a provider out; one conversation per customer number."""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from config.events import Notifier
from tickets.channels.base import InboundMessage, OutboundMessage, store_inbound_once
from tickets.channels.delivery import store_then_deliver
from tickets.channels.exceptions import ChannelNotConfiguredError, PayloadError
from tickets.channels.providers import MessagingProvider
from tickets.conversations.models import Channel, Conversation, Message
from tickets.customers.exceptions import InvalidIdentityError
from tickets.customers.identities import normalise_phone
from tickets.customers.models import IdentityKind
from tickets.desk.outbox import DeskRuntime


class SmsWebhook(BaseModel):
    """What the gateway posts; unknown fields are refused so a changed format is noticed."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    sender: str = Field(alias="from", min_length=3, max_length=32)
    to: str = Field(min_length=1, max_length=32)
    body: str = Field(min_length=1, max_length=1600)
    id: str = Field(min_length=1, max_length=128)


def parse_sms_webhook(raw: bytes) -> InboundMessage:
    """Validate the JSON body; :class:`PayloadError` names what is wrong."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:  # [[[[... nests too deep
        raise PayloadError(f"body is not JSON: {exc}") from exc
    try:
        hook = SmsWebhook.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        raise PayloadError(f"invalid SMS webhook: {problems}") from exc
    return InboundMessage(sender=hook.sender, body=hook.body, external_id=hook.id, meta={"to": hook.to})


class SmsAdapter:
    """Customers are recognised by their number in E.164."""

    channel = Channel.SMS

    def __init__(
        self,
        default_region: str,
        provider: MessagingProvider | None,
        notifier: Notifier | None,
        desk_runtime: DeskRuntime | None = None,
    ) -> None:
        self._region = default_region
        self._provider = provider
        self._notifier = notifier
        self._desk_runtime = desk_runtime

    def receive(self, session: Session, inbound: InboundMessage) -> Message:
        try:
            number = normalise_phone(inbound.sender, self._region)
        except InvalidIdentityError as exc:
            raise PayloadError(str(exc)) from exc
        return store_inbound_once(
            session,
            inbound,
            channel=Channel.SMS,
            identity=(IdentityKind.PHONE, number),
            subject="SMS",
            region=self._region,
            notifier=self._notifier,
            desk_runtime=self._desk_runtime,
        )

    def send(self, session: Session, conversation: Conversation, outbound: OutboundMessage) -> Message:
        if self._provider is None:
            raise ChannelNotConfiguredError("no SMS provider is configured (channels.sms_provider_url)")
        if not conversation.external_ref:
            raise PayloadError("this SMS conversation has no customer number")
        provider = self._provider
        recipient = conversation.external_ref
        return store_then_deliver(
            session, conversation, outbound, lambda: provider.send(recipient, outbound.body), self._notifier
        )
