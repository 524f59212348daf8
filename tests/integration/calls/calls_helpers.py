"""Helpers for the call-control integration tests: a controller running in a thread, waits, queues."""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import sys
import threading
import time
import traceback
import uuid
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import redis
import yaml
from sqlalchemy import select

from config.db import make_engine, make_session_factory, session_scope
from config.telephony_settings import TelephonySettings
from telephony.admin_config import RoutingSource
from telephony.calls.model import Call
from telephony.commands.bus import send_command
from telephony.commands.schemas import AgentLogin, Command
from telephony.controller import AriAccess, Controller
from telephony.ivr.prompts import PromptRenderer
from telephony.records.models import CallRecord
from telephony.sipua.client import place_call, start_softphone
from telephony.sipua.plan import CallPlan, CallResult, SoftphonePlan

REDIS_URL = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
AGENT_PASSWORD = "call-test-pass"
AGENT_NAMES = ("cc-agent1", "cc-agent2", "cc-agent3", "cc-super1")

TEST_FLOW = """
name: flow
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
    timeout: 3
    retries: 1
    options:
      "1": {next: sales, label: sales}
      "2": {next: support, label: support}
      "3": {next: billing, label: billing}
      "4": {next: order_number, label: order_status}
      "5": {next: leave_message, label: voicemail}
      "6": {next: front_desk, label: transfer}
  sales: {type: route_queue, queue: sales}
  support: {type: route_queue, queue: support}
  billing: {type: route_queue, queue: billing}
  operator: {type: route_queue, queue: general, choice: fallback}
  leave_message: {type: voicemail, box: general, prompt: {sound: beep}}
  front_desk: {type: transfer, number: "2000"}
  order_number:
    type: collect
    variable: order_number
    prompt: "Please enter your order number, then press hash."
    min_length: 4
    max_length: 10
    timeout: 4
    retries: 1
    next: find_order
  find_order: {type: lookup_order, variable: order_number, found: read_status, not_found: order_not_found}
  read_status: {type: play, prompt: "Order {order_number} is {order.status}. {order.detail}", next: goodbye}
  order_not_found: {type: play, prompt: "Sorry, I could not find order {order_number}.", next: goodbye}
  goodbye: {type: hangup, reason: order status read back, prompt: "Goodbye."}
"""
DEFAULT_QUEUES: dict[str, dict[str, Any]] = {
    "general": {"ring_timeout": 4},
    "sales": {"ring_timeout": 4},
    "support": {"ring_timeout": 4},
    "billing": {"strategy": "skills", "skills": {"billing": 2}, "ring_timeout": 4},
}


