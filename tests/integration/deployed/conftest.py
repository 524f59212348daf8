"""Fixtures for tests on Voxdesk as deployed: the session's sandbox Asterisk with this folder's agent
account, a migrated scratch PostgreSQL database with users, and the processes ``voxdesk up`` runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from deployed_helpers import Deployment, agent_credential, seed_users, start_deployment


@pytest.fixture(scope="session")
def deployed_asterisk(asterisk: Any) -> Any:
    """The session sandbox, re-rendered with this folder's agent account (the shared agent kept)."""
    asterisk.sandbox.up(agents=[asterisk.agent.credential, agent_credential()])
    return asterisk


@pytest.fixture(scope="module")
def deployed_db(migrated_postgres: Any) -> tuple[str, dict[str, int]]:
    """A migrated database holding an agent with a SIP account and a supervisor."""
    url: str = migrated_postgres("deployed")
    return url, seed_users(url)


@pytest.fixture(scope="module")
def deployment(
    asterisk_settings: Any,
    deployed_asterisk: Any,
    deployed_db: tuple[str, dict[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployment]:
    """Voxdesk's processes, started as ``voxdesk up`` starts them, for the whole module."""
    url, ids = deployed_db
    work = tmp_path_factory.mktemp("deployed")
    running = start_deployment(asterisk_settings, deployed_asterisk.ari, url, ids, work, "whisper")
    try:
        yield running
    finally:
        running.stop()
