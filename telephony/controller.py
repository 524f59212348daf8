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
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

import httpx
import redis
import redis.asyncio as aredis
import typer
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.errors import SettingsError, VoxdeskError
from config.events import Notifier
from config.jobs import create_celery
from config.settings import Settings, load_settings
from config.telephony_settings import TelephonySettings
from routing import RoutingConfig
from telephony.admin_config import RoutingFile, RoutingSource, ivr_flow_path, routing_dir
from telephony.agents.notifier import AgentNotifier
from telephony.agents.presence import AgentDirectory, AgentPresence, DatabaseAgentDirectory, NoAgentDirectory
from telephony.agents.services import AgentService
from telephony.agents.store import AgentStore
from telephony.ari import AriRest, EventStream, HandlerRegistry, events_url
from telephony.callbacks.services import CallbackService
from telephony.calls.notifier import CallNotifier
from telephony.calls.services import CallService
from telephony.calls.store import CallStore
from telephony.commands.bus import CommandConsumer
from telephony.commands.executor import CommandExecutor
from telephony.connected.services import ConnectedCallService
from telephony.context import ControlContext
from telephony.endpoints import AgentConfigWriter, EndpointReloader, SandboxAgentConfig
from telephony.inbound.conversations import CallConversations, TaskSender, TicketsCallConversations
from telephony.inbound.post_call_qa import PostCallQa
from telephony.inbound.stasis import InboundStasis
from telephony.ivr import CustomerDirectory, Flow, OrderConnector
from telephony.ivr.faq import FaqAnswerer
from telephony.ivr.faq_bot import KbFaq
from telephony.ivr.flow_source import IvrFlows, check_queues
from telephony.ivr.prompts import PromptRenderer
from telephony.ivr.ticket_lookups import NoDirectory, TicketsCustomerDirectory, TicketsOrderConnector
from telephony.queueing.pool import AgentMirror
from telephony.queueing.services import QueueService
from telephony.queueing.waiting_lists import WaitingLists
from telephony.recording.services import RecordingService
from telephony.records.writer import RecordWriter
from telephony.recovery import CallRecovery
from telephony.sandbox.runtime import AsteriskRuntime
from telephony.status import ControllerReports
from telephony.supervision.services import SupervisionService

log = logging.getLogger(__name__)
HEARTBEAT_S = 1.0  # how often the controller tells the read model it is alive and whether ARI is up


