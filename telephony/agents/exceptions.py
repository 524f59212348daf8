"""Errors about agents.

VoxdeskError
└── AgentError
    ├── AgentNotFoundError     no such agent is known to call control
    └── AgentStateError        the agent cannot do that now (e.g. pause while on a call)
"""

from __future__ import annotations

from config.errors import VoxdeskError


class AgentError(VoxdeskError):
    """Base of agent errors."""


class AgentNotFoundError(AgentError):
    """The agent id is unknown."""


class AgentStateError(AgentError):
    """The agent's current status does not allow the request."""
