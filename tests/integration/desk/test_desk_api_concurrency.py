"""More concurrent requests than threads and pooled connections must queue, never deadlock.

Sync routes run in AnyIO's thread pool and FastAPI serializes their answers there too, while the
request's session still holds its connection. With a fixed pool smaller than the thread limit, the
threads could all wait for connections held by requests that wait for a thread. Here: 2 threads,
1 connection, 12 requests at once; they must all be answered in seconds (not after the pool's
30 s timeout, as 500s).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import anyio.to_thread
import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.models import Role
from config.sessions import open_session_for
from desk.desk_helpers import desk_app, make_user

pytestmark = pytest.mark.integration


async def test_more_requests_than_threads_and_connections_are_all_answered_without_a_deadlock(
    desk_pg_url: str, tmp_path: Path, redis_url: str, desk_factory: sessionmaker[Session]
) -> None:
    token = open_session_for(desk_factory, make_user(desk_factory, Role.AGENT, "reader").id)
    app = desk_app(desk_pg_url, tmp_path, redis_url)
    app.state.engine.dispose()
    app.state.engine = make_engine(desk_pg_url, pool_size=1)
    app.state.session_factory = make_session_factory(app.state.engine)
    limiter = anyio.to_thread.current_default_thread_limiter()
    saved_tokens, limiter.total_tokens = limiter.total_tokens, 2
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://desk.test",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            started = time.monotonic()
            answers = await asyncio.wait_for(
                asyncio.gather(*(client.get("/api/tickets", params={"limit": 5}) for _ in range(12))),
                timeout=20,
            )
            elapsed = time.monotonic() - started
    finally:
        limiter.total_tokens = saved_tokens
        app.state.engine.dispose()
    assert [a.status_code for a in answers] == [200] * 12
    assert elapsed < 10
