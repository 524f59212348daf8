"""Voxdesk as deployed: its processes started the way ``voxdesk up`` starts them, each on its own.

The child processes (web, Celery worker, mail server, media worker, call controller) come from the
supervisor's own list (``children_for``) with the supervisor's environment (``_child_env``), so a
wiring mistake there fails these tests. Settings reach them only through ``VOXDESK_*`` variables,
as in production: a throwaway data dir shared with the session's sandbox Asterisk (so they find its
generated ARI password), a migrated scratch PostgreSQL database, Redis db 14 and a key prefix of
their own. Redis pub/sub ignores the db number, so live-event consumers still filter by call id.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import redis
import yaml
from websockets.sync.client import connect

from asr.media.control import WORKER_KEY_PREFIX
from config.db import make_engine, make_session_factory, session_scope
from config.models import Role, SipCredential, User
from config.sessions import open_session_for
from config.settings import Settings, load_settings
from telephony.sandbox import AriEndpoint, SipCredentialSpec
from voxdesk.supervisor import ChildProcess, _child_env, children_for

REDIS_BASE = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
DEPLOYED_REDIS_URL = f"{REDIS_BASE}/14"  # bench/asr_calls.py uses 13, the call-tap tests 12
SECRET = "deployed-test-secret"
AGENT_SIP = "dp-agent1"
AGENT_PASSWORD = "deployed-agent-pass"
USERS = {
    "dp-alice": (Role.AGENT, AGENT_SIP),
    "dp-sue": (Role.SUPERVISOR, None),
    "dp-ada": (Role.ADMIN, None),
}

FLOW = """
name: deployed
start: menu
default_language: en
languages: [en]
fallback: operator
nodes:
  menu:
    type: menu
    prompt: {sound: beep}
    no_input: {sound: beep}
    no_match: {sound: beep}
    timeout: 4
    retries: 1
    options:
      "1": {next: support, label: support, keywords: [support]}
      "2": {next: sales, label: sales, keywords: [sales]}
  support: {type: route_queue, queue: support}
  sales: {type: route_queue, queue: sales}
  operator: {type: route_queue, queue: general, choice: fallback}
"""
QUEUES = {"general": {"ring_timeout": 8}, "support": {"ring_timeout": 8}, "sales": {"ring_timeout": 8}}


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], bool], seconds: float, what: str, describe: Callable[[], str]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}{describe()}")


def deployment_env(asterisk_settings: Settings, db_url: str, work: Path, engine: str) -> dict[str, str]:
    """The ``VOXDESK_*`` variables a deployment reads: the sandbox's data dir and ports, our own rest."""
    routing = work / "routing"
    routing.mkdir(parents=True, exist_ok=True)
    (routing / "queues.yaml").write_text(yaml.safe_dump({"queues": QUEUES}), encoding="utf-8")
    (routing / "rules.yaml").write_text(yaml.safe_dump({"default_queue": "general", "rules": []}), "utf-8")
    flow = work / "flow.yaml"
    flow.write_text(FLOW, encoding="utf-8")
    asterisk = asterisk_settings.asterisk
    rtp = free_port(socket.SOCK_DGRAM) // 1000 * 1000
    rtp = rtp if 22000 <= rtp <= 60000 else 23000
    return {
        "VOXDESK_DATA_DIR": str(asterisk_settings.data_dir),
        "VOXDESK_CACHE_DIR": str(asterisk_settings.cache_dir),
        "VOXDESK_DATABASE_URL": db_url,
        "VOXDESK_REDIS__URL": DEPLOYED_REDIS_URL,
        "VOXDESK_DEMO_DATA": "false",
        "VOXDESK_WEB__HOST": "127.0.0.1",
        "VOXDESK_WEB__PORT": str(free_port()),
        "VOXDESK_WEB__SECRET_KEY": SECRET,
        "VOXDESK_ASTERISK__MODE": asterisk.mode.value,
        "VOXDESK_ASTERISK__BIND_ADDRESS": asterisk.bind_address,
        "VOXDESK_ASTERISK__HTTP_PORT": str(asterisk.http_port),
        "VOXDESK_ASTERISK__SIP_PORT": str(asterisk.sip_port),
        "VOXDESK_TELEPHONY__KEY_PREFIX": f"deployed-{uuid.uuid4().hex[:8]}",
        "VOXDESK_TELEPHONY__IVR_FLOW": str(flow),
        "VOXDESK_TELEPHONY__ROUTING_DIR": str(routing),
        "VOXDESK_TELEPHONY__WRAP_UP_S": "1",
        "VOXDESK_ASR__ENGINE": engine,
        "VOXDESK_ASR__VOSK_PREWARM_RECOGNIZERS": "0",
        "VOXDESK_ASR__MEDIA_CONTROL_PORT": str(free_port()),
        "VOXDESK_ASR__MEDIA_PORT_START": str(rtp),
        "VOXDESK_ASR__MEDIA_PORT_END": str(rtp + 199),
        "VOXDESK_CHANNELS__SMTP_PORT": str(free_port()),
    }


def agent_credential() -> SipCredentialSpec:
    return SipCredentialSpec.from_password(AGENT_SIP, "voxdesk", AGENT_PASSWORD)


def seed_users(db_url: str) -> dict[str, int]:
    """The agent (with the SIP account the sandbox knows) and the supervisor; returns their ids."""
    factory = make_session_factory(make_engine(db_url))
    ids: dict[str, int] = {}
    with session_scope(factory) as session:
        for name, (role, sip) in USERS.items():
            user = User(username=name, display_name=name, role=role, password_hash="x")
            session.add(user)
            session.flush()
            ids[name] = user.id
            if sip:
                session.add(SipCredential(user_id=user.id, username=sip, ha1=agent_credential().ha1))
    return ids


