"""Admin routing rules: conditions on the call (IVR choice, segment, VIP, language, time) -> queue.

Rules are tried in file order; the first that matches decides. Rules are bucketed by IVR choice when
the set is built, so a decision only looks at the rules that can apply to that choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from types import MappingProxyType
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class CallContext:
    """What routing knows about a call when it leaves the IVR."""

    now: datetime
    ivr_choice: str | None = None
    segment: str | None = None
    vip: bool = False
    language: str = "en"
    requested_queue: str | None = None
    priority: int = 0
    skills: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Days of the week and a local time range; a range like 22:00-06:00 wraps past midnight."""

    days: frozenset[int]
    start: time
    end: time
    zone: ZoneInfo

    def contains(self, now: datetime) -> bool:
        local = now.astimezone(self.zone)
        moment = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return local.weekday() in self.days and self.start <= moment < self.end
        # Wrapping range: the part after midnight belongs to the day the window started.
        if moment >= self.start:
            return local.weekday() in self.days
        return moment < self.end and (local.weekday() - 1) % 7 in self.days


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """One rule; a condition left as None matches anything."""

    name: str
    queue: str
    ivr_choices: frozenset[str] | None = None
    segments: frozenset[str] | None = None
    vip: bool | None = None
    languages: frozenset[str] | None = None
    time: TimeWindow | None = None
    priority: int | None = None
    skills: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def matches(self, call: CallContext) -> bool:
        return (
            (self.vip is None or call.vip == self.vip)
            and (self.segments is None or call.segment in self.segments)
            and (self.languages is None or call.language in self.languages)
            and (self.ivr_choices is None or call.ivr_choice in self.ivr_choices)
            and (self.time is None or self.time.contains(call.now))
        )


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """Where the call goes: queue, priority, skills, and which rule decided (None: no rule matched)."""

    queue: str
    priority: int
    skills: tuple[tuple[str, int], ...]
    rule: str | None


class RuleSet:
    """Ordered rules plus the default queue, indexed by IVR choice."""

    def __init__(self, rules: tuple[RoutingRule, ...], default_queue: str) -> None:
        self.rules = rules
        self.default_queue = default_queue
        choices = {choice for rule in rules for choice in rule.ivr_choices or ()}
        self._any_choice = tuple(rule for rule in rules if rule.ivr_choices is None)
        self._by_choice = {
            choice: tuple(r for r in rules if r.ivr_choices is None or choice in r.ivr_choices)
            for choice in choices
        }

    def candidates(self, ivr_choice: str | None) -> tuple[RoutingRule, ...]:
        if ivr_choice is None:
            return self._any_choice
        return self._by_choice.get(ivr_choice, self._any_choice)


def _merge_skills(call: CallContext, rule: RoutingRule | None) -> tuple[tuple[str, int], ...]:
    merged = dict(call.skills)
    for skill, level in (rule.skills if rule else {}).items():
        merged[skill] = max(level, merged.get(skill, 0))
    return tuple(sorted(merged.items()))


def route_call(call: CallContext, rules: RuleSet) -> RouteDecision:
    """The first matching rule's queue; otherwise the queue the IVR asked for, or the default queue."""
    for rule in rules.candidates(call.ivr_choice):
        if rule.matches(call):
            priority = call.priority if rule.priority is None else rule.priority
            return RouteDecision(rule.queue, priority, _merge_skills(call, rule), rule.name)
    queue = call.requested_queue or rules.default_queue
    return RouteDecision(queue, call.priority, _merge_skills(call, None), None)
