"""Errors about agents, each based on its kind in :mod:`config.errors` (which sets its status).

VoxdeskError
├── AgentError
│   ├── AgentNotFoundError     no such agent is known to call control                 NotFound
│   └── NoAgentAccountError    the user has no SIP account, so call control cannot ring them  Conflict
└── RoutingError (routing.exceptions)
    └── AgentTransitionError   the agent cannot do that now (pause while on a call, offer to a
                               paused agent...): the one agent-state model (routing.agents) refuses it
"""

from __future__ import annotations

from config import errors
from config.errors import VoxdeskError


class AgentError(VoxdeskError):
    """Base of agent errors."""


class AgentNotFoundError(AgentError, errors.NotFoundError):
    """The agent id is unknown."""


class NoAgentAccountError(AgentError, errors.ConflictError):
    """The signed-in user has no SIP account, so call control cannot reach their phone."""
