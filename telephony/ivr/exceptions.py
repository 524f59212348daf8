"""Errors of the IVR engine.

VoxdeskError
└── IvrError
    ├── IvrFlowError      a flow is invalid; ``problems`` name each node and the reason
    └── IvrSessionError   an event was fed to a session that cannot take it
"""

from __future__ import annotations

from dataclasses import dataclass

from config.errors import InvalidInputError, VoxdeskError


class IvrError(VoxdeskError):
    """Base of the IVR engine's errors."""


@dataclass(frozen=True, slots=True)
class FlowProblem:
    """One thing wrong with a flow: where (a node id, or None for the flow itself) and why."""

    node: str | None
    reason: str

    def __str__(self) -> str:
        return f"node {self.node!r}: {self.reason}" if self.node else self.reason


class IvrFlowError(IvrError, InvalidInputError):
    """A flow is refused; the running flow stays in use."""

    def __init__(self, flow_name: str, problems: list[FlowProblem]) -> None:
        self.flow_name = flow_name
        self.problems = tuple(problems)
        lines = "\n  ".join(str(problem) for problem in problems)
        super().__init__(f"IVR flow {flow_name!r} is invalid:\n  {lines}")

    def public_detail(self) -> object:
        problems = [{"node": p.node, "reason": p.reason} for p in self.problems]
        return {"message": str(self), "problems": problems}


class IvrSessionError(IvrError):
    """A session was driven wrongly (for example started twice)."""
