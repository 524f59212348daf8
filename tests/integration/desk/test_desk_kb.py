"""Knowledge base: search by words in English and Chinese on PostgreSQL and SQLite, live edits to consoles."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
import websockets
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.events import Notifier
from config.migrate import upgrade
from config.models import Role
from config.sessions import open_session_for
from desk.desk_helpers import desk_app, make_user
from tickets.desk.outbox import DeskRuntime
from tickets.kb import services
from tickets.kb.schemas import ArticleCreate, ArticleUpdate
from tickets.kb.search import search_articles

pytestmark = pytest.mark.integration


def check_search(session: Session, runtime: DeskRuntime) -> None:
    marker = f"kx{uuid.uuid4().hex[:8]}"
    refund = services.create_article(
        session,
        runtime,
        ArticleCreate(
            title=f"{marker} Refunds for damaged goods",
            body="Customers get a full refund within 14 days.",
            tags=["billing"],
            status="published",
        ),
        "editor",
    )
    chinese = services.create_article(
        session,
        runtime,
        ArticleCreate(
            title=f"{marker} 退款政策",
            body="如果商品在运输中损坏。客户可以在十四天内申请退款并获得全额赔偿。",
            status="published",
        ),
        "editor",
    )
    draft = services.create_article(
        session, runtime, ArticleCreate(title=f"{marker} refund draft", body="not yet"), "editor"
    )

    def found(query: str) -> list[int]:
        return [hit.id for hit in search_articles(session, f"{marker} {query}")[0]]

    assert found("refund") == [refund.id]  # the draft is not shown to agents
    assert found("REFUND days damaged") == [refund.id]
    assert found("申请退款") == [chinese.id]  # words inside a sentence with no spaces
    assert found("全额") == [chinese.id]
    assert found("退") == [chinese.id]  # a single character
    assert found("款退") == []  # the same characters in another order are another word
    assert found("refund elephant") == []  # every word must match
    assert search_articles(session, "&|!()")[0] == []  # nothing to search for, not a syntax error

    services.update_article(
        session, runtime, refund.id, ArticleUpdate(body="A full refund now takes 30 days."), "editor"
    )
    assert found("14") == []  # the old wording is gone from the index
    assert found("30 days") == [refund.id]
    services.update_article(session, runtime, draft.id, ArticleUpdate(status="published"), "editor")
    assert set(found("refund")) == {refund.id, draft.id}
    assert [v.version for v in services.list_versions(session, refund.id)] == [1, 2]


def test_search_finds_articles_by_english_and_chinese_words_on_postgresql(
    session: Session, runtime: DeskRuntime
) -> None:
    check_search(session, runtime)


def test_search_finds_articles_by_english_and_chinese_words_on_sqlite_fts5(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'voxdesk.db'}"
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        check_search(session, DeskRuntime())
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(desk_pg_url: str, tmp_path: Path, redis_url: str) -> Iterator[tuple[str, str]]:
    """The real app under uvicorn on loopback (WebSockets need a real server)."""
    app = desk_app(desk_pg_url, tmp_path, redis_url, DeskRuntime(events=Notifier.from_url(redis_url)))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"127.0.0.1:{port}", app.state.secret_key
    server.should_exit = True
    thread.join(timeout=10)


async def test_a_published_edit_reaches_a_subscribed_console_through_redis(
    live_server: tuple[str, str], desk_factory: sessionmaker[Session]
) -> None:
    address, _secret = live_server
    editor = make_user(desk_factory, Role.SUPERVISOR, "editor")
    agent = make_user(desk_factory, Role.AGENT, "agent")
    editor_auth = {"Authorization": f"Bearer {open_session_for(desk_factory, editor.id)}"}
    agent_auth = {"Authorization": f"Bearer {open_session_for(desk_factory, agent.id)}"}
    async with httpx.AsyncClient(base_url=f"http://{address}", headers=editor_auth) as http:
        ticket = (await http.post("/api/auth/ws-ticket", headers=agent_auth)).json()["ticket"]
        created = await http.post(
            "/api/kb/articles",
            json={"title": "Wi-Fi reset", "body": "Hold the button 10 s", "status": "published"},
        )
        assert created.status_code == 201
        article = created.json()
        async with websockets.connect(f"ws://{address}/ws/kb?ticket={ticket}") as console:
            hello = json.loads(await asyncio.wait_for(console.recv(), 10))
            assert hello["type"] == "subscribed"
            edit = await http.patch(
                f"/api/kb/articles/{article['id']}", json={"body": "Hold the button 30 s", "base_version": 1}
            )
            assert edit.status_code == 200
            while True:  # other tests may publish on the shared kb channel too
                pushed = json.loads(await asyncio.wait_for(console.recv(), 10))
                if pushed["data"].get("article_id") == article["id"]:
                    break
            assert pushed["type"] == "kb.article_published" and pushed["data"]["version"] == 2
        stale = await http.patch(
            f"/api/kb/articles/{article['id']}", json={"body": "lost", "base_version": 1}
        )
        assert stale.status_code == 409


async def test_the_live_feed_refuses_a_console_without_a_valid_ticket(live_server: tuple[str, str]) -> None:
    address, _secret = live_server
    for query in ("", "?ticket=forged", "?token=forged.token.value.x.y"):
        with pytest.raises(websockets.exceptions.WebSocketException):
            async with websockets.connect(f"ws://{address}/ws/kb{query}") as console:
                await asyncio.wait_for(console.recv(), 5)
