"""Helpers for the scorecard tests: a stored call transcript, users with roles, the app per backend."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from asr.transcripts.repository import TranscriptRepository
from asr.transcripts.schemas import TranscriptSegmentCreate, WordPublic
from config.db import session_scope
from config.models import Role, SipCredential, User
from config.sessions import open_session_for
from config.settings import Settings
from qa.scorecards.schemas import CallFacts
from web.app import create_app

# A short support call: the agent joins 20 s after the caller entered (their leg clock starts there).
CALL = (
    ("caller", 1.0, 3.0, "I'm waiting for an agent"),
    ("agent", 1.0, 4.0, "hello, thank you for calling, this is Anna, how can I help"),
    ("caller", 25.0, 29.0, "my internet stopped working this morning"),
    ("agent", 10.0, 14.0, "let me restart your line from here"),
    ("caller", 40.0, 43.0, "yes it works now, that solves my problem"),
    ("agent", 24.0, 26.0, "great, have a nice day"),
)


def store_segment(
    factory: sessionmaker[Session], call_id: str, leg: str, start: float, end: float, text: str
) -> None:
    words = text.split()
    step = (end - start) / max(1, len(words))
    timed = [WordPublic(word=w, start=start + i * step, end=start + (i + 0.8) * step, confidence=0.9)
             for i, w in enumerate(words)]  # fmt: skip
    segment = TranscriptSegmentCreate(
        call_id=call_id, leg=leg, speaker="agent7" if leg == "agent" else None, start=start, end=end,
        text=text, confidence=0.9, words=timed, engine="test",
    )  # fmt: skip
    with session_scope(factory) as session:
        TranscriptRepository(session).add(segment)


def stored_call(factory: sessionmaker[Session], agent_id: str, ended_ago: float = 120.0) -> CallFacts:
    """A call of ``agent_id`` whose transcript is stored; its facts as call control hands them over."""
    call_id = f"call-{uuid.uuid4().hex[:12]}"
    for leg, start, end, text in CALL:
        store_segment(factory, call_id, leg, start, end, text)
    ended = time.time() - ended_ago
    return CallFacts(
        call_id=call_id, agent_id=agent_id, queue_id="support", offered_at=ended - 80, answered_at=ended - 60,
        ended_at=ended, hold_s=8.0,
    )  # fmt: skip


def make_user(factory: sessionmaker[Session], role: Role, sip: str | None = None) -> int:
    with session_scope(factory) as session:
        user = User(username=f"{role.value}-{uuid.uuid4().hex[:8]}", display_name=f"{role.value} person",
                    role=role, password_hash="x")  # fmt: skip
        session.add(user)
        session.flush()
        if sip is not None:
            session.add(SipCredential(user_id=user.id, username=sip, ha1="0" * 32))
        return user.id


@dataclass
class QaApi:
    client: TestClient
    factory: sessionmaker[Session]

    def headers(self, role: Role, sip: str | None = None) -> dict[str, str]:
        token = open_session_for(self.factory, make_user(self.factory, role, sip))
        return {"Authorization": f"Bearer {token}"}


def qa_app(database_url: str, data_dir: Path, redis_url: str) -> FastAPI:
    settings = Settings(
        database_url=database_url,
        data_dir=data_dir,
        redis={"url": redis_url},
        asterisk={"mode": "external", "ari_url": "http://127.0.0.1:9/ari", "ari_password": "x"},
    )
    return create_app(settings)
