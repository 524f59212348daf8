"""Errors about agents, each based on its kind in :mod:`config.errors` (which sets its status).

VoxdeskError
└── AgentError
    ├── AgentNotFoundError     no such agent is known to call control                 NotFound
    ├── AgentStateError        the agent cannot do that now (e.g. pause while on a call)  Conflict
    └── NoAgentAccountError    the user has no SIP account, so call control cannot ring them  Conflict
"""

from __future__ import annotations

from config import errors
from config.errors import VoxdeskError


class AgentError(VoxdeskError):
    """Base of agent errors."""


class AgentNotFoundError(AgentError, errors.NotFoundError):
    """The agent id is unknown."""


class AgentStateError(AgentError, errors.ConflictError):
    """The agent's current status does not allow the request."""


class NoAgentAccountError(AgentError, errors.ConflictError):
    """The signed-in user has no SIP account, so call control cannot reach their phone."""
