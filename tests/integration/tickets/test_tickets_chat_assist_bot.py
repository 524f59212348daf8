"""Agent assist and the FAQ bot on a real web chat (app, PostgreSQL, Redis, WebSockets, encoder)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from channel_senders import signed_sms
from fastapi.testclient import TestClient
from loopback_servers import GATEWAY_SECRET, Gateway
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import WebSocketTestSession

from config.db import make_engine, make_session_factory, session_scope
from config.models import Role, User
from config.sessions import open_session
from config.settings import QaSettings, Settings
from qa.assist.kb_file import read_kb_file
from tickets.conversations.models import AuthorKind, Direction, Message
from tickets.desk.models import Ticket, TicketNote
from tickets.desk.outbox import DeskRuntime
from tickets.kb.importer import import_entries
from web.app import create_app

pytestmark = pytest.mark.integration

KB_FILE = Path(__file__).resolve().parents[2] / "data" / "qa" / "kb_articles.csv"


class AssistApp:
    def __init__(self, client: TestClient, factory: sessionmaker[Session]) -> None:
        self.client = client
        self.factory = factory
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, int] = {}

    def header(self, who: str, role: Role = Role.AGENT) -> dict[str, str]:
        if who not in self.tokens:
            with session_scope(self.factory) as session:
                user = User(
                    username=f"{who}-{uuid.uuid4().hex[:6]}", display_name=who, role=role, password_hash="!"
                )
                session.add(user)
                session.flush()
                self.ids[who] = user.id
                self.tokens[who] = open_session(session, user.id)
        return {"authorization": f"Bearer {self.tokens[who]}"}

    def ws_ticket(self, who: str, role: Role = Role.AGENT) -> str:
        answer = self.client.post("/api/auth/ws-ticket", headers=self.header(who, role))
        return str(answer.json()["ticket"])

    def messages(self, conversation_id: int) -> list[Message]:
        with self.factory() as session:
            return list(
                session.scalars(
                    select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
                )
            )


@pytest.fixture(scope="module")
def assist_db(migrated_postgres: Callable[[str], str]) -> Iterator[sessionmaker[Session]]:
    """A database of this module's own with the test knowledge base published (the bot answers from
    it, so other tests' chats must not share it)."""
    engine = make_engine(migrated_postgres("assist"))
    factory = make_session_factory(engine)
    with factory() as session:
        import_entries(session, DeskRuntime(), read_kb_file(KB_FILE))
    yield factory
    engine.dispose()


def make_app(factory: sessionmaker[Session], settings: Settings, tmp_path: Path, **qa: Any) -> Settings:
    url = factory.kw["bind"].url.render_as_string(hide_password=False).replace("+psycopg", "")
    return settings.model_copy(update={"database_url": url, "data_dir": tmp_path, "qa": QaSettings(**qa)})


@pytest.fixture
def app(assist_db: sessionmaker[Session], tickets_settings: Settings, tmp_path: Path) -> Iterator[AssistApp]:
    with TestClient(create_app(make_app(assist_db, tickets_settings, tmp_path))) as client:
        yield AssistApp(client, assist_db)


def visitor(app: AssistApp) -> tuple[WebSocketTestSession, Any]:
    token = app.client.post("/api/webchat/visitors").json()["visitor_token"]
    return app.client.websocket_connect(f"/ws/webchat/visitor?visitor_token={token}"), token


def say(ws: WebSocketTestSession, text: str) -> dict[str, Any]:
    """Send a line and return the echo of it (the chat stores it before anything else happens)."""
    ws.send_json({"type": "message", "body": text})
    echo = ws.receive_json()
    assert echo["type"] == "conversation.message" and echo["data"]["body"] == text, echo
    return echo


def settle(ws: WebSocketTestSession) -> None:
    """Frames are handled in order: once a typing frame comes back, the previous line's bot run is over."""
    ws.send_json({"type": "typing", "typing": True})
    while (frame := ws.receive_json())["type"] != "conversation.typing":
        assert frame["type"] == "conversation.message", frame


