"""The SMTP server Voxdesk runs for inbound mail (aiosmtpd), loopback by default, size-limited.

It knows what the mail's headers cannot fake: the connecting peer's IP, the envelope sender and the
HELO name, so it runs SPF, DKIM and DMARC (:mod:`tickets.channels.mail_auth`) before storing. A mail
that fails them is still accepted and stored (flagged, kept apart from existing threads): losing a
customer's mail is worse than showing it to an agent with a warning.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy.orm import Session, sessionmaker

from config.errors import VoxdeskError
from config.settings import ChannelSettings
from tickets.channels.email import EmailAdapter, parse_email
from tickets.channels.exceptions import PayloadError
from tickets.channels.mail_auth import authenticate_mail
from tickets.channels.mail_dns import DnsResolver, mail_resolver

log = logging.getLogger(__name__)


class InboundMailHandler:
    """aiosmtpd handler: accepts mail for our domain only, stores each mail as a message."""

    def __init__(
        self,
        adapter: EmailAdapter,
        factory: sessionmaker[Session],
        settings: ChannelSettings,
        resolver: DnsResolver,
    ) -> None:
        self._adapter = adapter
        self._factory = factory
        self._resolver = resolver
        self._domain = settings.mail_domain.lower()
        self._support = settings.support_address.lower()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: SmtpSession, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        address = address.lower()
        if address != self._support and not address.endswith("@" + self._domain):
            return "550 5.7.1 relaying denied: this server only accepts mail for " + self._domain
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: SmtpSession, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        peer_ip = str(session.peer[0]) if isinstance(session.peer, tuple) and session.peer else ""
        mail_from, helo = envelope.mail_from or "", session.host_name or ""
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self._store, raw, peer_ip, mail_from, helo)
        except PayloadError as exc:
            return f"550 5.6.0 {exc}"
        except VoxdeskError as exc:
            log.warning("inbound mail not stored: %s", exc)
            return "451 4.3.0 temporary failure, try again later"
        return "250 2.0.0 message accepted"

    def _store(self, raw: bytes, peer_ip: str, mail_from: str, helo: str) -> None:
        inbound = parse_email(raw)
        auth = authenticate_mail(
            raw, inbound.sender, self._resolver, peer_ip=peer_ip, mail_from=mail_from, helo=helo
        )
        with self._factory() as session:
            self._adapter.receive(session, inbound, auth)


def start_smtp_server(
    adapter: EmailAdapter,
    factory: sessionmaker[Session],
    settings: ChannelSettings,
    resolver: DnsResolver | None = None,
    **overrides: Any,
) -> Controller:
    """Start the SMTP server in a background thread; call ``.stop()`` on the result to end it.

    ``resolver`` answers the SPF/DKIM/DMARC lookups (default: as ``settings`` say)."""
    resolver = resolver or mail_resolver(settings.mail_dns_static_txt, settings.mail_dns_timeout_seconds)
    controller = Controller(
        InboundMailHandler(adapter, factory, settings, resolver),
        hostname=overrides.get("host", settings.smtp_host),
        port=overrides.get("port", settings.smtp_port),
        data_size_limit=settings.smtp_max_bytes,
        ident="Voxdesk",
    )
    controller.start()
    return controller
