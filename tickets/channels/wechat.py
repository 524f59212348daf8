"""WeChat Official Account-style adapter: signed GET verification, XML push in, XML reply out.

Pushes come in WeChat's safe mode by default (:mod:`tickets.channels.wechat_crypto`: encrypted, and
``msg_signature`` covers the body). Plain mode, whose ``signature`` is only sha1 over the sorted
(token, timestamp, nonce) and so does not cover the body, is accepted only when an admin sets
``channels.wechat_mode = "plain"``. In both modes each (timestamp, nonce) is accepted once
(:mod:`tickets.channels.replay`). XML is parsed with defusedxml (no entities, no DTDs).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Literal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from sqlalchemy.orm import Session

from config.events import Notifier
from tickets.channels.base import InboundMessage, OutboundMessage, store_inbound_once
from tickets.channels.delivery import store_then_deliver
from tickets.channels.exceptions import ChannelNotConfiguredError, PayloadError, SignatureError
from tickets.channels.providers import MessagingProvider
from tickets.channels.wechat_crypto import WeChatCrypto
from tickets.conversations.models import Channel, Conversation, Message
from tickets.customers.exceptions import InvalidIdentityError
from tickets.customers.identities import normalise_messaging
from tickets.customers.models import IdentityKind
from tickets.desk.outbox import DeskRuntime

KNOWN_FIELDS = {
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "MsgType",
    "Content",
    "MsgId",
    "MsgDataId",
    "Idx",
    "Event",
    "EventKey",
    "Ticket",
    "PicUrl",
    "MediaId",
    "Format",
    "Recognition",
    "ThumbMediaId",
    "Location_X",
    "Location_Y",
    "Scale",
    "Label",
    "Title",
    "Description",
    "Url",
}
TOLERANCE_SECONDS = 300


def wechat_signature(token: str, timestamp: str, nonce: str) -> str:
    joined = "".join(sorted([token, timestamp, nonce])).encode("utf-8", "surrogatepass")
    return hashlib.sha1(joined).hexdigest()  # noqa: S324 - WeChat's scheme


def fresh_timestamp(timestamp: str | None, nonce: str | None, now: float | None = None) -> int:
    """The request's timestamp when it is within 5 minutes of ``now`` and a nonce came with it."""
    if not timestamp or not nonce:
        raise SignatureError("signature, timestamp and nonce are required")
    # isascii: str.isdigit() is true for '²', which int() refuses
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise SignatureError("timestamp is malformed or more than 5 minutes off")
    if abs(int(timestamp) - (now or time.time())) > TOLERANCE_SECONDS:
        raise SignatureError("timestamp is malformed or more than 5 minutes off")
    return int(timestamp)


def verify_wechat_signature(
    token: str, signature: str | None, timestamp: str | None, nonce: str | None, now: float | None = None
) -> None:
    """Raise :class:`SignatureError` unless the request was signed with our token recently."""
    if not signature:
        raise SignatureError("signature, timestamp and nonce are required")
    fresh_timestamp(timestamp, nonce, now)
    assert timestamp is not None and nonce is not None  # checked just above
    # bytes: compare_digest refuses a str with non-ASCII characters, and a header may hold any
    given = signature.lower().encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(wechat_signature(token, timestamp, nonce).encode(), given):
        raise SignatureError("signature does not match")


@dataclass(frozen=True)
class WeChatAccount:
    """How pushes of our Official Account are checked; the secrets never show in a repr or log."""

    token: str = field(repr=False)
    mode: Literal["safe", "plain"]
    encoding_aes_key: str = field(repr=False)
    app_id: str | None


