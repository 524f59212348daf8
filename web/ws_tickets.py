"""One-time WebSocket tickets: how a console opens a WebSocket without a token in the URL.

A signed-in client asks ``POST /api/auth/ws-ticket`` for a ticket and opens the socket with
``?ticket=...`` at once. The ticket is random, lives :data:`TICKET_TTL_SECONDS` in Redis (shared by
every web process), names only the session it was issued to (so revoking the session voids it too)
and is consumed with ``GETDEL``: a ticket copied from a log, or sent twice, opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets

import redis.asyncio as aredis
from redis.exceptions import RedisError

from config.errors import EventBusError

TICKET_TTL_SECONDS = 30
MAX_TICKET_LENGTH = 128


def _key(prefix: str, ticket: str) -> str:
    # The key holds the ticket's hash, so a Redis dump or MONITOR shows no usable ticket.
    return f"{prefix}:ws-ticket:{hashlib.sha256(ticket.encode()).hexdigest()}"


async def issue_ticket(redis_url: str, prefix: str, session_id: str) -> str:
    """A fresh ticket for the session, valid once within :data:`TICKET_TTL_SECONDS`."""
    ticket = secrets.token_urlsafe(32)
    client = aredis.Redis.from_url(redis_url)
    try:
        stored = await client.set(_key(prefix, ticket), session_id, nx=True, ex=TICKET_TTL_SECONDS)
    except RedisError as exc:
        raise EventBusError(f"cannot store a WebSocket ticket: {exc}") from exc
    finally:
        await client.aclose()
    if not stored:  # 256 random bits do not collide; if they ever did, refuse rather than share
        raise EventBusError("WebSocket ticket collision; ask again")
    return ticket


async def redeem_ticket(redis_url: str, prefix: str, ticket: str) -> str | None:
    """The session id the ticket was issued to, once; None when unknown, expired or already used."""
    if not ticket or len(ticket) > MAX_TICKET_LENGTH:
        return None
    client = aredis.Redis.from_url(redis_url)
    try:
        value = await client.getdel(_key(prefix, ticket))
    except RedisError:
        return None  # no Redis, no ticket: the socket is refused, the console may use its cookie
    finally:
        await client.aclose()
    return value.decode() if isinstance(value, bytes) else value