@dataclass
class RunningController:
    """A controller running on its own event loop in a thread, plus helpers to inspect its state."""

    settings: TelephonySettings
    ari: AriAccess
    flow_path: Path
    routing_dir: Path
    prompts: PromptRenderer
    db_url: str
    prefix: str
    controller: Controller | None = None
    thread: threading.Thread | None = None
    loop: asyncio.AbstractEventLoop | None = None
    task: asyncio.Task[None] | None = None
    stopped_with: BaseException | None = None
    jobs: Any = None  # a Celery-like sender: with one, each call becomes a conversation (tickets)
    redis: redis.Redis = field(default_factory=lambda: redis.Redis.from_url(REDIS_URL))

    def describe(self) -> str:
        lines = [
            f"\n  call {c.call_id}: {c.state} queue={c.queue_id} agent={c.agent_id} offer={c.offer_agent_id} "
            f"missed={[m.reason for m in c.missed_offers]}"
            for c in self.calls()
        ]
        alive = self.thread is not None and self.thread.is_alive()
        state = "running" if alive else f"stopped with {self.stopped_with!r}"
        lines.append(f"\n  controller {state}")
        if self.controller is not None:
            pool = self.controller.queues.agents.pool
            lines.append(f"; pool available={pool.available_count}")
            for agent in sorted(pool.all(), key=lambda a: a.agent_id):
                lines.append(f"; {agent.agent_id}={self.agent_status(agent.agent_id)}")
        if alive:
            lines.append(self._where_it_waits())
        return "".join(lines)

    def _where_it_waits(self) -> str:
        """The controller thread's own stack and where each of its tasks is suspended (a stalled
        dispatch or a blocked loop shows here), for failure messages."""
        out = []
        frame = sys._current_frames().get(self.thread.ident or 0) if self.thread else None
        if frame is not None:
            top = traceback.extract_stack(frame)[-3:]
            out.append("\n  loop thread at: " + " <- ".join(f"{f.name}:{f.lineno}" for f in reversed(top)))
        try:
            tasks = list(asyncio.all_tasks(self.loop)) if self.loop is not None else []
        except RuntimeError:  # the set changed while we read it from this thread
            tasks = []
        for task in tasks:
            stack = task.get_stack(limit=3)
            where = " <- ".join(f"{f.f_code.co_name}:{f.f_lineno}" for f in reversed(stack))
            out.append(f"\n  task {task.get_name()}: {where}")
        return "".join(out)

    def start(self) -> RunningController:
        DESCRIBERS.append(self.describe)
        ready = threading.Event()

        def serve() -> None:
            self.loop = asyncio.new_event_loop()
            factory = make_session_factory(make_engine(self.db_url))
            # A routing source, as in production: admins' ReplaceRoutingFile commands are applied.
            source = RoutingSource(self.routing_dir)
            self.controller = Controller(
                self.settings,
                self.ari,
                REDIS_URL,
                routing=source.current(),
                routing_source=source,
                prompts=self.prompts,
                flow_path=self.flow_path,
                session_factory=factory,
                controller_id=f"test-{uuid.uuid4().hex[:6]}",
                jobs=self.jobs,
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
        # The first start of a session synthesises the test flow's prompts (Piper) before connecting.
        assert ready.wait(90), "controller did not render its prompts and connect to ARI"
        return self

    def stop(self) -> None:
        if self.describe in DESCRIBERS:  # a stopped test's controller says nothing about the next test
            DESCRIBERS.remove(self.describe)
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
        raw = self.redis.hget(f"{self.prefix}:agent:{agent}", "state")
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


class RecentLog(logging.Handler):
    """The last controller and ARI log lines, so a failure message carries its own timeline."""

    def __init__(self, size: int = 30) -> None:
        super().__init__(logging.INFO)
        self.lines: collections.deque[str] = collections.deque(maxlen=size)

    def emit(self, record: logging.LogRecord) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        self.lines.append(f"{stamp}.{int(record.msecs):03d} {record.name} {record.getMessage()}")


RECENT_LOG = RecentLog()
for _name in ("telephony", "httpx"):
    logging.getLogger(_name).addHandler(RECENT_LOG)
    logging.getLogger(_name).setLevel(logging.INFO)


def describe() -> str:
    """State of the running controllers' calls and the recent log, for failure messages."""
    recent = "".join(f"\n    {line}" for line in RECENT_LOG.lines)
    return "".join(describer() for describer in DESCRIBERS) + "\n  recent log:" + recent


def wait_until(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}{describe()}")


def write_routing(directory: Path, queues: dict[str, dict[str, Any]], default_queue: str = "general") -> Path:
    """config/routing for a test: queues.yaml and rules.yaml (no rules unless given)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "queues.yaml").write_text(yaml.safe_dump({"queues": queues}), encoding="utf-8")
    (directory / "rules.yaml").write_text(
        yaml.safe_dump({"default_queue": default_queue, "rules": []}), encoding="utf-8"
    )
    return directory


def heard(recording: Path, prompt: Path, chunk_seconds: float = 1.0) -> float:
    """How clearly ``prompt`` is in ``recording``: the median over the prompt's 1 s chunks of the best
    normalised cross-correlation anywhere in the recording (about 0.9 when played, under 0.3 when not).
    Chunks keep it robust to the jitter buffer adding or dropping a frame mid-prompt."""

    def samples(path: Path) -> np.ndarray:
        with wave.open(str(path), "rb") as wav:
            assert wav.getframerate() == 8000 and wav.getsampwidth() == 2
            data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
            return data.reshape(-1, wav.getnchannels()).mean(axis=1)

    rec, ref = samples(recording), samples(prompt)
    size = int(8000 * chunk_seconds)
    scores = []
    for start in range(0, len(ref) - size + 1, size):
        chunk = ref[start : start + size]
        if np.sqrt(np.mean(chunk**2)) < 300 or len(rec) < size:
            continue  # silence between sentences says nothing
        n = 1 << int(np.ceil(np.log2(len(rec) + size)))
        corr = np.fft.irfft(np.fft.rfft(rec, n) * np.conj(np.fft.rfft(chunk, n)), n)[: len(rec) - size + 1]
        energy = np.concatenate(([0.0], np.cumsum(rec**2)))
        window = np.sqrt(np.maximum(energy[size:] - energy[:-size], 1e-9))
        scores.append(float(np.max(np.abs(corr) / (window * np.linalg.norm(chunk)))))
    return float(np.median(scores)) if scores else 0.0


SPEECH_RMS = 500.0  # frame RMS above which a recording holds someone talking


def softphone(asterisk: Any, name: str, tmp_path: Path, wav: Path | None = None) -> Any:
    """An agent's softphone registered to the session Asterisk, recording what it hears."""
    return start_softphone(
        SoftphonePlan(name, AGENT_PASSWORD, asterisk.sip_server, wav=wav, record=tmp_path / f"{name}.wav")
    )


def background_call(plan: CallPlan) -> tuple[threading.Thread, list[CallResult]]:
    """Place a call on a thread; its result lands in the list when it ends."""
    results: list[CallResult] = []
    thread = threading.Thread(target=lambda: results.append(place_call(plan)), daemon=True)
    thread.start()
    return thread, results
