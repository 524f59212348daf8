"""A visitor chats through the embedded widget in real Chromium; an agent answers over a real WebSocket."""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from websockets.sync.client import ClientConnection, connect

from config.models import Role, User
from config.sessions import open_session
from tickets.conversations.models import Channel
from tickets.conversations.services import find_by_external_ref, list_messages

pytestmark = pytest.mark.browser
HOSTILE = "<img src=x onerror=alert(1)>"
SCREENSHOT = os.path.join(tempfile.gettempdir(), "voxdesk-webchat-widget.png")


class AgentSocket:
    """The agent's side of the chat: a WebSocket client with a signed agent token."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    def send(self, frame: dict[str, Any]) -> None:
        self.ws.send(json.dumps(frame))

    def wait_for(self, wanted: Callable[[dict[str, Any]], bool], seconds: float = 10) -> dict[str, Any]:
        """The first frame ``wanted`` accepts, skipping others; fails after ``seconds``."""
        deadline = time.monotonic() + seconds
        seen = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = json.loads(self.ws.recv(timeout=left))
            except TimeoutError:
                break
            if wanted(frame):
                return dict(frame)
            seen.append(frame)
        raise AssertionError(f"no wanted frame within {seconds}s; got {seen}")


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 900, "height": 560})
    try:
        yield context.new_page()
    finally:
        context.close()


def open_agent_socket(live_app: Any, conversation_id: int) -> ClientConnection:
    """Sign in as a real agent (a users row, so replies can name their author) and open the chat."""
    with live_app.session_factory() as session:
        name = f"maria-{uuid.uuid4().hex[:6]}"
        user = User(username=name, display_name="Maria", role=Role.AGENT, password_hash="!")
        session.add(user)
        session.flush()
        token = open_session(session, user.id)
        session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    answer = httpx.post(f"{live_app.base_url}/api/auth/ws-ticket", headers=bearer, timeout=10)
    assert answer.status_code == 200, answer.text
    url, ticket = live_app.base_url.replace("http", "ws", 1), answer.json()["ticket"]
    return connect(f"{url}/ws/webchat/agent/{conversation_id}?ticket={ticket}", open_timeout=10)


def test_visitor_and_agent_chat_with_typing_read_state_and_markup_shown_as_text(
    page: Page, live_app: Any, host_page: str
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(host_page)
    log, status = page.locator(".vxd-log"), page.locator(".vxd-typing")
    message_box = page.get_by_placeholder("Type a message")

    # The visitor opens the chat from the shop's page (another origin) and presses Enter.
    page.get_by_placeholder("Your name").fill("Ana Lee")
    page.get_by_placeholder("E-mail or phone (optional)").fill("ana.browser@example.com")
    message_box.fill("Where is my parcel?")
    message_box.press("Enter")
    expect(log).to_contain_text("You: Where is my parcel?")

    token = page.evaluate("window.localStorage.getItem('voxdesk_visitor_token')")
    with live_app.session_factory() as session:
        conversation = find_by_external_ref(session, Channel.WEBCHAT, str(token).split(".")[0])
        assert conversation is not None
        conversation_id = conversation.id

    with open_agent_socket(live_app, conversation_id) as ws:
        agent = AgentSocket(ws)
        ready = agent.wait_for(lambda f: f["type"] == "ready")
        [question] = ready["history"]
        assert question["body"] == "Where is my parcel?" and question["author_kind"] == "customer"

        # The visitor typing shows up on the agent's side...
        message_box.press_sequentially("Also", delay=20)
        typing = agent.wait_for(lambda f: f["type"] == "conversation.typing")
        assert typing["data"] == {**typing["data"], "author_kind": "customer", "typing": True}

        # ...and the agent typing shows up in the widget.
        agent.send({"type": "typing", "typing": True})
        expect(status).to_have_text("Agent is typing...")
        agent.send({"type": "typing", "typing": False})
        expect(status).to_have_text("")

        # The agent replies; the reply appears in the widget and the widget reports it as read.
        agent.send({"type": "message", "body": "It ships tomorrow."})
        # the agent's name as stored (the session names the user; a token no longer carries a name)
        expect(log).to_contain_text("Maria: It ships tomorrow.")  # the public name, never the username
        reply = agent.wait_for(
            lambda f: f["type"] == "conversation.message" and f["data"]["author_kind"] == "agent"
        )
        read = agent.wait_for(lambda f: f["type"] == "conversation.read")
        assert read["data"]["reader_kind"] == "customer"
        assert read["data"]["up_to_message_id"] == reply["data"]["message_id"]

        # The agent reads the visitor's line: the widget says so.
        agent.send({"type": "read", "up_to_message_id": question["id"]})
        expect(status).to_have_text("Seen")

        # Markup from either side is shown as text: no element, no script, no dialog.
        message_box.fill(HOSTILE)
        message_box.press("Enter")
        agent.wait_for(lambda f: f["type"] == "conversation.message" and f["data"]["body"] == HOSTILE)
        agent.send({"type": "message", "body": f"You wrote {HOSTILE}"})
        expect(log).to_contain_text("Maria: You wrote " + HOSTILE)
        expect(log).not_to_contain_text("maria-")
        expect(log).to_contain_text(f"You: {HOSTILE}")
        page.wait_for_timeout(300)  # time for an onerror handler to have fired, had an image been made
        assert page.locator(".vxd-chat img").count() == 0
        assert page.evaluate("document.images.length") == 0
        assert dialogs == []

    with live_app.session_factory() as session:
        stored = [
            (m.author_kind, m.body, m.read_at is not None) for m in list_messages(session, conversation_id)
        ]
    assert stored == [
        ("customer", "Where is my parcel?", True),
        ("agent", "It ships tomorrow.", True),
        ("customer", HOSTILE, False),
        ("agent", f"You wrote {HOSTILE}", True),
    ]
    page.screenshot(path=SCREENSHOT)
