"""FastAPI dependency aliases shared by every route (``SessionDep``, ``SettingsDep``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import State

from config.db import pool_capacity
from config.settings import Settings


def connection_permits(state: State) -> tuple[anyio.Semaphore, anyio.CapacityLimiter]:
    """One permit per pooled connection, and a thread limiter of its own for closing sessions."""
    permits: tuple[anyio.Semaphore, anyio.CapacityLimiter] | None = getattr(state, "db_permits", None)
    if permits is None:
        capacity = pool_capacity(state.engine)
        permits = state.db_permits = (anyio.Semaphore(capacity), anyio.CapacityLimiter(capacity))
    return permits


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One database session per request, committed by the service that writes.

    A request waits for a permit here, on the event loop, before it may touch the pool. Sync routes
    run in AnyIO's 40-thread pool and FastAPI serializes their responses in that pool too, while the
    session still holds its connection; with more threads than connections, every thread could end
    up waiting for a connection held by a request that waits for a thread (a deadlock until the
    pool's 30 s timeout). With permits no thread ever waits for a connection.
    """
    state = request.app.state
    permits, closers = connection_permits(state)
    async with permits:
        session: Session = state.session_factory()
        try:
            yield session
        finally:
            if session.in_transaction():  # rolls back on the connection: network I/O, off the loop
                await anyio.to_thread.run_sync(session.close, limiter=closers)
            else:
                session.close()


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
