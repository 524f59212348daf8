"""Routing decisions, pure and fast: rules -> queue, queue -> agent, waiting call -> next action.

No I/O and no imports from telephony/web/asr: the call controller passes immutable inputs in and
acts on the decisions that come out.
"""

from routing.agents import ALLOWED_TRANSITIONS, Agent, AgentState
from routing.config import RoutingConfig, parse_queues, parse_rules
from routing.exceptions import AgentTransitionError, RoutingConfigError, RoutingError
from routing.pool import AgentChoice, AgentPool, pick_agent
from routing.queues import Queue, Strategy
from routing.rules import CallContext, RouteDecision, RoutingRule, RuleSet, TimeWindow, route_call
from routing.waiting import (
    Announce,
    OfferCallback,
    Overflow,
    QueueAction,
    Wait,
    WaitingCall,
    announcement_text,
    estimate_wait,
    next_call_for_agent,
    next_queue_action,
    positions,
    queue_order,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "Agent",
    "AgentChoice",
    "AgentPool",
    "AgentState",
    "AgentTransitionError",
    "Announce",
    "CallContext",
    "OfferCallback",
    "Overflow",
    "Queue",
    "QueueAction",
    "RouteDecision",
    "RoutingConfig",
    "RoutingConfigError",
    "RoutingError",
    "RoutingRule",
    "RuleSet",
    "Strategy",
    "TimeWindow",
    "Wait",
    "WaitingCall",
    "announcement_text",
    "estimate_wait",
    "next_call_for_agent",
    "next_queue_action",
    "parse_queues",
    "parse_rules",
    "pick_agent",
    "positions",
    "queue_order",
    "route_call",
]
