"""Errors about agents.

VoxdeskError
├── AgentError
│   └── AgentNotFoundError     no such agent is known to call control
└── RoutingError (routing.exceptions)
    └── AgentTransitionError   the agent cannot do that now (pause while on a call, offer to a
                               paused agent...): the one agent-state model (routing.agents) refuses it
"""

from __future__ import annotations

from config.errors import VoxdeskError


class AgentError(VoxdeskError):
    """Base of agent errors."""


class AgentNotFoundError(AgentError):
    """The agent id is unknown."""
