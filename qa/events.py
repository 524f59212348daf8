"""Live QA events on a call, published through the notifier on ``voxdesk:call:<call_id>``.

The console feed relays every ``qa.*`` event of a call to those who may see the call: the agent on it,
supervisors, QA managers and admins. Evidence text is the redacted transcript (no card data).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from config.events import Event, register_event


@register_event
class QaAlert(Event):
    """A forbidden statement was heard, or a required disclosure was not said in time."""

    event_type: ClassVar[str] = "qa.alert"
    routing_fields: ClassVar[tuple[str, ...]] = ("call_id",)

    call_id: str
    rule: str
    kind: Literal["forbidden", "missing_disclosure"]
    severity: str
    leg: str  # who said it (forbidden) or should have said it (missing disclosure): agent | caller
    text: str  # the redacted evidence; empty for a missing disclosure
    start: float  # seconds from the start of the call
    end: float
    score: float
    action: str = "warn"
    agent: str | None = None  # the agent on the call (SIP user name), when known


@register_event
class QaRequirementMet(Event):
    """A required disclosure was said (the console ticks it off)."""

    event_type: ClassVar[str] = "qa.requirement_met"
    routing_fields: ClassVar[tuple[str, ...]] = ("call_id",)

    call_id: str
    rule: str
    leg: str
    text: str
    start: float
    end: float
    score: float
    agent: str | None = None


@register_event
class QaSuggestion(Event):
    """The top knowledge-base answers (and suggested actions) for what the caller just asked;
    replaces the previous suggestion of the call."""

    event_type: ClassVar[str] = "qa.suggestion"
    routing_fields: ClassVar[tuple[str, ...]] = ("call_id",)

    call_id: str
    suggestions: list[dict[str, Any]]  # {article, title, snippet, source, rank, score}
    actions: list[dict[str, Any]]  # {intent, label, action}
    language: str
    for_text: str  # the caller's words the suggestions answer
