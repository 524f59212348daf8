"""The SMTP server Voxdesk runs for inbound mail (aiosmtpd), loopback by default, size-limited."""

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

log = logging.getLogger(__name__)


class InboundMailHandler:
    """aiosmtpd handler: accepts mail for our domain only, stores each mail as a message."""

    def __init__(
        self, adapter: EmailAdapter, factory: sessionmaker[Session], settings: ChannelSettings
    ) -> None:
        self._adapter = adapter
        self._factory = factory
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
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self._store, raw)
        except PayloadError as exc:
            return f"550 5.6.0 {exc}"
        except VoxdeskError as exc:
            log.warning("inbound mail not stored: %s", exc)
            return "451 4.3.0 temporary failure, try again later"
        return "250 2.0.0 message accepted"

    def _store(self, raw: bytes) -> None:
        inbound = parse_email(raw)
        with self._factory() as session:
            self._adapter.receive(session, inbound)


def start_smtp_server(
    adapter: EmailAdapter, factory: sessionmaker[Session], settings: ChannelSettings, **overrides: Any
) -> Controller:
    """Start the SMTP server in a background thread; call ``.stop()`` on the result to end it."""
    controller = Controller(
        InboundMailHandler(adapter, factory, settings),
        hostname=overrides.get("host", settings.smtp_host),
        port=overrides.get("port", settings.smtp_port),
        data_size_limit=settings.smtp_max_bytes,
        ident="Voxdesk",
    )
    controller.start()
    return controller
