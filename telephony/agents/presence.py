"""A registered softphone logs its agent in; a registration that goes away logs them out.

Asterisk reports a PJSIP endpoint ``online`` while one of its contacts is registered and reachable
(qualify) and ``offline`` once the registration is removed, expires or stops answering. The
controller listens on a second ARI app of its own (``<app>-presence``), subscribed to every PJSIP
endpoint and filtered to ``EndpointStateChange``: an endpoint subscription also forwards the events
of every channel on those endpoints, which in the call app would arrive twice (each DTMF digit
doubled). For the endpoints that are a
Voxdesk agent's SIP account (role agent, active), logs the agent in to their profile's queues and
skills when the phone comes online and out when it goes offline (after the call, if they are on
one). Other endpoints (supervisors, test phones, trunks) are left alone; ``POST /api/agents/me/login``
still works for them. When the controller (re)connects it reads every endpoint's state, so a phone
that registered while no controller was running counts too.

An account has a desk-phone endpoint (``agent1``) and a browser one (``agent1-web``): the agent is
logged in while either is registered, and out once neither is. The states are kept in
:class:`telephony.agents.devices.RegisteredDevices`, which also tells call control which one to ring.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from config.db import session_scope
from routing import AgentTransitionError
from telephony.agent_profiles.repository import AgentIdentity, queue_agent_for_sip
from telephony.agents.devices import RegisteredDevices
from telephony.agents.exceptions import AgentNotFoundError
from telephony.agents.services import AgentService
from telephony.ari import AriError, HandlerRegistry
from telephony.ari.events import EndpointStateChange
from telephony.ari.models import Endpoint
from telephony.sandbox.agents import account_of_endpoint

log = logging.getLogger(__name__)
TECHNOLOGY = "PJSIP"


class AgentDirectory(Protocol):
    """Which agent a SIP account belongs to (the database in production)."""

    def agent_for_sip(self, username: str) -> AgentIdentity | None: ...


class NoAgentDirectory:
    """No database: no endpoint is an agent's, so registrations change nothing."""

    def agent_for_sip(self, username: str) -> AgentIdentity | None:
        return None


class DatabaseAgentDirectory:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def agent_for_sip(self, username: str) -> AgentIdentity | None:
        with session_scope(self._sessions) as session:
            return queue_agent_for_sip(session, username)


class EndpointAri(Protocol):
    async def subscribe(self, app: str, event_source: str) -> None: ...

    async def allow_only(self, app: str, event_types: Iterable[str]) -> None: ...

    async def list_endpoints(self, technology: str) -> list[Endpoint]: ...


class AgentPresence:
    """Agents' login state follows their softphone's registration."""

    def __init__(
        self,
        ari: EndpointAri,
        app: str,  # the presence app, not the call app (see the module docstring)
        agents: AgentService,
        directory: AgentDirectory,
        on_login: Callable[[], None] = lambda: None,
        devices: RegisteredDevices | None = None,
    ) -> None:
        self._ari = ari
        self._app = app
        self._agents = agents
        self._directory = directory
        self._on_login = on_login  # an agent became available: offer them the waiting calls
        self.devices = devices or RegisteredDevices()  # last state acted on, per endpoint resource

    def register(self, registry: HandlerRegistry) -> None:
        registry.add(EndpointStateChange, self.endpoint_state_change)

    async def connected(self) -> None:
        """After every (re)connection to ARI: subscribe, then catch up with every endpoint's state."""
        try:
            await self._ari.allow_only(self._app, [EndpointStateChange.type_name])
            await self._ari.subscribe(self._app, f"endpoint:{TECHNOLOGY}")
            endpoints = await self._ari.list_endpoints(TECHNOLOGY)
        except AriError as exc:  # calls still work; only registration-driven logins wait
            log.warning("cannot follow softphone registrations: %s", exc)
            return
        self.devices.clear()
        accounts: list[str] = []
        for endpoint in endpoints:  # every state first: an account's two endpoints decide together
            if endpoint.state in ("online", "offline"):
                self.devices.update(endpoint.resource, endpoint.online)
                account = account_of_endpoint(endpoint.resource)
                if account not in accounts:
                    accounts.append(account)
        for account in accounts:
            await self._follow_account(account)

    async def endpoint_state_change(self, event: EndpointStateChange) -> None:
        if event.endpoint.technology.upper() == TECHNOLOGY:
            await self._follow(event.endpoint)

    async def _follow(self, endpoint: Endpoint) -> None:
        if endpoint.state not in ("online", "offline"):
            return
        resource = endpoint.resource
        if self.devices.state(resource) == endpoint.online:
            return  # the same state again (its channels changed): nothing to do
        self.devices.update(resource, endpoint.online)
        await self._follow_account(account_of_endpoint(resource))

    async def _follow_account(self, account: str) -> None:
        identity = await asyncio.to_thread(self._directory.agent_for_sip, account)
        if identity is None:
            return
        try:
            if self.devices.account_online(account):
                await self._log_in(identity)
            else:
                agent = await self._agents.logout_after_call(identity.agent_id)
                if agent is not None:
                    log.info("agent %s's phone went offline: %s", identity.agent_id, agent.state)
        except (AgentTransitionError, AgentNotFoundError) as exc:
            log.warning("registration of %s not followed: %s", account, exc)

    async def _log_in(self, identity: AgentIdentity) -> None:
        before = await self._agents.store.find(identity.agent_id)
        agent = await self._agents.phone_registered(
            identity.agent_id, identity.endpoint, skills=identity.skills, queues=identity.queues
        )
        if agent != before:
            log.info("agent %s's phone registered: %s", identity.agent_id, agent.state)
            self._on_login()
