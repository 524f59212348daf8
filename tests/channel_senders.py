"""The outside world of the signed channels, for tests: WeChat's side of safe mode, a gateway's SMS
signature, a mail provider's DKIM key, a relay. Importable from every test folder (tests/ is on the path).

The WeChat encryption here is written from WeChat's published scheme, independently of
``tickets.channels.wechat_crypto``, so a test fails if the two disagree.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import socket
import struct
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage

import dkim
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tickets.channels.mail_auth import MailAuthResult, authenticate_mail
from tickets.channels.mail_dns import StaticResolver
from tickets.channels.signing import webhook_signature


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RelayInbox:
    """aiosmtpd handler standing in for the upstream relay: it keeps every delivered envelope."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 2.0.0 queued"


def new_encoding_aes_key() -> str:
    return base64.b64encode(os.urandom(32)).decode().rstrip("=")


def wechat_encrypt(encoding_aes_key: str, app_id: str, xml: bytes) -> str:
    """WeChat's side: 16 random bytes, length, XML, AppID, PKCS#7 to 32 bytes, AES-256-CBC."""
    key = base64.b64decode(encoding_aes_key + "=")
    plain = os.urandom(16) + struct.pack(">I", len(xml)) + xml + app_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - WeChat defines sha1


def text_push(openid: str, content: str, msg_id: str | None = None) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_shop]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or uuid.uuid4().int % 10**18}</MsgId></xml>"
    ).encode()


@dataclass(frozen=True)
class SafePush:
    query: str
    body: bytes


def safe_push(token: str, encoding_aes_key: str, app_id: str, xml: bytes) -> SafePush:
    """A push the way WeChat sends it in safe mode: encrypted body, msg_signature over it."""
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    encrypted = wechat_encrypt(encoding_aes_key, app_id, xml)
    query = (
        f"signature={sha1_sorted(token, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}"
        f"&encrypt_type=aes&msg_signature={sha1_sorted(token, timestamp, nonce, encrypted)}"
    )
    body = (
        f"<xml><ToUserName><![CDATA[gh_shop]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    return SafePush(query, body.encode())


def plain_query(token: str) -> str:
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    return f"signature={sha1_sorted(token, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}"


def signed_sms(secret: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "x-voxdesk-timestamp": timestamp,
        "x-voxdesk-signature": webhook_signature(secret, timestamp, body),
        "content-type": "application/json",
    }


@dataclass(frozen=True)
class DkimKey:
    """An RSA key pair: the private half signs in the test, the public half is the DNS record."""

    selector: str
    domain: str
    private_pem: bytes
    record: str

    @classmethod
    def generate(cls, domain: str, selector: str = "s1") -> DkimKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(selector, domain, pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode())

    @property
    def dns_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    def sign(self, raw: bytes) -> bytes:
        headers = [b"from", b"to", b"subject", b"message-id", b"in-reply-to", b"references"]
        signature = dkim.sign(
            raw, self.selector.encode(), self.domain.encode(), self.private_pem, include_headers=headers
        )
        return signature + raw


def customer_mail(
    sender: str, subject: str, body: str, message_id: str, replying_to: str | None = None
) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, "help@shop.test", subject
    mail["Message-ID"] = message_id
    if replying_to:
        mail["In-Reply-To"], mail["References"] = replying_to, replying_to
    mail.set_content(body)
    return mail.as_bytes()


def message_id(domain: str) -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


def loopback_spf(*domains: str) -> dict[str | tuple[str, str], list[str]]:
    """DNS in which each domain's SPF authorises mail from 127.0.0.1 (where tests send from)."""
    return {domain.lower(): ["v=spf1 ip4:127.0.0.1 -all"] for domain in domains}


def delivered_from_loopback(raw: bytes, sender: str) -> MailAuthResult:
    """What Voxdesk's SMTP server finds for ``raw`` sent from 127.0.0.1 by a domain whose SPF
    authorises loopback: an authenticated mail (SPF aligned with From)."""
    domain = sender.rpartition("@")[2]
    return authenticate_mail(
        raw,
        sender,
        StaticResolver(loopback_spf(domain)),
        peer_ip="127.0.0.1",
        mail_from=sender,
        helo=f"mx.{domain}",
    )


class RecordingSmsProvider:
    """The SMS gateway seam (``tickets.channels.providers.MessagingProvider``): keeps what would reach
    the customer's phone instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> str:
        self.sent.append((to, body))
        return f"sms-{len(self.sent)}-{uuid.uuid4().hex[:8]}"

    def last_link(self) -> str:
        """The first address in the last text (after a space, or a Chinese colon)."""
        found = re.search(r"https?://\S+", self.sent[-1][1])
        assert found is not None, self.sent[-1][1]
        return found.group(0)