def test_the_bot_answers_a_known_question_then_hands_over_when_it_did_not_help(app: AssistApp) -> None:
    socket, _token = visitor(app)
    with socket as ws:
        ws.send_json({"type": "hello", "name": "Ana"})
        chat_id = ws.receive_json()["conversation_id"]
        say(ws, "I forgot my password and can't sign in")
        answer = ws.receive_json()["data"]
        assert answer["author_kind"] == "bot" and answer["author_name"] == "Voxdesk assistant"
        assert (
            answer["body"].startswith("I'm Voxdesk's automated assistant.")
            and "Forgot password" in answer["body"]
        )
        say(ws, "no")
        handover = ws.receive_json()["data"]
        assert handover["author_kind"] == "bot" and "passing you to a member of our team" in handover["body"]
        say(ws, "hello? anyone?")
        settle(ws)
    stored = app.messages(chat_id)
    bot = [m for m in stored if m.author_kind == AuthorKind.BOT.value]
    assert [m.meta["faq_bot"]["kind"] for m in bot] == ["answer", "handover"]  # and nothing after
    assert bot[0].meta["faq_bot"]["article_key"] == "password-reset"
    [note] = [m for m in stored if m.direction == Direction.INTERNAL.value]
    assert "the answer did not help" in note.body and "kb:password-reset" in note.body
    with app.factory() as session:
        notes = session.scalars(select(TicketNote).where(TicketNote.author == "faq-bot")).all()
        assert any("kb:password-reset" in n.body and n.internal for n in notes)


def test_an_unknown_question_is_handed_over_and_the_visitor_never_sees_the_note(app: AssistApp) -> None:
    socket, token = visitor(app)
    with socket as ws:
        ws.send_json({"type": "hello", "name": "Bo"})
        chat_id = ws.receive_json()["conversation_id"]
        say(ws, "can I bring my dog into your store")
        handover = ws.receive_json()["data"]
        assert handover["author_kind"] == "bot" and "passing you to a member of our team" in handover["body"]
        settle(ws)
    with app.client.websocket_connect(f"/ws/webchat/visitor?visitor_token={token}") as again:
        again.send_json({"type": "hello"})
        history = again.receive_json()["history"]
    assert [m["author_kind"] for m in history] == ["customer", "bot"]  # no internal note
    lead = app.header("lead", Role.SUPERVISOR)
    thread = app.client.get(f"/api/conversations/{chat_id}/messages", headers=lead).json()
    note = next(m for m in thread if m["direction"] == "internal")
    assert "no article matches" in note["body"] and "can I bring my dog" in note["body"]


def test_an_agent_in_the_chat_gets_live_suggestions_and_the_bot_keeps_quiet(app: AssistApp) -> None:
    socket, _token = visitor(app)
    with socket as ws:
        ws.send_json({"type": "hello", "name": "Cy"})
        chat_id = ws.receive_json()["conversation_id"]
        ticket = app.ws_ticket("anna")
        with app.client.websocket_connect(f"/ws/webchat/agent/{chat_id}?ticket={ticket}") as agent:
            assert agent.receive_json()["type"] == "ready"
            say(ws, "我的银行卡丢了怎么办")
            seen: dict[str, dict[str, Any]] = {}
            while len(seen) < 2:
                frame = agent.receive_json()
                seen[frame["type"]] = frame["data"]
            live = seen["qa.chat_suggestion"]
            assert live["conversation_id"] == chat_id and live["language"] == "zh"
            assert [s["rank"] for s in live["suggestions"]] == [1, 2, 3]
            assert live["suggestions"][0]["source"] == "kb:card-lost-zh"
            assert live["actions"][0] == {
                "intent": "card_lost",
                "label": "Block the card",
                "action": "card.block",
            }
            settle(ws)  # the visitor got only the chat itself: no suggestion, no bot line
    assert not [m for m in app.messages(chat_id) if m.author_kind == AuthorKind.BOT.value]
    polled = app.client.get(f"/api/conversations/{chat_id}/suggestions", headers=app.header("anna")).json()
    assert (
        polled["suggestions"][0]["article_key"] == "card-lost-zh" and polled["suggestions"][0]["article_id"]
    )
    assert polled["message_id"] == live["message_id"]
    with app.factory() as session:  # the chat's ticket becomes Anna's: out of the other agents' pool
        ticket = session.scalars(select(Ticket).where(Ticket.conversation_id == chat_id)).one()
        ticket.assignee_id = app.ids["anna"]
        session.commit()
    other = app.client.get(f"/api/conversations/{chat_id}/suggestions", headers=app.header("ben"))
    assert other.status_code == 404
    assert (
        app.client.get("/api/conversations/999999/suggestions", headers=app.header("anna")).status_code == 404
    )