def start_deployment(
    asterisk_settings: Settings,
    ari: AriEndpoint,
    db_url: str,
    ids: dict[str, int],
    work: Path,
    engine: str,
    extra_env: dict[str, str] | None = None,
) -> Deployment:
    """Start every process and wait until each is ready (stopping them all if one is not)."""
    env = deployment_env(asterisk_settings, db_url, work, engine) | (extra_env or {})
    deployment = Deployment.from_env(env)
    deployment.ari = (ari.url, ari.user, ari.password)
    engine = make_engine(db_url)  # sessions opened directly: the sign-in route throttles repeats
    deployment.tokens = {name: open_session_for(make_session_factory(engine), ids[name]) for name in USERS}
    engine.dispose()
    try:
        deployment.start()
    except BaseException:
        deployment.stop()
        raise
    return deployment


@dataclass
class Deployment:
    """The running processes, what they were told, and clients for their HTTP API and WebSockets."""

    settings: Settings
    env: dict[str, str]
    children: list[ChildProcess]
    tokens: dict[str, str] = field(default_factory=dict)
    ari: tuple[str, str, str] | None = None  # url, user, password of the sandbox's ARI

    @classmethod
    def from_env(cls, extra_env: dict[str, str]) -> Deployment:
        """Settings as a child reads them, and the supervisor's children and environment for them."""
        with mock.patch.dict(os.environ, extra_env):
            settings = load_settings()
            env = _child_env(settings, DEPLOYED_REDIS_URL)
        return cls(settings, env, children_for(settings))

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.web.host}:{self.settings.web.port}"

    @property
    def prefix(self) -> str:
        return self.settings.telephony.key_prefix

    def child(self, name: str) -> ChildProcess:
        return next(c for c in self.children if c.name == name)

    def start(self) -> None:
        redis.Redis.from_url(DEPLOYED_REDIS_URL).delete("celery")  # jobs left by a killed run
        for child in self.children:
            child.start(self.env)
        wait_for(self._web_up, 90, "the web process", self.describe)
        wait_for(self._media_worker_up, 120, "the media worker to register", self.describe)
        wait_for(self._controller_up, 120, "the controller to hold its lease and join ARI", self.describe)

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        client = redis.Redis.from_url(DEPLOYED_REDIS_URL)
        keys = client.keys(f"{self.prefix}:*")
        if keys:
            client.delete(*keys)

    def _alive(self) -> None:
        dead = [c.name for c in self.children if not c.alive()]
        assert not dead, f"{dead} exited{self.describe()}"

    def _web_up(self) -> bool:
        self._alive()
        try:
            return httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def _media_worker_up(self) -> bool:
        self._alive()
        return bool(redis.Redis.from_url(DEPLOYED_REDIS_URL).keys(WORKER_KEY_PREFIX + "*"))

    def _controller_up(self) -> bool:
        self._alive()
        lease = redis.Redis.from_url(DEPLOYED_REDIS_URL).get(f"{self.prefix}:telephony:controller-lease")
        if lease is None or self.ari is None:
            return lease is not None
        url, user, password = self.ari
        app = self.settings.asterisk.stasis_app
        try:
            answer = httpx.get(f"{url}/applications/{app}", auth=(user, password), timeout=2)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200

    def log_tail(self, name: str, chars: int = 2500) -> str:
        path = self.child(name).log_path
        return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"

    def describe(self) -> str:
        parts = []
        for child in self.children:
            state = "running" if child.alive() else f"exited {child.process and child.process.poll()}"
            parts.append(f"\n--- {child.name} ({state}) ---\n{self.log_tail(child.name, 1500)}")
        return "".join(parts)

    # --- the API, as a console uses it
    def api(self, who: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return httpx.request(method, f"{self.base_url}{path}", headers=headers, timeout=10, **kwargs)

    @contextmanager
    def console(self, who: str) -> Iterator[ConsoleClient]:
        """A client on ``/ws/calls`` as user ``who`` (a one-time ticket of their session), reading on a
        thread of its own."""
        answer = self.api(who, "POST", "/api/auth/ws-ticket")
        assert answer.status_code == 200, answer.text
        ws_url = self.base_url.replace("http://", "ws://") + f"/ws/calls?ticket={answer.json()['ticket']}"
        client = ConsoleClient(ws_url)
        client.start()
        try:
            yield client
        finally:
            client.stop()


@dataclass
class ConsoleClient:
    """Every envelope one console WebSocket receives, with the monotonic time it arrived."""

    url: str
    messages: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    closed_with: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _subscribed: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        threading.Thread(target=self._read, daemon=True, name="console-ws").start()
        assert self._subscribed.wait(10), f"console never subscribed ({self.closed_with})"

    def _read(self) -> None:
        try:
            with connect(self.url, open_timeout=10) as ws:
                while not self._stop.is_set():
                    try:
                        raw = ws.recv(timeout=0.2)
                    except TimeoutError:
                        continue
                    message = json.loads(raw)
                    self.messages.append((time.monotonic(), message))
                    if message.get("type") == "subscribed":
                        self._subscribed.set()
        except Exception as exc:  # the test asserts on it: the feed must not close under a call
            self.closed_with = repr(exc)

    def stop(self) -> None:
        self._stop.set()

    def of_call(self, call_id: str, prefix: str = "") -> list[dict[str, Any]]:
        return [
            m
            for _t, m in list(self.messages)
            if m["type"].startswith(prefix) and isinstance(m.get("data"), dict)
            and m["data"].get("call_id") == call_id
        ]  # fmt: skip

    def call_ids(self) -> list[str]:
        ids = [m["data"].get("call_id") for _t, m in list(self.messages) if m["type"] == "call.state_changed"]
        return list(dict.fromkeys(i for i in ids if i))
