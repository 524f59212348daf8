"""PBX configuration commands on the controller: SIP endpoints, IVR flows, routing (ARI faked).

The controller is the real one (real Redis for its stores and announcements); only ARI is faked, at
the httpx transport, and the agent config writer at its Protocol.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from config.admin_files import PACKAGED_IVR, PACKAGED_ROUTING, seeded_dir
from config.telephony_settings import TelephonySettings
from telephony.admin_config import RoutingSource
from telephony.commands.schemas import Command, ReloadIvrFlow, ReloadSipEndpoints, ReplaceRoutingFile
from telephony.controller import AriAccess, Controller
from telephony.ivr.prompts import PromptRenderer
from telephony.keys import TelephonyKeys
from telephony.readmodel import TelephonyReadModel

ARI_URL = "http://ari.test:8088/ari"
REDIS_URL = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class CountingWriter:
    """The agent config writer at its Protocol: counts renders."""

    def __init__(self) -> None:
        self.writes = 0

    def write(self) -> int:
        self.writes += 1
        return 3


class FakeAri:
    """Records ARI requests; answers 204, or ``status`` for module reloads."""

    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.requests: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        if request.url.path.startswith("/ari/asterisk/modules/"):
            return httpx.Response(self.status, text="" if self.status < 400 else "Module not found")
        return httpx.Response(200, json={})


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    seeded_dir(tmp_path, "ivr", PACKAGED_IVR)
    seeded_dir(tmp_path, "routing", PACKAGED_ROUTING)
    return tmp_path


@pytest.fixture
def build(data_dir: Path, redis_url: str) -> Iterator[Callable[..., Controller]]:
    prefix = f"test-pbx-{uuid.uuid4().hex[:8]}"
    made: list[Controller] = []

    def make(*, ari: FakeAri, writer: CountingWriter | None) -> Controller:
        source = RoutingSource(data_dir / "routing")
        controller = Controller(
            TelephonySettings(key_prefix=prefix),
            AriAccess(ARI_URL, "voxdesk", "secret", "voxdesk"),
            redis_url,
            routing=source.current(),
            prompts=PromptRenderer(data_dir / "prompts", engines=()),  # no TTS in unit tests
            flow_path=data_dir / "ivr" / "main.yaml",
            routing_source=source,
            agent_config=writer,
            ari_transport=httpx.MockTransport(ari),
        )
        made.append(controller)
        return controller

    yield make
    client = redis.Redis.from_url(redis_url)
    keys = client.keys(f"{prefix}:*")
    if keys:
        client.delete(*keys)


def execute(controller: Controller, *commands: Command) -> None:
    """Run commands as the consumer does, on one loop, then close the controller's clients on it."""

    async def run() -> None:
        try:
            for command in commands:
                await controller.executor.execute(command)
        finally:
            await controller.close()

    asyncio.run(run())


def read_model(controller: Controller) -> TelephonyReadModel:
    return TelephonyReadModel(redis.Redis.from_url(REDIS_URL), controller.settings.key_prefix)


def test_reloading_sip_endpoints_renders_the_agents_then_reloads_pjsip_through_ari(
    build: Callable[..., Controller],
) -> None:
    ari, writer = FakeAri(), CountingWriter()
    controller = build(ari=ari, writer=writer)
    command = ReloadSipEndpoints(actor="root")
    execute(controller, command)
    assert writer.writes == 1
    assert ari.requests == [("PUT", "/ari/asterisk/modules/res_pjsip.so")]
    assert controller.executor.failures == []
    outcome = read_model(controller).command_outcome(command.command_id)
    assert outcome is not None and (outcome.kind, outcome.outcome) == ("reload_sip_endpoints", "applied")


def test_an_external_asterisk_is_left_alone_when_sip_accounts_change(
    build: Callable[..., Controller],
) -> None:
    ari = FakeAri()
    controller = build(ari=ari, writer=None)
    execute(controller, ReloadSipEndpoints())
    assert ari.requests == [] and controller.executor.failures == []


def test_a_refused_pjsip_reload_is_announced_not_raised(build: Callable[..., Controller]) -> None:
    controller = build(ari=FakeAri(status=404), writer=CountingWriter())
    command = ReloadSipEndpoints()
    execute(controller, command)
    assert len(controller.executor.failures) == 1
    assert "/asterisk/modules/res_pjsip.so -> 404" in controller.executor.failures[0]
    outcome = read_model(controller).command_outcome(command.command_id)
    assert outcome is not None and outcome.outcome == "refused" and "404" in outcome.reason


