"""Agents' SIP endpoints, applied by the controller while Asterisk runs (no restart, no dropped call).

An admin adds an agent or rotates a SIP password in ``web/``, which only queues a
``ReloadSipEndpoints`` command. The controller owns Asterisk: it re-renders the endpoints from the
database into the config Asterisk reads, then asks ARI to reload ``res_pjsip.so``. An external
Asterisk is the admin's (``voxdesk asterisk config`` prints the lines to add), so nothing is written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from telephony.sandbox.agents import SipCredentialSpec, stored_agent_credentials

log = logging.getLogger(__name__)
PJSIP_MODULE = "res_pjsip.so"


class AgentConfigWriter(Protocol):
    def write(self) -> int:
        """Render every agent's endpoint where Asterisk reads it; returns how many agents."""
        ...


class ModuleReloader(Protocol):
    async def reload_module(self, module: str) -> None: ...


class ConfigRenderer(Protocol):
    """:class:`telephony.sandbox.AsteriskSandbox` (sandbox and host modes)."""

    def render(self, agents: Sequence[SipCredentialSpec] = ()) -> object: ...


class SandboxAgentConfig:
    """Renders the sandbox's (or host Asterisk's) config with the agents stored in the database."""

    def __init__(self, sandbox: ConfigRenderer, database_url: str) -> None:
        self._sandbox = sandbox
        self._database_url = database_url

    def write(self) -> int:
        agents = stored_agent_credentials(self._database_url)
        self._sandbox.render(agents)
        return len(agents)


class EndpointReloader:
    """Re-render, then reload pjsip through ARI; an Asterisk Voxdesk does not configure is left alone."""

    def __init__(self, writer: AgentConfigWriter | None, ari: ModuleReloader) -> None:
        self._writer = writer
        self._ari = ari

    @property
    def managed(self) -> bool:
        return self._writer is not None

    async def reload(self) -> int | None:
        """How many agent endpoints Asterisk now has; None when Asterisk is external (nothing done).

        Raises:
            SandboxError: the config could not be written.
            AriError: Asterisk refused the reload (the files are written; the next reload applies them).
        """
        if self._writer is None:
            log.info("SIP accounts changed; asterisk.mode=external, so the admin updates the PBX")
            return None
        count = await asyncio.to_thread(self._writer.write)
        await self._ari.reload_module(PJSIP_MODULE)
        log.info("pjsip reloaded with %d agent endpoints", count)
        return count
