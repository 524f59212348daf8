"""Fixtures for tests on Voxdesk as deployed: the session's sandbox Asterisk with this folder's agent
account, a migrated scratch PostgreSQL database with users, and the processes ``voxdesk up`` runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deployed_helpers import AGENT_PASSWORD, AGENT_SIP, SECRET, USERS, Deployment, deployment_env

from config.db import make_engine, make_session_factory, session_scope
from config.models import SipCredential, User
from telephony.sandbox import SipCredentialSpec
from web.auth import Principal, issue_token


@pytest.fixture(scope="session")
def deployed_asterisk(asterisk: Any) -> Any:
    """The session sandbox, re-rendered with this folder's agent account (the shared agent kept)."""
    agent = SipCredentialSpec.from_password(AGENT_SIP, "voxdesk", AGENT_PASSWORD)
    asterisk.sandbox.up(agents=[asterisk.agent.credential, agent])
    return asterisk


@pytest.fixture(scope="module")
def deployed_db(migrated_postgres: Any) -> tuple[str, dict[str, int]]:
    """A migrated database holding an agent with a SIP account and a supervisor."""
    url: str = migrated_postgres("deployed")
    factory = make_session_factory(make_engine(url))
    ids: dict[str, int] = {}
    with session_scope(factory) as session:
        for name, (role, sip) in USERS.items():
            user = User(username=name, display_name=name, role=role, password_hash="x")
            session.add(user)
            session.flush()
            ids[name] = user.id
            if sip:
                spec = SipCredentialSpec.from_password(sip, "voxdesk", AGENT_PASSWORD)
                session.add(SipCredential(user_id=user.id, username=sip, ha1=spec.ha1))
    return url, ids


def start_deployment(
    asterisk_settings: Any,
    deployed_asterisk: Any,
    deployed_db: tuple[str, dict[str, int]],
    work: Path,
    engine: str = "whisper",
) -> Deployment:
    url, ids = deployed_db
    deployment = Deployment.from_env(deployment_env(asterisk_settings, url, work, engine))
    endpoint = deployed_asterisk.ari
    deployment.ari = (endpoint.url, endpoint.user, endpoint.password)
    deployment.tokens = {
        name: issue_token(SECRET, Principal(ids[name], name, role)) for name, (role, _) in USERS.items()
    }
    try:
        deployment.start()
    except BaseException:
        deployment.stop()
        raise
    return deployment


@pytest.fixture(scope="module")
def deployment(
    asterisk_settings: Any,
    deployed_asterisk: Any,
    deployed_db: tuple[str, dict[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployment]:
    """Voxdesk's processes, started as ``voxdesk up`` starts them, for the whole module."""
    running = start_deployment(
        asterisk_settings, deployed_asterisk, deployed_db, tmp_path_factory.mktemp("dp")
    )
    try:
        yield running
    finally:
        running.stop()
