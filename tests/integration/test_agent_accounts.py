"""An admin adds an agent through the API; the running controller reloads Asterisk's endpoints (no
restart) and the SIP password shown once registers a real softphone.

Web and the controller meet only through Redis, as deployed: the API queues ``ReloadSipEndpoints``
and a real controller (its own thread and event loop) renders the endpoints and reloads pjsip over ARI.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from asterisk_support import RunningAsterisk
from fastapi.testclient import TestClient

from config.accounts import create_user
from config.admin_files import PACKAGED_ROUTING, seeded_dir
from config.db import make_engine, make_session_factory, session_scope
from config.migrate import upgrade
from config.models import Role
from config.sessions import open_session_for
from telephony.admin_config import RoutingSource
from telephony.controller import AriAccess, Controller
from telephony.endpoints import SandboxAgentConfig
from telephony.ivr.prompts import PromptRenderer
from telephony.ivr.prompts.engines import EspeakEngine
from telephony.sipua.client import SipAgentError, start_softphone
from telephony.sipua.plan import SoftphonePlan
from web.app import create_app

pytestmark = pytest.mark.integration
# Sound-only prompts: the controller has nothing to synthesise but its two callback lines (espeak-ng).
FLOW = """
name: flow
start: route
fallback: route
default_language: en
languages: [en]
nodes:
  route: {type: route_queue, queue: general}
