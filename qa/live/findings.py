"""The compliance engine's utterance and finding types, as live QA uses them.

Stand-ins with the exact shapes of ``qa/compliance/model.py`` (COMMON.md) until that part is merged;
then this module re-exports the real classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Utterance:
    speaker: str  # "agent" | "caller"
    text: str
    start: float  # seconds from the start of the call
    end: float
    segment_id: str | None = None


@dataclass(frozen=True)
class Finding:
    rule_id: str
    kind: Literal["forbidden", "missing_disclosure", "requirement_met"]
    severity: str
    speaker: str
    text: str
    start: float
    end: float
    score: float
    action: str = "warn"
