"""Queue definitions: strategy, required skills, overflow, maximum wait, announcements, music on hold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Strategy(StrEnum):
    """How a queue picks among eligible agents."""

    LONGEST_IDLE = "longest_idle"
    ROUND_ROBIN = "round_robin"
    SKILLS = "skills"  # best skill match (highest levels on the required skills), then longest idle


@dataclass(frozen=True, slots=True)
class Queue:
    """One queue. ``members=None`` admits any agent holding the required skills at their levels."""

    name: str
    strategy: Strategy = Strategy.LONGEST_IDLE
    required_skills: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    members: frozenset[str] | None = None
    overflow_after_s: float | None = None
    overflow_queue: str | None = None
    max_wait_s: float | None = None  # then offer a callback that keeps the caller's place
    first_announcement_s: float = 30.0
    announce_every_s: float | None = 60.0
    music_on_hold: str = "default"
    average_handle_s: float = 240.0  # estimate for wait announcements until real figures exist
    ring_timeout_s: float = 15.0
    wrap_up_s: float = 10.0
