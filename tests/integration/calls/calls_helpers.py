"""Helpers for the call-control integration tests: a controller running in a thread, waits, queues."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import select

from config.db import make_engine, make_session_factory, session_scope
from telephony.calls.model import Call
from telephony.commands.bus import send_command
from telephony.commands.schemas import AgentLogin, Command
from telephony.controller import AriAccess, Controller
from telephony.inbound.menu_flow import MenuFlowSource
from telephony.records.models import CallRecord
from telephony.settings import QueueSettings, TelephonySettings

REDIS_URL = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
AGENT_PASSWORD = "call-test-pass"
AGENT_NAMES = ("cc-agent1", "cc-agent2", "cc-agent3", "cc-super1")

TEST_FLOW = """
name: test
menu:
  prompt: sound:beep
  timeout_s: 4
  retries: 1
  options:
    "1": {queue: sales}
    "2": {queue: support}
    "3": {queue: billing}
fallback_queue: sales
"""


@dataclass
class RunningController:
    """A controller running on its own event loop in a thread, plus helpers to inspect its state."""

    settings: TelephonySettings
    ari: AriAccess
    flow_path: Path
    db_url: str
    prefix: str
    controller: Controller | None = None
    thread: threading.Thread | None = None
    loop: asyncio.AbstractEventLoop | None = None
    task: asyncio.Task[None] | None = None
    stopped_with: BaseException | None = None
    redis: redis.Redis = field(default_factory=lambda: redis.Redis.from_url(REDIS_URL))

    def describe(self) -> str:
        lines = [
            f"\n  call {c.call_id}: {c.state} queue={c.queue_id} agent={c.agent_id} offer={c.offer_agent_id} "
            f"missed={[m.reason for m in c.missed_offers]}"
            for c in self.calls()
        ]
        return "".join(lines)

    def start(self) -> RunningController:
        DESCRIBERS.append(self.describe)
        ready = threading.Event()

        def serve() -> None:
            self.loop = asyncio.new_event_loop()
            flows = MenuFlowSource(self.flow_path, [q.id for q in self.settings.queues])
            factory = make_session_factory(make_engine(self.db_url))
            self.controller = Controller(
                self.settings,
                self.ari,
                REDIS_URL,
                flows=flows,
                session_factory=factory,
                controller_id=f"test-{uuid.uuid4().hex[:6]}",
            )
            self.task = self.loop.create_task(self.controller.run())

            async def wait_ready() -> None:
                assert self.controller is not None
                await self.controller.active.wait()
                await self.controller.stream.connected.wait()
                ready.set()

            self.loop.create_task(wait_ready())
            try:
                self.loop.run_until_complete(self.task)
            except (asyncio.CancelledError, Exception) as exc:
                self.stopped_with = exc
            finally:
                self.loop.close()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        assert ready.wait(10), "controller did not connect to ARI"
        return self

    def stop(self) -> None:
        if self.loop is not None and self.task is not None and not self.task.done():
            self.loop.call_soon_threadsafe(self.task.cancel)
        if self.thread is not None:
            self.thread.join(10)
        self.thread = None

    def run(self, coro_factory: Callable[[Controller], Any]) -> Any:
        """Run a coroutine on the controller's loop and wait for its result."""
        assert self.loop is not None and self.controller is not None
        return asyncio.run_coroutine_threadsafe(coro_factory(self.controller), self.loop).result(10)

    def send(self, command: Command) -> None:
        send_command(self.redis, command, self.prefix)

    def login(
        self, agent: str, *, skills: dict[str, int] | None = None, queues: list[str] | None = None
    ) -> None:
        self.send(
            AgentLogin(agent_id=agent, endpoint=f"PJSIP/{agent}", skills=skills or {}, queues=queues or [])
        )
        wait_until(lambda: self.agent_status(agent) == "available", 5, f"{agent} logged in")

    def command_failures(self) -> list[str]:
        """Reasons of refused commands, from the call.command_failed events published on the system bus."""
        assert self.controller is not None
        return list(self.controller.executor.failures)

    def agent_status(self, agent: str) -> str | None:
        raw = self.redis.hget(f"{self.prefix}:agent:{agent}", "status")
        return raw.decode().strip('"') if raw else None

    def calls(self) -> list[Call]:
        ids = [m.decode() for m in self.redis.keys(f"{self.prefix}:call:*")]
        return [Call.from_redis(self.redis.hgetall(key)) for key in ids]

    def call_in_state(self, state: str, wait: float = 10.0) -> Call:
        found: list[Call] = []

        def check() -> bool:
            found[:] = [call for call in self.calls() if call.state == state]
            return bool(found)

        wait_until(check, wait, f"a call in state {state}")
        return found[0]

    def records(self) -> list[CallRecord]:
        factory = make_session_factory(make_engine(self.db_url))
        with session_scope(factory) as session:
            return list(session.scalars(select(CallRecord).order_by(CallRecord.id)))

    def record_for(self, call_id: str, wait: float = 10.0) -> CallRecord:
        wait_until(lambda: any(r.call_id == call_id for r in self.records()), wait, f"record of {call_id}")
        return next(r for r in self.records() if r.call_id == call_id)


DESCRIBERS: list[Callable[[], str]] = []


def describe() -> str:
    """State of the running controllers' calls, for failure messages."""
    return "".join(describer() for describer in DESCRIBERS)


def wait_until(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}{describe()}")


def default_queues() -> list[QueueSettings]:
    return [
        QueueSettings(id="sales", offer_timeout_s=4),
        QueueSettings(id="support", offer_timeout_s=4),
        QueueSettings(id="billing", offer_timeout_s=4, skills={"billing": 2}),
    ]
