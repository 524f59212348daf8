"""Errors of the routing decisions.

VoxdeskError
└── RoutingError
    ├── AgentTransitionError   an agent state change that is not allowed (busy -> paused...)  Conflict
    └── RoutingConfigError     queues or rules YAML is invalid; each problem names it          InvalidInput
"""

from __future__ import annotations

from config.errors import ConflictError, InvalidInputError, VoxdeskError


class RoutingError(VoxdeskError):
    """Base of routing's errors."""


class AgentTransitionError(RoutingError, ConflictError):
    """The requested agent state change is not allowed from the agent's current state."""


class RoutingConfigError(RoutingError, InvalidInputError):
    """Routing configuration is refused; ``problems`` says where and why."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__(f"routing configuration {source} is invalid:\n  " + "\n  ".join(problems))

    def public_detail(self) -> object:
        return {"message": str(self), "problems": list(self.problems)}
