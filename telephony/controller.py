"""The call-control process: ARI events in, call state in Redis, commands from the console.

Run with ``python -m telephony.controller`` (or mount :data:`controller_app`). Only one controller
is active at a time: it holds a lease in Redis that it renews every tick; a second one waits and
takes over (rediscovering every live call) when the lease lapses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import redis
import redis.asyncio as aredis
import typer
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.events import Notifier
from config.settings import Settings, load_settings
from telephony.agents.notifier import AgentNotifier
from telephony.agents.services import AgentService
from telephony.agents.store import AgentStore
from telephony.ari_ import AriRest, EventStream, HandlerRegistry, events_url
from telephony.callbacks.services import CallbackService
from telephony.calls.notifier import CallNotifier
from telephony.calls.services import CallService
from telephony.calls.store import CallStore
from telephony.commands.bus import CommandConsumer
from telephony.commands.executor import CommandExecutor
from telephony.connected.services import ConnectedCallService
from telephony.context import ControlContext
from telephony.inbound.customers import CustomerLookup
from telephony.inbound.ivr_port import IvrFlowSource
from telephony.inbound.menu_flow import MenuFlowSource
from telephony.inbound.stasis import InboundStasis
from telephony.queueing.picker import AgentPicker
from telephony.queueing.services import QueueService
from telephony.queueing.waiting import WaitingLists
from telephony.recording.services import RecordingService
from telephony.records.writer import RecordWriter
from telephony.recovery import CallRecovery
from telephony.settings import TelephonySettings
from telephony.supervision.services import SupervisionService

log = logging.getLogger(__name__)
DEFAULT_FLOW = Path(__file__).resolve().parent / "inbound" / "menu.yaml"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(frozen=True)
class AriAccess:
    url: str
    user: str
    password: str
    app: str


class Controller:
    """Wires the services together and runs the event stream, the tick and the command consumer."""

    def __init__(
        self,
        settings: TelephonySettings,
        ari: AriAccess,
        redis_url: str,
        *,
        flows: IvrFlowSource,
        session_factory: sessionmaker[Session] | None = None,
        picker: AgentPicker | None = None,
        customers: CustomerLookup | None = None,
        controller_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.flows = flows
        self.id = controller_id or f"{socket.gethostname()}:{os.getpid()}"
        self._redis = aredis.Redis.from_url(redis_url)
        notifier = Notifier(redis.Redis.from_url(redis_url))
        prefix = settings.key_prefix
        self.rest = AriRest(ari.url, ari.user, ari.password)
        calls = CallService(CallStore(self._redis, prefix), CallNotifier(notifier))
        agents = AgentService(AgentStore(self._redis, prefix), AgentNotifier(notifier))
        self.ctx = ControlContext(
            ari.app, self.rest, calls, agents, WaitingLists(self._redis, prefix), settings
        )
        self.queues = QueueService(self.ctx, picker)
        self.connected = ConnectedCallService(self.ctx, self.queues)
        self.supervision = SupervisionService(self.ctx)
        self.recording = RecordingService(self.ctx)
        self.stasis = InboundStasis(self.ctx, flows, self.queues, self.connected, self.supervision, customers)
        self.callbacks = CallbackService(self.ctx)
        self.stasis.callbacks = self.callbacks
        self.queues.max_wait_hooks.append(self.callbacks.offer)
        self.recovery = CallRecovery(self.ctx, self.stasis, self.queues, self.connected)
        self.registry = HandlerRegistry()
        self.stasis.register(self.registry)
        self.stream = EventStream(events_url(ari.url, ari.app, ari.user, ari.password), self.registry)
        self.stream.on_connected(self.recovery.recover)
        self.queues.answered_hooks.append(self._agent_answered)
        if session_factory is not None:
            calls.on_ended(RecordWriter(session_factory))
        self.executor = CommandExecutor(self)
        self.commands = CommandConsumer(self._redis, self.executor.execute, prefix=prefix)
        self._lease_key = f"{prefix}:telephony:controller-lease"
        self.active = asyncio.Event()

    async def _agent_answered(self, call: object) -> None:
        from telephony.calls.model import Call

        if isinstance(call, Call) and call.state == "connected":
            await self.recording.start(call)
        elif isinstance(call, Call) and call.state == "callback_dialing":
            await self.callbacks.dial_customer(call)

    async def _hold_lease(self) -> bool:
        ttl_ms = int(self.settings.lease_ttl_s * 1000)
        if await self._redis.set(self._lease_key, self.id, nx=True, px=ttl_ms):
            return True
        holder = await self._redis.get(self._lease_key)
        if holder is not None and _text(holder) == self.id:
            await self._redis.pexpire(self._lease_key, ttl_ms)
            return True
        return False

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.tick_s)
            try:
                if not await self._hold_lease():
                    log.error("controller %s lost its lease; stopping", self.id)
                    raise SystemExit(3)
                await self.connected.finish_wrap_ups()
                await self.queues.tick()
            except (redis.RedisError, OSError) as exc:
                log.warning("tick failed: %s", exc)

    async def run(self) -> None:
        """Wait for the lease, then serve until cancelled."""
        while not await self._hold_lease():
            log.info("another controller is active; standing by")
            await asyncio.sleep(self.settings.lease_ttl_s / 2)
        self.active.set()
        log.info("controller %s active", self.id)
        tasks = [
            asyncio.create_task(self.stream.run(), name="ari-events"),
            asyncio.create_task(self._tick_forever(), name="tick"),
            asyncio.create_task(self.commands.run(), name="commands"),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
        finally:
            for task in tasks:
                task.cancel()
            await self.stream.stop()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.close()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            holder = await self._redis.get(self._lease_key)
            if holder is not None and _text(holder) == self.id:
                await self._redis.delete(self._lease_key)
        await self.rest.aclose()
        await self._redis.aclose()


def build_controller(settings: Settings) -> Controller:
    """A controller from the Voxdesk settings (ARI endpoint as the sandbox computes it)."""
    from telephony.sandbox import AsteriskSandbox

    endpoint = AsteriskSandbox(settings).ari
    ari = AriAccess(endpoint.url, endpoint.user, endpoint.password, settings.asterisk.stasis_app)
    telephony = settings.telephony
    queue_ids = [queue.id for queue in telephony.queues]
    flows = MenuFlowSource(telephony.ivr_flow or DEFAULT_FLOW, queue_ids)
    redis_url = settings.redis.url or f"redis://127.0.0.1:{settings.redis.embedded_port}/0"
    factory = make_session_factory(make_engine(settings.effective_database_url))
    return Controller(telephony, ari, redis_url, flows=flows, session_factory=factory)


def run_controller(settings: Settings) -> None:
    """Blocking entry point: run the controller until interrupted."""
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    controller = build_controller(settings)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(controller.run())


controller_app = typer.Typer(help="Call control (the ARI Stasis app).", no_args_is_help=True)


@controller_app.command("run")
def run_command(config: Annotated[Path | None, typer.Option(help="settings YAML")] = None) -> None:
    """Run the call controller in the foreground."""
    run_controller(load_settings(config))


if __name__ == "__main__":
    run_controller(load_settings())
