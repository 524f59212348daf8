"""Customer/channel integration fixtures: one scratch PostgreSQL database per test session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from channel_senders import new_encoding_aes_key
from fastapi.testclient import TestClient
from loopback_servers import gateway_url, relay  # noqa: F401 - fixtures shared by the channel tests
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory, session_scope
from config.models import Role, User
from config.sessions import open_session
from config.settings import ChannelSettings, CustomerSettings, RedisSettings, Settings, WebSettings
from web.app import create_app

PG_URL = os.environ.get("VOXDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "test-web-secret-" + uuid.uuid4().hex
SMS_SECRET = "sms-secret-" + uuid.uuid4().hex
WECHAT_TOKEN = "wechat-" + uuid.uuid4().hex[:16]
WECHAT_AES_KEY = new_encoding_aes_key()
WECHAT_APP_ID = "wx" + uuid.uuid4().hex[:16]


@pytest.fixture(scope="session")
def tickets_pg_url(migrated_postgres: Callable[[str], str]) -> str:
    """A database of this folder's own with every migration applied, dropped when the session ends."""
    return migrated_postgres("tk")


@pytest.fixture(scope="session")
def session_factory(tickets_pg_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(tickets_pg_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture(scope="session")
def tickets_settings(tickets_pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("voxdesk-data")
    return Settings(
        database_url=tickets_pg_url,
        data_dir=data_dir,
        redis=RedisSettings(url=REDIS_URL),
        web=WebSettings(secret_key=SECRET),
        customers=CustomerSettings(default_region="US"),
        channels=ChannelSettings(
            sms_webhook_secret=SMS_SECRET,
            wechat_token=WECHAT_TOKEN,
            wechat_encoding_aes_key=WECHAT_AES_KEY,
            wechat_app_id=WECHAT_APP_ID,
            webhook_max_bytes=4096,
        ),
    )


@pytest.fixture(scope="session")
def client(tickets_settings: Settings, redis_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(tickets_settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def auth_header(session_factory: sessionmaker[Session]) -> Callable[[Role], dict[str, str]]:
    """Authorization header of a user named after the role (made on first use), with a session of its own."""
    tokens: dict[Role, str] = {}

    def make(role: Role) -> dict[str, str]:
        if role not in tokens:
            with session_scope(session_factory) as session:
                user = User(username=role.value, display_name=role.value, role=role, password_hash="!")
                session.add(user)
                session.flush()
                tokens[role] = open_session(session, user.id)
        return {"authorization": f"Bearer {tokens[role]}"}

    return make