def open_wechat_push(
    account: WeChatAccount,
    raw: bytes,
    *,
    signature: str | None,
    msg_signature: str | None,
    timestamp: str | None,
    nonce: str | None,
    now: float | None = None,
) -> bytes:
    """The push's XML once its signature holds: decrypted in safe mode, as sent in plain mode.

    Raises:
        SignatureError: stale or forged, or a plain push while safe mode is on (the default).
        ChannelNotConfiguredError: safe mode without an AppID to check the decrypted body against.
    """
    if account.mode == "plain":
        verify_wechat_signature(account.token, signature, timestamp, nonce, now)
        return raw
    fresh_timestamp(timestamp, nonce, now)
    assert timestamp is not None and nonce is not None  # checked just above
    if not msg_signature:
        raise SignatureError(
            "WeChat safe mode: the push must be encrypted and carry msg_signature; plain pushes are "
            'accepted only when an admin sets channels.wechat_mode = "plain"'
        )
    if not account.app_id:
        raise ChannelNotConfiguredError(
            "WeChat safe mode needs the Official Account's AppID (channels.wechat_app_id)"
        )
    crypto = WeChatCrypto(account.token, account.encoding_aes_key, account.app_id)
    return crypto.open_push(raw, msg_signature, timestamp, nonce)


@dataclass(frozen=True)
class WeChatPush:
    to_user: str
    from_user: str
    msg_type: str
    content: str
    msg_id: str | None
    event: str | None


def parse_wechat_xml(raw: bytes) -> WeChatPush:
    """Read a push; unknown elements, nesting, DTDs and entities are refused."""
    try:
        root: Element = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError, LookupError) as exc:  # LookupError: encoding="x"
        raise PayloadError(f"malformed XML: {exc}") from exc
    if root.tag != "xml":
        raise PayloadError("root element must be <xml>")
    fields: dict[str, str] = {}
    for child in root:
        if child.tag not in KNOWN_FIELDS:
            raise PayloadError(f"unknown field <{child.tag}>")
        if len(child):
            raise PayloadError(f"field <{child.tag}> must hold text only")
        fields[child.tag] = (child.text or "").strip()
    for required in ("ToUserName", "FromUserName", "MsgType"):
        if not fields.get(required):
            raise PayloadError(f"missing <{required}>")
    if fields["MsgType"] == "text" and not fields.get("Content"):
        raise PayloadError("text message without <Content>")
    return WeChatPush(
        to_user=fields["ToUserName"],
        from_user=fields["FromUserName"],
        msg_type=fields["MsgType"],
        content=fields.get("Content", ""),
        msg_id=fields.get("MsgId"),
        event=fields.get("Event"),
    )


def _cdata(text: str) -> str:
    # "]]>" would end the section early; split it across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def build_reply_xml(to_user: str, from_user: str, content: str, now: float | None = None) -> str:
    """A passive text reply, answered in the response to the push."""
    return (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(now or time.time())}</CreateTime><MsgType>{_cdata('text')}</MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )


class WeChatAdapter:
    """Followers are customers with the messaging identity ``wechat:<openid>``."""

    channel = Channel.WECHAT

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

    @staticmethod
    def to_inbound(push: WeChatPush) -> InboundMessage:
        return InboundMessage(
            sender=push.from_user, body=push.content, external_id=push.msg_id, meta={"to": push.to_user}
        )

    def receive(self, session: Session, inbound: InboundMessage) -> Message:
        try:
            handle = normalise_messaging(f"wechat:{inbound.sender}")
        except InvalidIdentityError as exc:
            raise PayloadError(str(exc)) from exc
        return store_inbound_once(
            session,
            inbound,
            channel=Channel.WECHAT,
            identity=(IdentityKind.MESSAGING, handle),
            subject="WeChat",
            region=self._region,
            notifier=self._notifier,
            desk_runtime=self._desk_runtime,
        )

    def send(self, session: Session, conversation: Conversation, outbound: OutboundMessage) -> Message:
        if self._provider is None:
            raise ChannelNotConfiguredError("no WeChat customer-service provider is configured")
        openid = (conversation.external_ref or "").removeprefix("wechat:")
        provider = self._provider
        return store_then_deliver(
            session, conversation, outbound, lambda: provider.send(openid, outbound.body), self._notifier
        )
