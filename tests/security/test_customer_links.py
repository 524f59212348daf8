"""Issue 12, customer pages: a progress or survey link opens only with its own signed token, the token
never reaches a log line (not even from ``/csat?token=``), and what an agent wrote reaches the
customer's page as text, never as markup."""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from security_helpers import SecureApp

from tickets.channels.signing import sign_token
from tickets.conversations.models import Channel
from tickets.conversations.services import open_conversation
from tickets.customers.models import IdentityKind
from tickets.customers.services import find_or_create_customer
from tickets.desk import services
from tickets.desk.models import TicketNote
from tickets.desk.outbox import DeskRuntime
from tickets.desk.schemas import TicketCreate
from tickets.desk.services import Actor
from tickets.progress.links import PROGRESS_TOKEN_PURPOSE, issue_progress_token

pytestmark = pytest.mark.integration
PROGRESS = "/api/public/tickets/progress"
STATIC = Path(__file__).resolve().parents[2] / "web" / "console" / "static"
CUSTOMER_SCRIPTS = ("csat.js", "track.js", "customer_link.js")
MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def _ticket_with_public_note(secure_app: SecureApp, note: str) -> int:
    """A customer's ticket with a public reply ``note`` and an internal one (stored as the desk does)."""
    with secure_app.app.state.session_factory() as session:
        customer = find_or_create_customer(session, IdentityKind.PHONE, "+17182345678", "US")
        conversation = open_conversation(session, customer.id, Channel.SMS, external_ref="+17182345678")
        data = TicketCreate(subject="Router", customer_id=customer.id, conversation_id=conversation.id)
        ticket = services.create_ticket(session, DeskRuntime(), data, Actor("bot"))
        session.add(TicketNote(ticket_id=ticket.id, author="agent1", body=note, internal=False))
        session.add(TicketNote(ticket_id=ticket.id, author="agent1", body="internal: VIP?", internal=True))
        session.commit()
        return ticket.id


def test_only_the_tickets_own_signed_token_opens_its_progress(secure_app: SecureApp) -> None:
    ticket_id = _ticket_with_public_note(secure_app, "On its way")
    secret = secure_app.app.state.secret_key
    good = issue_progress_token(secret, ticket_id)
    assert secure_app.client.get(PROGRESS, headers={"X-Progress-Token": good}).status_code == 200
    _id, expiry, signature = good.split(".")
    refused: list[str | bytes] = [
        f"{ticket_id + 1}.{expiry}.{signature}",  # another ticket under this signature
        f"{ticket_id}.{int(expiry) + 86400}.{signature}",  # a longer life under this signature
        sign_token(secret, PROGRESS_TOKEN_PURPOSE, str(ticket_id), 60, now=time.time() - 120),  # expired
        sign_token(secret, "webchat-visitor", str(ticket_id), 600),  # our key, another purpose
        issue_progress_token("another-deployment-" + uuid.uuid4().hex, ticket_id),
        "../../etc/passwd",
        ("ü" * 20).encode(),  # non-ASCII bytes in the header
    ]
    for token in refused:
        answer = secure_app.client.get(PROGRESS, headers={"X-Progress-Token": token})
        assert answer.status_code == 401, (token, answer.status_code, answer.text)
        assert "On its way" not in answer.text  # nothing of the ticket leaks
    signed_in = secure_app.client.get(PROGRESS, headers=secure_app.bearer("admin"))
    assert signed_in.status_code == 422  # a console session is no progress token
    # A progress token answers no survey (and a survey token opens no ticket: different stores).
    survey = secure_app.client.post("/api/csat/answers", json={"token": good, "score": 5})
    assert survey.status_code == 401


def test_a_public_update_with_markup_is_sent_as_data_and_the_page_renders_it_as_text(
    secure_app: SecureApp,
) -> None:
    ticket_id = _ticket_with_public_note(secure_app, MARKUP)
    token = issue_progress_token(secure_app.app.state.secret_key, ticket_id)
    answer = secure_app.client.get(PROGRESS, headers={"X-Progress-Token": token})
    assert answer.headers["content-type"] == "application/json"
    assert [u["body"] for u in answer.json()["updates"]] == [MARKUP]  # as written, internal one left out
    page = secure_app.client.get("/track")
    assert "onerror" not in page.text  # the page holds no ticket data; its script fetches it
    assert re.search(r"<script(?![^>]*\bsrc=)", page.text) is None  # no inline script
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"  # the address never leaves as a referrer
    for name in CUSTOMER_SCRIPTS:  # data reaches the DOM through textContent only
        source = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", source), name


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # httpx's lines are this test's own client naming the URL it asked for, not the server's log
        # (they reach the root logger only when an earlier test set httpx to INFO).
        if record.name.startswith(("httpx", "httpcore")):
            return
        self.lines.append(record.getMessage())


@pytest.fixture
def served(secure_app: SecureApp) -> Iterator[tuple[str, _Lines]]:
    """The app under real uvicorn with its access log on (INFO), every log line collected."""
    port = _free_port()
    config = uvicorn.Config(secure_app.app, host="127.0.0.1", port=port, log_level="info", access_log=True)
    lines = _Lines()
    loggers = [logging.getLogger(name) for name in ("uvicorn.access", "uvicorn.error", "")]
    for logger in loggers:
        logger.addHandler(lines)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-link-tokens", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", lines
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        for logger in loggers:
            logger.removeHandler(lines)


def test_a_link_token_in_the_query_is_moved_to_the_fragment_and_never_logged(
    secure_app: SecureApp, served: tuple[str, _Lines]
) -> None:
    base, lines = served
    ticket_id = _ticket_with_public_note(secure_app, "On its way")
    progress_token = issue_progress_token(secure_app.app.state.secret_key, ticket_id)
    survey_token = "survey" + uuid.uuid4().hex
    with httpx.Client(base_url=base) as client:
        moved = client.get(f"/csat?token={survey_token}&lang=zh&marker=visible-in-log")
        assert moved.status_code == 303
        assert moved.headers["location"] == f"/csat?lang=zh&marker=visible-in-log#token={survey_token}"
        moved = client.get(f"/track?token={progress_token}")
        assert moved.status_code == 303 and moved.headers["location"] == f"/track#token={progress_token}"
        assert client.get("/track").status_code == 200
        answer = client.get(PROGRESS, headers={"X-Progress-Token": progress_token})
        assert answer.status_code == 200
        assert client.post("/api/csat/answers", json={"token": survey_token, "score": 3}).status_code == 401
    time.sleep(0.2)  # the access log line is written as the answer starts; let the server thread finish
    logged = "\n".join(lines.lines)
    assert "visible-in-log" in logged and "GET /track" in logged  # the access log was on and collected
    assert survey_token not in logged and progress_token not in logged
