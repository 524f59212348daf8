"""Loading queues and routing rules from YAML (``config/routing/``), with errors naming the rule or queue.

``queues.yaml``::

    queues:
      sales: {strategy: skills, skills: {sales: 1}, overflow: {after: 90, to: general}, max_wait: 300}

``rules.yaml``::

    default_queue: general
    rules:
      - name: vip-callers
        when: {vip: true}
        queue: priority
        priority: 10
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config.bounded_yaml import load_bounded_yaml
from routing.exceptions import RoutingConfigError
from routing.queues import Queue, Strategy
from routing.rules import DAY_NAMES, RoutingRule, RuleSet, TimeWindow

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Overflow(_Strict):
    after: float = Field(gt=0)
    to: str


class _Announce(_Strict):
    first: float = Field(default=30, ge=0)
    every: float | None = Field(default=60, gt=0)


class _QueueSpec(_Strict):
    strategy: Strategy = Strategy.LONGEST_IDLE
    skills: dict[str, int] = Field(default_factory=dict)
    members: list[str] | None = None
    overflow: _Overflow | None = None
    max_wait: float | None = Field(default=None, gt=0)
    announce: _Announce = _Announce()
    music_on_hold: str = Field(default="default", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    average_handle: float = Field(default=240, gt=0)
    ring_timeout: float = Field(default=15, gt=0, le=300)
    wrap_up: float = Field(default=10, ge=0, le=3600)


class _TimeSpec(_Strict):
    days: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    between: str = "00:00-24:00"
    timezone: str = "UTC"


class _When(_Strict):
    ivr_choice: list[str] | None = None
    segment: list[str] | None = None
    vip: bool | None = None
    language: list[str] | None = None
    time: _TimeSpec | None = None


class _RuleSpec(_Strict):
    name: str = Field(min_length=1, max_length=100)
    when: _When = _When()
    queue: str
    priority: int | None = Field(default=None, ge=0, le=100)
    skills: dict[str, int] = Field(default_factory=dict)


def _errors(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        out.append(f"{where}: {'unknown field' if err['type'] == 'extra_forbidden' else err['msg']}")
    return out


def _load_yaml(text: str, source: str, key: str) -> Any:
    try:
        data = load_bounded_yaml(text)
    except yaml.YAMLError as exc:
        raise RoutingConfigError(source, [f"not valid YAML: {exc}"]) from None
    if not isinstance(data, dict) or key not in data:
        raise RoutingConfigError(source, [f"must be a mapping with a '{key}' key"])
    return data


def _check_levels(where: str, skills: dict[str, int], problems: list[str]) -> None:
    for skill, level in skills.items():
        if not 1 <= level <= 10:
            problems.append(f"{where}: skill {skill!r} level {level} is outside 1..10")


def _overflow_loops(specs: dict[str, _QueueSpec]) -> list[str]:
    problems = []
    for start in specs:
        chain, current = [start], specs[start].overflow
        while current is not None and current.to in specs:
            if current.to in chain:
                if current.to == start:
                    problems.append(f"queue {start!r}: overflow loops {' -> '.join([*chain, start])}")
                break
            chain.append(current.to)
            current = specs[current.to].overflow
    return problems


def parse_queues(text: str, source: str = "queues.yaml") -> dict[str, Queue]:
    """Queues by name. Raises RoutingConfigError naming each bad queue."""
    data = _load_yaml(text, source, "queues")
    raw = data["queues"]
    if not isinstance(raw, dict) or not raw:
        raise RoutingConfigError(source, ["'queues' must be a non-empty mapping of name -> queue"])
    problems: list[str] = []
    specs: dict[str, _QueueSpec] = {}
    for name, body in raw.items():
        try:
            specs[str(name)] = _QueueSpec.model_validate(body or {})
        except ValidationError as exc:
            problems.extend(f"queue {name!r}: {reason}" for reason in _errors(exc))
    for name, spec in specs.items():
        _check_levels(f"queue {name!r}", spec.skills, problems)
        if spec.overflow and spec.overflow.to not in raw:
            problems.append(f"queue {name!r}: overflows to {spec.overflow.to!r}, which is not a queue")
        if spec.strategy is Strategy.SKILLS and not spec.skills:
            problems.append(f"queue {name!r}: strategy 'skills' needs at least one required skill")
    problems.extend(_overflow_loops(specs))
    if problems:
        raise RoutingConfigError(source, problems)
    return {name: _to_queue(name, spec) for name, spec in specs.items()}


def _to_queue(name: str, spec: _QueueSpec) -> Queue:
    return Queue(
        name=name,
        strategy=spec.strategy,
        required_skills=MappingProxyType(dict(spec.skills)),
        members=frozenset(spec.members) if spec.members is not None else None,
        overflow_after_s=spec.overflow.after if spec.overflow else None,
        overflow_queue=spec.overflow.to if spec.overflow else None,
        max_wait_s=spec.max_wait,
        first_announcement_s=spec.announce.first,
        announce_every_s=spec.announce.every,
        music_on_hold=spec.music_on_hold,
        average_handle_s=spec.average_handle,
        ring_timeout_s=spec.ring_timeout,
        wrap_up_s=spec.wrap_up,
    )


def _time_window(spec: _TimeSpec) -> TimeWindow:
    try:
        zone = ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {spec.timezone!r}") from None
    try:
        start_text, end_text = spec.between.split("-")
        start = time.fromisoformat(start_text.strip())
        end = time.max if end_text.strip() == "24:00" else time.fromisoformat(end_text.strip())
    except ValueError:
        raise ValueError(f"time 'between' {spec.between!r} is not like '09:00-17:30'") from None
    if start == end:
        raise ValueError(f"time 'between' {spec.between!r} is empty")
    return TimeWindow(frozenset(DAY_NAMES.index(d) for d in spec.days), start, end, zone)


def _to_rule(spec: _RuleSpec) -> RoutingRule:
    when = spec.when

    def as_set(values: list[str] | None) -> frozenset[str] | None:
        return frozenset(values) if values is not None else None

    return RoutingRule(
        name=spec.name,
        queue=spec.queue,
        ivr_choices=as_set(when.ivr_choice),
        segments=as_set(when.segment),
        vip=when.vip,
        languages=as_set(when.language),
        time=_time_window(when.time) if when.time else None,
        priority=spec.priority,
        skills=MappingProxyType(dict(spec.skills)),
    )


def parse_rules(text: str, queues: dict[str, Queue], source: str = "rules.yaml") -> RuleSet:
    """The rule set, checked against the known queues. Raises RoutingConfigError naming each bad rule."""
    data = _load_yaml(text, source, "rules")
    problems: list[str] = []
    default_queue = data.get("default_queue")
    if not isinstance(default_queue, str) or default_queue not in queues:  # a list is unhashable
        problems.append(f"default_queue {default_queue!r} is not a queue")
    raw = data["rules"] or []
    if not isinstance(raw, list):
        raise RoutingConfigError(source, ["'rules' must be a list"])
    rules: list[RoutingRule] = []
    seen: set[str] = set()
    for index, body in enumerate(raw, start=1):
        label = repr(body.get("name")) if isinstance(body, dict) and body.get("name") else f"#{index}"
        try:
            spec = _RuleSpec.model_validate(body)
        except ValidationError as exc:
            problems.extend(f"rule {label}: {reason}" for reason in _errors(exc))
            continue
        if spec.name in seen:
            problems.append(f"rule {label}: the name is used twice")
        seen.add(spec.name)
        if spec.queue not in queues:
            problems.append(f"rule {label}: queue {spec.queue!r} is not a queue")
        _check_levels(f"rule {label}", spec.skills, problems)
        try:
            rules.append(_to_rule(spec))
        except ValueError as exc:
            problems.append(f"rule {label}: {exc}")
    if problems:
        raise RoutingConfigError(source, problems)
    return RuleSet(tuple(rules), str(default_queue))


@dataclass(frozen=True)
class RoutingConfig:
    queues: dict[str, Queue]
    rules: RuleSet

