"""Server-side sign-in sessions: opened at sign-in, found per request, revoked at will.

The client holds a random opaque token (``secrets.token_urlsafe(32)``); the database holds only its
SHA-256, which is also the session's id, so a copy of the table signs nobody in. A session names a
user, not a role: whoever reads it reads the user's current role and ``is_active`` with it, so a
demotion or deactivation applies to sessions already open. Sessions end at their expiry, on log-out,
and for all of a user's sessions at once when the user is deactivated, changes role or password.

:func:`open_session` is also the one helper tests use to sign a user in without the sign-in route
(which throttles repeated sign-ins per user and address).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from config.db import session_scope
from config.models import Role, User, UserSession, utcnow

SESSION_TTL_SECONDS = 12 * 3600  # one working shift and some
KEEP_ENDED_SECONDS = 7 * 24 * 3600  # ended sessions stay this long (who signed in from where), then go
MAX_TOKEN_LENGTH = 128  # a real token is 43 characters; anything far longer is not worth hashing


@dataclass(frozen=True)
class LiveSession:
    """An open session with its user's current name and role."""

    session_id: str
    user_id: int
    username: str
    role: Role


def session_id_of(token: str) -> str:
    """The id a token's session is stored under: the hex SHA-256 of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    session: Session, user_id: int, *, ttl_seconds: int = SESSION_TTL_SECONDS,
    user_agent: str | None = None, address: str | None = None,
) -> str:  # fmt: skip
    """Open a session for the user and return its token (shown once, never stored); the caller commits.

    The user's sessions that expired more than :data:`KEEP_ENDED_SECONDS` ago are deleted on the way,
    so the table stays about as large as its users' recent sign-ins.
    """
    session.execute(delete(UserSession).where(
        UserSession.user_id == user_id,
        UserSession.expires_at < utcnow() - timedelta(seconds=KEEP_ENDED_SECONDS),
    ))  # fmt: skip
    token = secrets.token_urlsafe(32)
    session.add(UserSession(
        id=session_id_of(token), user_id=user_id, expires_at=utcnow() + timedelta(seconds=ttl_seconds),
        user_agent=(user_agent or None) and user_agent[:256], address=(address or None) and address[:64],
    ))  # fmt: skip
    session.flush()
    return token


def open_session_for(
    factory: sessionmaker[Session], user_id: int, ttl_seconds: int = SESSION_TTL_SECONDS
) -> str:
    """:func:`open_session` in a unit of work of its own (for tests, scripts and benchmarks)."""
    with session_scope(factory) as session:
        return open_session(session, user_id, ttl_seconds=ttl_seconds)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def find_live_session(session: Session, session_id: str) -> LiveSession | None:
    """The session if it is open (not revoked, not expired) and its user active; else None."""
    row = session.execute(
        select(UserSession.expires_at, UserSession.revoked_at, User.id, User.username, User.role,
               User.is_active)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id == session_id)
    ).first()  # fmt: skip
    if row is None:
        return None
    expires_at, revoked_at, user_id, username, role, is_active = row
    if revoked_at is not None or not is_active or _aware(expires_at) <= utcnow():
        return None
    return LiveSession(session_id, user_id, username, role)


def revoke_session(session: Session, session_id: str) -> bool:
    """End one session; False when it was already ended or never existed. The caller commits."""
    ended = session.execute(
        update(UserSession).where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )  # fmt: skip
    return bool(getattr(ended, "rowcount", 0))


def revoke_user_sessions(session: Session, user_id: int) -> int:
    """End every open session of the user; returns how many. The caller commits."""
    ended = session.execute(
        update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )  # fmt: skip
    return int(getattr(ended, "rowcount", 0))
