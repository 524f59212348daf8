"""Capped, jittered exponential backoff for reconnecting to Asterisk."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays 0.2, 0.4, 0.8 ... seconds up to ``cap``, each scaled by a random factor in [1-jitter, 1].

    Jitter keeps several controllers from hammering a restarted Asterisk in lockstep.
    """

    initial: float = 0.2
    factor: float = 2.0
    cap: float = 10.0
    jitter: float = 0.5
    rng: random.Random = field(default_factory=random.Random)
    attempts: int = 0

    def next_delay(self) -> float:
        """The delay before the next attempt; grows until ``cap``."""
        base = min(self.cap, self.initial * (self.factor**self.attempts))
        self.attempts += 1
        return base * (1.0 - self.jitter * self.rng.random())

    def reset(self) -> None:
        """Call after a successful connection so the next outage starts small again."""
        self.attempts = 0
