"""Call-control fixtures: the session's sandbox Asterisk with extra agents, and a controller in a thread."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from calls_helpers import (
    AGENT_NAMES,
    AGENT_PASSWORD,
    DEFAULT_QUEUES,
    REDIS_URL,
    TEST_FLOW,
    RunningController,
    write_routing,
)

from config.migrate import upgrade
from config.telephony_settings import TelephonySettings
from telephony.controller import AriAccess, prompt_renderer
from telephony.ivr.prompts import PromptRenderer
from telephony.sipua.audio import synthesise


@pytest.fixture(scope="session")
def call_center_asterisk(asterisk: Any) -> Any:
    """The session sandbox, re-rendered with this module's agent accounts (the shared agent kept)."""
    from telephony.sandbox import SipCredentialSpec

    extra = [SipCredentialSpec.from_password(name, "voxdesk", AGENT_PASSWORD) for name in AGENT_NAMES]
    agents = [asterisk.agent.credential, *extra]
    asterisk.sandbox.up(agents=agents)
    return asterisk


@pytest.fixture(scope="session")
def voices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("voices")
    return {
        "caller": synthesise("I want a refund for my order, it arrived broken", base / "caller.wav"),
        "agent": synthesise("Hello, this is the support desk, how can I help you", base / "agent.wav"),
        "super": synthesise("Offer the customer a ten percent discount now please", base / "super.wav"),
    }


@pytest.fixture(scope="session")
def prompts(call_center_asterisk: Any, tmp_path_factory: pytest.TempPathFactory) -> PromptRenderer:
    """The prompt cache where the sandbox Asterisk reads it (inside its chroot), as the controller uses."""
    runtime = call_center_asterisk.sandbox.runtime
    return prompt_renderer(TelephonySettings(), runtime, tmp_path_factory.mktemp("prompt-cache"))


@pytest.fixture
def make_controller(
    call_center_asterisk: Any, prompts: PromptRenderer, tmp_path: Path
) -> Iterator[Callable[..., RunningController]]:
    """Build (not start) a controller with its own Redis prefix, SQLite records DB, test flow and queues
    (``queues=`` replaces the test queues.yaml: name -> queue as written in config/routing)."""
    made: list[RunningController] = []
    db_url = f"sqlite:///{tmp_path / 'records.db'}"
    upgrade(db_url)
    flow_path = tmp_path / "flow.yaml"
    flow_path.write_text(TEST_FLOW, encoding="utf-8")
    prefix = f"test-calls-{uuid.uuid4().hex[:8]}"
    endpoint = call_center_asterisk.ari
    ari = AriAccess(endpoint.url, endpoint.user, endpoint.password, "voxdesk")

    def build(**overrides: Any) -> RunningController:
        routing_dir = write_routing(tmp_path / "routing", overrides.pop("queues", DEFAULT_QUEUES))
        jobs = overrides.pop("jobs", None)
        settings = TelephonySettings(
            key_prefix=prefix,
            wrap_up_s=overrides.pop("wrap_up_s", 0.5),
            tick_s=0.1,
            lease_ttl_s=2,
            **overrides,
        )
        running = RunningController(settings, ari, flow_path, routing_dir, prompts, db_url, prefix, jobs=jobs)
        made.append(running)
        return running

    yield build
    for running in made:
        running.stop()
    client = redis.Redis.from_url(REDIS_URL)
    keys = client.keys(f"{prefix}:*")
    if keys:
        client.delete(*keys)