"""


class ControllerThread:
    """A real controller on its own event loop in a thread, as ``voxdesk up`` runs it in a process."""

    def __init__(self, controller: Controller) -> None:
        self.controller = controller
        self.loop = asyncio.new_event_loop()
        self.task: asyncio.Task[None] | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.ready = threading.Event()
        self.stopped_with: BaseException | None = None

    def _serve(self) -> None:
        async def main() -> None:
            self.task = asyncio.current_task()  # type: ignore[assignment]
            waiter = asyncio.create_task(self._wait_active())
            try:
                await self.controller.run()
            finally:
                waiter.cancel()

        try:
            self.loop.run_until_complete(main())
        except (asyncio.CancelledError, Exception) as exc:
            self.stopped_with = exc
        finally:
            self.loop.close()

    async def _wait_active(self) -> None:
        await self.controller.active.wait()
        await self.controller.stream.connected.wait()
        self.ready.set()

    def start(self) -> ControllerThread:
        self.thread.start()
        assert self.ready.wait(60), f"the controller did not connect to ARI (stopped: {self.stopped_with!r})"
        return self

    def stop(self) -> None:
        if self.task is not None:
            self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(10)


@pytest.fixture
def admin_api(
    asterisk: RunningAsterisk, tmp_path: Path, redis_url: str
) -> Iterator[tuple[TestClient, dict]]:
    url = f"sqlite:///{tmp_path / 'voxdesk.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with session_scope(factory) as session:
        admin = create_user(session, "root-admin", "Admin", Role.ADMIN, "admin-password-1")
        supervisor = create_user(session, "sup", "Sup", Role.SUPERVISOR, "sup-password-1")
    prefix = f"test-accounts-{uuid.uuid4().hex[:8]}"
    flow_path = tmp_path / "flows" / "flow.yaml"
    flow_path.parent.mkdir()
    flow_path.write_text(FLOW, encoding="utf-8")
    routing = RoutingSource(seeded_dir(tmp_path, "routing", PACKAGED_ROUTING))
    # Same data dir as the session's sandbox, so the controller renders that very Asterisk's config.
    settings = asterisk.sandbox.settings.model_copy(update={"database_url": url})
    settings = settings.model_copy(update={
        "redis": settings.redis.model_copy(update={"url": redis_url}),
        "telephony": settings.telephony.model_copy(update={
            "key_prefix": prefix, "routing_dir": routing.directory, "ivr_flow": flow_path,
        }),
    })  # fmt: skip
    controller = Controller(
        settings.telephony,
        AriAccess(asterisk.ari.url, asterisk.ari.user, asterisk.ari.password, settings.asterisk.stasis_app),
        redis_url,
        routing=routing.current(),
        prompts=PromptRenderer(tmp_path / "prompts", engines=(EspeakEngine(),)),
        flow_path=flow_path,
        routing_source=routing,
        agent_config=SandboxAgentConfig(asterisk.sandbox, url),
    )
    running = ControllerThread(controller).start()
    app = create_app(settings)

    def bearer(user_id: int, name: str, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {open_session_for(app.state.session_factory, user_id)}"}

    tokens = {
        "admin": bearer(admin.id, "root-admin", Role.ADMIN),
        "sup": bearer(supervisor.id, "sup", Role.SUPERVISOR),
    }
    try:
        yield TestClient(app), {**tokens, "bearer": bearer, "sup_id": supervisor.id, "controller": controller}
    finally:
        running.stop()
        client = redis.Redis.from_url(redis_url)
        keys = client.keys(f"{prefix}:*")
        if keys:
            client.delete(*keys)
        asterisk.sandbox.up(agents=[asterisk.agent.credential])  # the session's agent back, as before


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def endpoint_known(asterisk: RunningAsterisk, username: str) -> bool:
    return f"Endpoint:  {username}" in asterisk.sandbox.cli(f"pjsip show endpoint {username}")


def new_agent(client: TestClient, headers: dict[str, str], username: str) -> dict:
    body = {"username": username, "display_name": "New Agent", "role": "agent", "password": "console-pass-1"}
    response = client.post("/api/admin/users", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_an_agent_added_by_an_admin_registers_with_the_password_shown_once(
    admin_api: tuple[TestClient, dict], asterisk: RunningAsterisk
) -> None:
    client, tokens = admin_api
    pid = asterisk.sandbox.status().pid
    created = new_agent(client, tokens["admin"], "zoe.agent")
    sip = created["sip"]
    assert created["endpoints_reload_command"]
    assert sip["username"] == "zoe.agent" and sip["password"] and sip["server"] == asterisk.sip_server
    reload = f"/api/commands/{created['endpoints_reload_command']}"
    wait_until(lambda: client.get(reload, headers=tokens["admin"]).json()["outcome"] != "pending", 10,
               "the controller to reload pjsip")  # fmt: skip
    assert client.get(reload, headers=tokens["admin"]).json()["outcome"] == "applied"
    assert endpoint_known(asterisk, "zoe.agent")
    assert asterisk.sandbox.status().pid == pid, "endpoints are reloaded, Asterisk is not restarted"
    assert tokens["controller"].executor.failures == []
    with start_softphone(SoftphonePlan(sip["username"], sip["password"], asterisk.sip_server)):
        assert "zoe.agent" in asterisk.sandbox.cli("pjsip show contacts")

    # The agent can read how to set up the softphone again, but never the password.
    me = client.get("/api/agents/me/sip", headers=tokens["bearer"](created["id"], "zoe.agent", Role.AGENT))
    assert me.status_code == 200
    assert me.json()["username"] == "zoe.agent" and me.json()["password"] is None
    assert me.json()["codecs"] == ["g722", "ulaw", "alaw"]


def test_a_rotated_sip_password_replaces_the_old_one(
    admin_api: tuple[TestClient, dict], asterisk: RunningAsterisk
) -> None:
    client, tokens = admin_api
    created = new_agent(client, tokens["admin"], "rotating.agent")
    old = created["sip"]["password"]
    rotated = client.post(f"/api/admin/users/{created['id']}/sip-password", headers=tokens["admin"])
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["sip"]["password"]
    assert new != old and rotated.json()["endpoints_reload_command"]

    def new_password_registers() -> bool:
        try:
            plan = SoftphonePlan("rotating.agent", new, asterisk.sip_server)
            with start_softphone(plan, wait_registered=2):
                return True
        except SipAgentError:
            return False

    wait_until(new_password_registers, 15, "the rotated password to register")
    with pytest.raises(SipAgentError, match="did not register"):
        start_softphone(SoftphonePlan("rotating.agent", old, asterisk.sip_server), wait_registered=3)


def test_only_admins_add_users_and_bad_requests_are_refused_clearly(
    admin_api: tuple[TestClient, dict],
) -> None:
    client, tokens = admin_api
    body = {"username": "x.agent", "display_name": "X", "role": "agent", "password": "console-pass-1"}
    assert client.post("/api/admin/users", json=body, headers=tokens["sup"]).status_code == 403
    assert client.post("/api/admin/users", json=body).status_code == 401
    new_agent(client, tokens["admin"], "x.agent")
    again = client.post("/api/admin/users", json=body, headers=tokens["admin"])
    assert again.status_code == 409 and "taken" in again.json()["detail"]
    bad = client.post("/api/admin/users", json={**body, "username": "bad name"}, headers=tokens["admin"])
    assert bad.status_code == 422
    reserved = client.post("/api/admin/users", json={**body, "username": "caller"}, headers=tokens["admin"])
    assert reserved.status_code == 422
    not_agent = client.post(f"/api/admin/users/{tokens['sup_id']}/sip-password", headers=tokens["admin"])
    assert not_agent.status_code == 422 and "only agents" in not_agent.json()["detail"]
    assert client.post("/api/admin/users/999/sip-password", headers=tokens["admin"]).status_code == 404


def outcome_of(client: TestClient, headers: dict[str, str], command_id: str) -> dict:
    url = f"/api/commands/{command_id}"
    wait_until(lambda: client.get(url, headers=headers).json()["outcome"] != "pending", 10, "the controller")
    return client.get(url, headers=headers).json()


def test_an_admin_adds_a_queue_then_a_flow_using_it_and_the_running_controller_switches_to_both(
    admin_api: tuple[TestClient, dict], tmp_path: Path
) -> None:
    client, tokens = admin_api
    controller: Controller = tokens["controller"]
    queues_file = tmp_path / "routing" / "queues.yaml"
    added = queues_file.read_text(encoding="utf-8").rstrip("\n") + "\n  vip:\n    strategy: longest_idle\n"
    flow = FLOW.replace("queue: general", "queue: vip")
    early = client.put("/api/ivr/flows/flow", json={"yaml": flow}, headers=tokens["admin"])
    assert early.status_code == 422 and "'vip' does not exist" in early.text  # not a queue yet

    queued = client.put("/api/routing/queues", json={"yaml": added}, headers=tokens["admin"])
    assert queued.status_code == 202, queued.text
    assert outcome_of(client, tokens["admin"], queued.json()["command_id"])["outcome"] == "applied"
    assert queues_file.read_text(encoding="utf-8") == added and "vip" in controller.ctx.routing.queues

    switched = client.put("/api/ivr/flows/flow", json={"yaml": flow}, headers=tokens["admin"])
    assert switched.status_code == 202, switched.text  # web checks against the queues the controller runs
    assert outcome_of(client, tokens["admin"], switched.json()["command_id"])["outcome"] == "applied"
    assert "queue: vip" in controller.flows.current.source

    dropped = client.put("/api/routing/queues", json={"yaml": added.replace("  vip:", "  gold:")},
                         headers=tokens["admin"])  # fmt: skip
    refused = outcome_of(client, tokens["admin"], dropped.json()["command_id"])
    assert refused["outcome"] == "refused" and "'vip' does not exist" in refused["reason"]
    assert "vip" in controller.ctx.routing.queues and queues_file.read_text(encoding="utf-8") == added