# Replace the lease holder only if it is still the dead one (another controller may have taken it).
TAKE_OVER = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return false
"""


def holder_died_here(holder: str) -> bool:
    """True when ``holder`` (``host:pid``, a controller's default id) ran on this host and its
    process is gone; any other id (another host, a custom id) waits for the lease to expire."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


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
        routing: RoutingConfig,
        prompts: PromptRenderer,
        flow_path: Path,  # in the data dir (telephony.admin_config): applied flows are written there
        session_factory: sessionmaker[Session] | None = None,
        phone_region: str = "US",
        controller_id: str | None = None,
        jobs: TaskSender | None = None,
        routing_source: RoutingSource | None = None,
        agent_config: AgentConfigWriter | None = None,
        ari_transport: httpx.AsyncBaseTransport | None = None,
        faq: FaqAnswerer | None = None,
    ) -> None:
        self.settings = settings
        self.routing = routing
        self.routing_source = routing_source  # where admins' routing changes are written
        self.flows = IvrFlows(flow_path, routing.queues, prompts)
        self.id = controller_id or f"{socket.gethostname()}:{os.getpid()}"
        self._redis = aredis.Redis.from_url(redis_url)
        notifier = Notifier(redis.Redis.from_url(redis_url))
        prefix = settings.key_prefix
        self.rest = AriRest(ari.url, ari.user, ari.password, transport=ari_transport)
        self.endpoints = EndpointReloader(agent_config, self.rest)
        self.reports = ControllerReports(self._redis, prefix, self.id, ttl_s=max(3.0, settings.lease_ttl_s))
        calls = CallService(CallStore(self._redis, prefix), CallNotifier(notifier))
        agents = AgentService(AgentStore(self._redis, prefix), AgentNotifier(notifier))
        self.ctx = ControlContext(
            ari.app, self.rest, calls, agents, WaitingLists(self._redis, prefix), settings, routing, prompts
        )
        self.agents = AgentMirror(agents)
        self.queues = QueueService(self.ctx, self.agents)
        self.connected = ConnectedCallService(self.ctx, self.queues)
        self.supervision = SupervisionService(self.ctx)
        self.recording = RecordingService(self.ctx)
        self.callbacks = CallbackService(self.ctx)
        customers: CustomerDirectory = NoDirectory()
        orders: OrderConnector = NoDirectory()
        # Each call becomes a conversation in tickets (needs the database and the Celery broker).
        self.conversations: CallConversations | None = None
        if session_factory is not None:
            customers = TicketsCustomerDirectory(session_factory, phone_region)
            orders = TicketsOrderConnector(session_factory)
            if jobs is not None:
                self.conversations = TicketsCallConversations(session_factory, phone_region, jobs)
            faq = faq or KbFaq(session_factory)  # the FAQ step answers from the published KB
        self.stasis = InboundStasis(
            self.ctx,
            self.flows,
            self.queues,
            self.connected,
            self.supervision,
            self.callbacks,
            customers,
            orders,
            self.conversations,
        )
        self.stasis.faq = faq  # the IVR's FAQ step answers from the knowledge base through it
        self.queues.max_wait_hooks.append(self.callbacks.offer)
        self.recovery = CallRecovery(self.ctx, self.stasis, self.queues, self.connected)
        self.registry = HandlerRegistry()
        self.stasis.register(self.registry)
        directory: AgentDirectory = NoAgentDirectory()
        if session_factory is not None:
            directory = DatabaseAgentDirectory(session_factory)
        self.stream = EventStream(events_url(ari.url, ari.app, ari.user, ari.password), self.registry)
        # Softphone registrations log agents in and out, on an ARI app of their own.
        presence_app = f"{ari.app}-presence"
        self.presence = AgentPresence(
            self.rest,
            presence_app,
            agents,
            directory,
            on_login=self.queues.request_dispatch,
            devices=self.ctx.devices,
        )
        presence_registry = HandlerRegistry()
        self.presence.register(presence_registry)
        self.presence_stream = EventStream(
            events_url(ari.url, presence_app, ari.user, ari.password), presence_registry
        )
        self.presence_stream.on_connected(self.presence.connected)
        self.stream.on_connected(self._reconnected)
        self.queues.answered_hooks.append(self._agent_answered)
        if session_factory is not None:
            calls.on_ended(RecordWriter(session_factory))
        if self.conversations is not None:
            self.queues.answered_hooks.append(self.conversations.call_answered)
            calls.on_ended(self.conversations.call_ended)
        if jobs is not None:  # every call an agent answered gets a scorecard
            calls.on_ended(PostCallQa(jobs).call_ended)
        self.executor = CommandExecutor(self)
        self.commands = CommandConsumer(self._redis, self.executor.execute, prefix=prefix)
        self._lease_key = f"{prefix}:telephony:controller-lease"
        self.active = asyncio.Event()
        # More loops to run while this controller is active (the media taps' worker watch).
        self.background: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self._warming: asyncio.Task[None] | None = None

    async def _reconnected(self) -> None:
        with contextlib.suppress(VoxdeskError):
            info = await self.rest.asterisk_info()
            self.reports.asterisk_version = str(info.get("system", {}).get("version") or "") or None
        await self.reports.heartbeat(ari_connected=True)
        await self.agents.sync()
        await self.recovery.recover()

    # --- configuration admins change (commands from web/), applied without a restart
    def apply_ivr_flow(self, name: str | None, text: str | None) -> Flow:
        """Replace flow ``name`` (the running one when unset). Raises IvrFlowError; nothing changes then."""
        if name is None or name == self.flows.source.name:
            return self.flows.reload(text)
        if text is None:
            return self.flows.store.current(name)
        return self.flows.store.replace(name, text)

    async def apply_routing_file(self, file: RoutingFile, text: str) -> RoutingConfig:
        """Validate, write and switch to new queues or rules; new decisions use them at once.

        Raises:
            RoutingConfigError: the file is refused. IvrFlowError: the running IVR flow sends callers
            to a queue the new file removes. Either way the running config stays.
        """
        if self.routing_source is None:
            raise SettingsError("this controller runs a fixed routing config; set telephony.routing_dir")
        config = self.routing_source.validate(file, text)
        check_queues(self.flows.current, config.queues)
        config = self.routing_source.replace(file, text)
        self.routing = self.ctx.routing = config
        self.flows.set_queues(config.queues)
        await self.reports.queues_in_use(config.queues)
        log.info("routing %s replaced: %d queues", file, len(config.queues))
        return config

    def prerender_prompts(self) -> int:
        """Synthesise the flow's fixed prompts and the queue's own lines, so nobody waits for TTS."""
        count = self.flows.prerender()
        for text in (self.settings.callback_prompt, self.settings.callback_accepted_prompt):
            self.ctx.prompts.render(text, self.flows.current.default_language)
            count += 1
        return count

    def warm_up_faq(self) -> None:
        """Load the FAQ bot (encoder, knowledge base) when the flow in use has a FAQ step (blocking)."""
        faq = self.stasis.faq
        if faq is None or not any(node.type == "faq" for node in self.flows.current.nodes.values()):
            return
        try:
            faq.warm_up()
        except Exception:  # the step hands callers over until the bot can answer
            log.exception("the IVR's FAQ bot could not be loaded")

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
        if holder is None:  # it lapsed between the two calls (a stalled loop): take it again
            return bool(await self._redis.set(self._lease_key, self.id, nx=True, px=ttl_ms))
        if _text(holder) == self.id:
            await self._redis.pexpire(self._lease_key, ttl_ms)
            return True
        if holder_died_here(_text(holder)):
            # Our predecessor on this machine was killed (the supervisor restarted us): take over now
            # instead of leaving the live calls unattended until its lease expires.
            log.warning("controller %s died holding the lease; taking it over", _text(holder))
            return bool(await self._redis.eval(TAKE_OVER, 1, self._lease_key, holder, self.id, ttl_ms))
        return False

    async def _tick_forever(self) -> None:
        loop = asyncio.get_running_loop()
        reported = 0.0
        while True:
            await asyncio.sleep(self.settings.tick_s)
            try:
                if not await self._hold_lease():
                    log.error("controller %s lost its lease; stopping", self.id)
                    raise SystemExit(3)
                if loop.time() - reported >= HEARTBEAT_S:
                    await self.reports.heartbeat(ari_connected=self.stream.connected.is_set())
                    reported = loop.time()
                await self.connected.finish_wrap_ups()
                await self.queues.tick()
            except (redis.RedisError, OSError) as exc:
                log.warning("tick failed: %s", exc)
            except Exception:  # a bug in one pass must not stop routing every later call
                log.exception("tick failed")

    async def run(self) -> None:
        """Render the prompts, wait for the lease, then serve until cancelled."""
        started = asyncio.get_running_loop().time()
        rendered = await asyncio.to_thread(self.prerender_prompts)
        log.info("%d IVR prompts ready in %.1f s", rendered, asyncio.get_running_loop().time() - started)
        while not await self._hold_lease():
            log.info("another controller is active; standing by")
            await asyncio.sleep(self.settings.lease_ttl_s / 2)
        # The FAQ bot loads in the background: until it is ready its step hands callers over.
        self._warming = asyncio.create_task(asyncio.to_thread(self.warm_up_faq), name="faq-warm-up")
        await self.agents.sync()
        await self.reports.queues_in_use(self.routing.queues)
        await self.reports.heartbeat(ari_connected=self.stream.connected.is_set())
        self.active.set()
        log.info("controller %s active", self.id)
        tasks = [
            asyncio.create_task(self.stream.run(), name="ari-events"),
            asyncio.create_task(self.presence_stream.run(), name="ari-presence-events"),
            asyncio.create_task(self._tick_forever(), name="tick"),
            asyncio.create_task(self.commands.run(), name="commands"),
            *(asyncio.create_task(job(), name=job.__name__) for job in self.background),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
        finally:
            for task in tasks:
                task.cancel()
            await self.stream.stop()
            await self.presence_stream.stop()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.close()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            holder = await self._redis.get(self._lease_key)
            if holder is not None and _text(holder) == self.id:
                await self._redis.delete(self._lease_key)
        await self.rest.aclose()
        await self._redis.aclose()


def prompt_renderer(
    telephony: TelephonySettings, runtime: AsteriskRuntime | None, cache_dir: Path
) -> PromptRenderer:
    """Prompts go where Asterisk can read them: inside the sandbox chroot (a persistent dir, so the
    cache survives restarts), ``telephony.prompts_dir`` if set, else the cache dir (same host)."""
    if telephony.prompts_dir is not None:
        return PromptRenderer(telephony.prompts_dir)
    if runtime is not None:
        inner = f"{runtime.dirs.lib}/prompts"
        return PromptRenderer(runtime.host_path(inner), asterisk_dir=PurePosixPath(inner))
    return PromptRenderer(cache_dir / "prompts")


def build_controller(settings: Settings) -> Controller:
    """A controller from the Voxdesk settings (ARI endpoint as the sandbox computes it)."""
    from telephony.sandbox import AsteriskSandbox
    from telephony.taps import attach_to_controller

    sandbox = AsteriskSandbox(settings)
    endpoint = sandbox.ari
    ari = AriAccess(endpoint.url, endpoint.user, endpoint.password, settings.asterisk.stasis_app)
    telephony = settings.telephony
    routing_source = RoutingSource(routing_dir(settings))
    # Sandbox and host Asterisk are ours to configure; an external one is the admin's.
    database_url = settings.effective_database_url
    agent_config = SandboxAgentConfig(sandbox, database_url) if sandbox.runtime is not None else None
    redis_url = settings.redis.url or f"redis://127.0.0.1:{settings.redis.embedded_port}/0"
    factory = make_session_factory(make_engine(settings.effective_database_url))
    controller = Controller(
        telephony,
        ari,
        redis_url,
        routing=routing_source.current(),
        prompts=prompt_renderer(telephony, sandbox.runtime, settings.cache_dir),
        flow_path=ivr_flow_path(settings),
        session_factory=factory,
        phone_region=settings.customers.default_region,
        jobs=create_celery(redis_url),
        routing_source=routing_source,
        agent_config=agent_config,
    )
    attach_to_controller(controller, redis_url)  # live transcription of both legs (telephony.taps)
    return controller


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