def test_a_new_ivr_flow_for_the_running_name_is_written_to_the_data_dir_and_used_for_new_calls(
    build: Callable[..., Controller], data_dir: Path
) -> None:
    controller = build(ari=FakeAri(), writer=None)
    text = (data_dir / "ivr" / "main.yaml").read_text(encoding="utf-8")
    edited = text.replace("Thank you for calling Voxdesk.", "Welcome to Voxdesk.")
    execute(controller, ReloadIvrFlow(name="main", text=edited))
    assert controller.executor.failures == []
    assert (data_dir / "ivr" / "main.yaml").read_text(encoding="utf-8") == edited
    assert "Welcome to Voxdesk." in controller.flows.current.source


def test_an_ivr_flow_naming_a_queue_routing_lacks_is_refused_and_the_file_stays(
    build: Callable[..., Controller], data_dir: Path
) -> None:
    controller = build(ari=FakeAri(), writer=None)
    text = (data_dir / "ivr" / "main.yaml").read_text(encoding="utf-8")
    execute(controller, ReloadIvrFlow(text=text.replace("queue: billing", "queue: nowhere")))
    assert "'nowhere' does not exist" in controller.executor.failures[0]
    assert (data_dir / "ivr" / "main.yaml").read_text(encoding="utf-8") == text


def test_new_queues_are_written_switched_to_and_published_for_the_read_model(
    build: Callable[..., Controller], data_dir: Path, redis_url: str
) -> None:
    controller = build(ari=FakeAri(), writer=None)
    queues = (data_dir / "routing" / "queues.yaml").read_text(encoding="utf-8")
    added = queues.rstrip("\n") + "\n  vip:\n    strategy: longest_idle\n"
    execute(controller, ReplaceRoutingFile(file="queues", text=added))
    assert controller.executor.failures == []
    assert "vip" in controller.ctx.routing.queues and controller.routing is controller.ctx.routing
    assert (data_dir / "routing" / "queues.yaml").read_text(encoding="utf-8") == added
    read = TelephonyReadModel(redis.Redis.from_url(redis_url), controller.settings.key_prefix)
    assert read.queue_ids() == frozenset(controller.ctx.routing.queues)


def test_removing_a_queue_the_running_ivr_flow_uses_is_refused_and_routing_stays(
    build: Callable[..., Controller], data_dir: Path
) -> None:
    controller = build(ari=FakeAri(), writer=None)
    before = controller.ctx.routing
    path = data_dir / "routing" / "queues.yaml"
    text = path.read_text(encoding="utf-8")
    without_support = text.replace("\n  support:", "\n  helpdesk:")
    execute(controller, ReplaceRoutingFile(file="queues", text=without_support))
    assert "queue 'support' does not exist" in controller.executor.failures[0]  # the IVR's node names it
    assert controller.ctx.routing is before and path.read_text(encoding="utf-8") == text


def test_broken_routing_yaml_is_refused_naming_the_problem(build: Callable[..., Controller]) -> None:
    controller = build(ari=FakeAri(), writer=None)
    execute(controller, ReplaceRoutingFile(file="rules", text="rules: ["))
    assert "not valid YAML" in controller.executor.failures[0]


def test_the_heartbeat_reads_back_through_the_read_model(
    build: Callable[..., Controller], redis_url: str
) -> None:
    controller = build(ari=FakeAri(), writer=None)
    read = TelephonyReadModel(redis.Redis.from_url(redis_url), controller.settings.key_prefix)
    assert read.controller_status() is None
    controller.reports.asterisk_version = "22.5.0"

    async def beat() -> None:
        await controller.reports.heartbeat(ari_connected=True)
        await controller.close()

    asyncio.run(beat())
    status = read.controller_status()
    assert status is not None and status.ari_connected and status.asterisk_version == "22.5.0"
    raw = redis.Redis.from_url(redis_url).pttl(TelephonyKeys(controller.settings.key_prefix).status)
    assert 0 < raw <= controller.settings.lease_ttl_s * 1000, "a dead controller's heartbeat expires"