def test_an_agent_joining_gets_the_current_suggestions_with_the_history(app: AssistApp) -> None:
    socket, _token = visitor(app)
    with socket as ws:
        ws.send_json({"type": "hello"})
        chat_id = ws.receive_json()["conversation_id"]
        say(ws, "hi")
        say(ws, "there's a payment on my statement i don't recognise")  # unclear: the bot asks again
        assert "other words" in ws.receive_json()["data"]["body"]
        ticket = app.ws_ticket("dee")
        with app.client.websocket_connect(f"/ws/webchat/agent/{chat_id}?ticket={ticket}") as agent:
            ready = agent.receive_json()
            assert ready["type"] == "ready" and len(ready["history"]) == 3
            assert "double-charge" in [s["article_key"] for s in ready["suggestions"]["suggestions"]]


def test_with_the_bot_switched_off_customers_get_no_bot_lines(
    assist_db: sessionmaker[Session], tickets_settings: Settings, tmp_path: Path
) -> None:
    settings = make_app(assist_db, tickets_settings, tmp_path, faq_bot_enabled=False)
    with TestClient(create_app(settings)) as client:
        app = AssistApp(client, assist_db)
        socket, _token = visitor(app)
        with socket as ws:
            ws.send_json({"type": "hello"})
            chat_id = ws.receive_json()["conversation_id"]
            say(ws, "I forgot my password and can't sign in")
            settle(ws)
    assert [m.author_kind for m in app.messages(chat_id)] == ["customer"]


def test_an_sms_question_gets_one_bot_text_even_when_the_gateway_retries(
    assist_db: sessionmaker[Session], tickets_settings: Settings, tmp_path: Path, gateway_url: str
) -> None:
    settings = make_app(assist_db, tickets_settings, tmp_path)
    channels = settings.channels.model_copy(
        update={"sms_provider_url": gateway_url, "sms_webhook_secret": GATEWAY_SECRET}
    )
    number = f"+1312{uuid.uuid4().int % 8_000_000 + 2_000_000}"
    body = json.dumps(
        {
            "from": number,
            "to": "+18005550100",
            "body": "how much is left on my gift card",
            "id": uuid.uuid4().hex,
        }
    ).encode()
    with TestClient(create_app(settings.model_copy(update={"channels": channels}))) as client:
        first = client.post(
            "/api/channels/sms/inbound", content=body, headers=signed_sms(GATEWAY_SECRET, body)
        )
        assert first.status_code == 200, first.text
        time.sleep(1.1)  # a retry is signed again, a second later
        retry = client.post(
            "/api/channels/sms/inbound", content=body, headers=signed_sms(GATEWAY_SECRET, body)
        )
        assert retry.json() == first.json()
    [sent] = [m for m in Gateway.received if m.get("to") == number]
    assert sent["body"].startswith("I'm Voxdesk's automated assistant.") and "three years" in sent["body"]
    stored = AssistApp(client, assist_db).messages(first.json()["conversation_id"])
    assert [(m.author_kind, (m.meta or {}).get("delivery")) for m in stored] == [
        ("customer", None),
        ("bot", "sent"),
    ]
