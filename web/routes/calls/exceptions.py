"""Refusals of console requests, checked before a command is queued (mapped to HTTP in ``routes``).

VoxdeskError
├── CallError (telephony.calls)
│   ├── CallNotFoundError         no live call has that id                        -> 404
│   ├── CallStateConflictError         the call is not in a state that allows it       -> 409
│   ├── NotOnThisCallError             an agent acted on a call that is not theirs     -> 403
│   └── BadTransferTargetError         unknown queue or agent, or the agent themself   -> 422
├── AgentError (telephony.agents)
│   ├── AgentNotFoundError        unknown to call control                         -> 404
│   └── NoAgentAccountError            the user has no SIP account                     -> 409
└── RoutingError (routing)
    └── AgentTransitionError      e.g. pause while on a call, target busy         -> 409
"""

from __future__ import annotations

from telephony.agents.exceptions import AgentError
from telephony.calls.exceptions import CallError


class CallStateConflictError(CallError):
    """The call's state does not allow the request now."""


class NotOnThisCallError(CallError):
    """Agents control only the calls they are on."""


class BadTransferTargetError(CallError):
    """The transfer target does not exist or cannot take the call."""


class NoAgentAccountError(AgentError):
    """The signed-in user has no SIP account, so call control cannot reach their phone."""
