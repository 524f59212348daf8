"""Loopback stand-ins for the outside world of the text channels: an SMTP relay and an SMS gateway.

Both are real servers on 127.0.0.1 (aiosmtpd, http.server); tests check what reached them.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from channel_senders import RelayInbox, free_port

from tickets.channels.signing import verify_webhook

GATEWAY_SECRET = "gateway-" + uuid.uuid4().hex


@pytest.fixture
def relay() -> Iterator[tuple[int, RelayInbox]]:
    inbox, port = RelayInbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


class Gateway(BaseHTTPRequestHandler):
    """A loopback SMS gateway that checks Voxdesk's signature like a real provider checks its API key."""

    received: list[dict[str, Any]] = []
    fail_with: int | None = None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        try:
            verify_webhook(
                GATEWAY_SECRET,
                self.headers.get("x-voxdesk-timestamp"),
                self.headers.get("x-voxdesk-signature"),
                body,
            )
        except Exception:
            return self._answer(401, {"error": "bad signature"})
        if Gateway.fail_with:
            return self._answer(Gateway.fail_with, {"error": "gateway trouble"})
        Gateway.received.append(
            {"path": self.path, "type": self.headers.get("content-type"), **json.loads(body)}
        )
        self._answer(200, {"id": f"SM{len(Gateway.received)}"})

    def _answer(self, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def gateway_url() -> Iterator[str]:
    Gateway.received, Gateway.fail_with = [], None
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/messages"
    finally:
        server.shutdown()
        server.server_close()
