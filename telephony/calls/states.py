"""The call state machine: states registered by name, each with the states it may lead to.

ringing -> ivr -> queued -> offering -> connected -> wrap_up -> ended is the usual path;
on_hold and transferring branch off connected; abandoned is a caller hanging up before an agent;
callback_pending is a caller who accepted a callback and hung up, keeping their place in the queue;
callback_dialing is the agent answered and the customer's phone is being called.
"""

from __future__ import annotations

from dataclasses import dataclass

from telephony.calls.exceptions import InvalidTransitionError


@dataclass(frozen=True, slots=True)
class CallState:
    """One state: its name, where it may go, and whether the call is over."""

    name: str
    next_states: frozenset[str]
    terminal: bool = False
    waiting_for_agent: bool = False


STATES: dict[str, CallState] = {}


def register_state(
    name: str, next_states: set[str], *, terminal: bool = False, waiting_for_agent: bool = False
) -> CallState:
    state = CallState(name, frozenset(next_states), terminal, waiting_for_agent)
    STATES[name] = state
    return state


RINGING = register_state("ringing", {"ivr", "queued", "abandoned", "ended"})
IVR = register_state("ivr", {"ivr", "queued", "abandoned", "ended", "transferring"})
QUEUED = register_state(
    "queued", {"queued", "offering", "callback_pending", "abandoned", "ended"}, waiting_for_agent=True
)
OFFERING = register_state(
    "offering",
    {"connected", "queued", "callback_pending", "callback_dialing", "abandoned", "ended"},
    waiting_for_agent=True,
)
CALLBACK_PENDING = register_state("callback_pending", {"offering", "ended"}, waiting_for_agent=True)
CALLBACK_DIALING = register_state("callback_dialing", {"connected", "callback_pending", "ended"})
CONNECTED = register_state("connected", {"on_hold", "transferring", "queued", "wrap_up", "ended"})
ON_HOLD = register_state("on_hold", {"connected", "transferring", "wrap_up", "ended"})
TRANSFERRING = register_state("transferring", {"connected", "on_hold", "queued", "wrap_up", "ended"})
WRAP_UP = register_state("wrap_up", {"ended"})
ABANDONED = register_state("abandoned", {"ended"})
ENDED = register_state("ended", set(), terminal=True)


def get_state(name: str) -> CallState:
    """The registered state called ``name`` (KeyError for an unknown name)."""
    return STATES[name]


def check_transition(call_id: str, current: str, requested: str) -> None:
    """Raise :class:`InvalidTransitionError` unless ``current`` may lead to ``requested``."""
    if requested not in STATES or requested not in STATES[current].next_states:
        raise InvalidTransitionError(call_id, current, requested)
