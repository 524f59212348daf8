"""Helpers shared by the desk integration tests (importable: this folder is on sys.path)."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from config.db import session_scope
from config.models import Role, User
from config.sessions import open_session_for
from config.settings import Settings
from tickets.channels.providers import HttpMessagingProvider
from tickets.channels.replies import ChannelReplies
from tickets.channels.sms import SmsAdapter
from tickets.channels.webchat import WebChatAdapter
from tickets.conversations.models import Channel, Conversation
from tickets.conversations.services import open_conversation
from tickets.customers.models import IdentityKind
from tickets.customers.services import find_or_create_customer
from tickets.desk.outbox import DeskRuntime
from web.app import create_app


@dataclass
class RecordingScheduler:
    """Records SLA wake-ups instead of queueing Celery jobs; tests fire them by moving the clock."""

    scheduled: list[tuple[int, datetime]] = field(default_factory=list)

    def schedule(self, timer_id: int, eta: datetime) -> None:
        self.scheduled.append((timer_id, eta))


def make_user(factory: sessionmaker[Session], role: Role = Role.AGENT, prefix: str = "agent") -> User:
    with session_scope(factory) as db:
        user = User(
            username=f"{prefix}_{uuid.uuid4().hex[:8]}",
            display_name=prefix.title(),
            role=role,
            password_hash="x",  # never signs in: sessions are opened directly
        )
        db.add(user)
    return user


PG_URL = os.environ.get("VOXDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DESK_REDIS_DB = 12  # Celery queues of desk tests live here, away from other engineers' jobs


def redis_db_url(db: int) -> str:
    return REDIS_URL.rsplit("/", 1)[0] + f"/{db}"


@dataclass
class Api:
    """A TestClient on the real app (PostgreSQL, Redis) and a way to get a token per role."""

    client: TestClient
    factory: sessionmaker[Session]
    secret: str

    def token(self, role: Role) -> dict[str, str]:
        user = make_user(self.factory, role, role.value)
        token = open_session_for(self.factory, user.id)
        return {"Authorization": f"Bearer {token}"}


ALERT_SECRET = "test-alert-secret"


def desk_app(pg_url: str, data_dir: Path, redis_url: str, runtime: DeskRuntime | None = None) -> FastAPI:
    settings = Settings(
        database_url=pg_url,
        data_dir=data_dir,
        redis={"url": redis_url},
        asterisk={"mode": "external", "ari_url": "http://127.0.0.1:9/ari", "ari_password": "x"},
        desk={"alert_webhook_secret": ALERT_SECRET, "max_body_bytes": 64 * 1024,
              "webhook_allowed_networks": ["127.0.0.0/8"]},  # the tests' receivers are on loopback
    )
    app = create_app(settings)
    if runtime is not None:
        app.state.desk_runtime = runtime
    return app


def chat_thread(session: Session) -> Conversation:
    """A new customer's web chat, the simplest text conversation a public reply can go out on."""
    visitor = f"visitor-{uuid.uuid4().hex[:12]}"
    customer = find_or_create_customer(session, IdentityKind.WEBCHAT, visitor, "US")
    return open_conversation(session, customer.id, Channel.WEBCHAT, external_ref=visitor, subject="Web chat")


def chat_replies() -> ChannelReplies:
    """Public replies through the real web-chat adapter (its delivery is the live event)."""
    return ChannelReplies({Channel.WEBCHAT: WebChatAdapter("US", None)})


@dataclass
class SmsGateway:
    """Public replies through the real SMS adapter and HTTP provider, over httpx's MockTransport."""

    sent: list[dict[str, str]] = field(default_factory=list)

    def replies(self) -> ChannelReplies:
        def answer(request: httpx.Request) -> httpx.Response:
            self.sent.append(json.loads(request.content))
            return httpx.Response(200, json={"id": f"SM{len(self.sent)}"})

        client = httpx.Client(transport=httpx.MockTransport(answer))
        provider = HttpMessagingProvider("http://gateway.test/v1/messages", "secret", client)
        return ChannelReplies({Channel.SMS: SmsAdapter("US", provider, None)})
