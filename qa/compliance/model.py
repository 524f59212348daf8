"""What compliance rules talk about: the rules file, one utterance, and what a rule found in it.

The rule file is strict (unknown keys, a deadline on a forbidden rule, an empty example list are all
refused) because a typo in a compliance rule silently disables it otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

CHANNELS = ("voice", "email", "webchat", "sms", "wechat")
RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]
Example = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class RuleKind(StrEnum):
    FORBIDDEN = "forbidden"
    REQUIRED = "required"


class Speaker(StrEnum):
    AGENT = "agent"
    CALLER = "caller"
    ANY = "any"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ComplianceRule(BaseModel):
    """One rule: what is forbidden (or required), said by whom, where, and how bad a hit is.

    ``examples`` are sentences of the kind the rule is about; paraphrases, recognition errors and
    other languages match too. ``threshold`` (0..1) overrides the calibrated default score.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: RuleId
    kind: RuleKind
    speaker: Speaker = Speaker.AGENT
    severity: Severity = Severity.MEDIUM
    examples: list[Example] = Field(min_length=1, max_length=100)
    within_s: float | None = Field(default=None, gt=0, le=86_400, validate_default=True)
    threshold: float | None = Field(default=None, ge=0, le=1)
    action: Literal["warn", "block"] = "warn"
    queues: list[Word] = Field(default_factory=list, max_length=100)
    channels: list[Word] = Field(default_factory=list, max_length=len(CHANNELS))
    description: str = Field(default="", max_length=1000)

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c.lower() not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel {unknown[0]!r}; channels are {', '.join(CHANNELS)}")
        return [c.lower() for c in value]

    @field_validator("within_s")
    @classmethod
    def _deadline_only_for_required(cls, value: float | None, info: ValidationInfo) -> float | None:
        kind = info.data.get("kind")  # absent when the kind itself is invalid (reported there)
        if kind is RuleKind.REQUIRED and value is None:
            raise ValueError("a required rule needs within_s: seconds from the agent's first words")
        if kind is RuleKind.FORBIDDEN and value is not None:
            raise ValueError("within_s is for required rules only; a forbidden rule applies all along")
        return value

    def applies_to(self, channel: str, queue: str | None) -> bool:
        """True when the rule covers this channel and queue (an empty list covers all)."""
        if self.channels and channel.lower() not in self.channels:
            return False
        return not self.queues or (queue is not None and queue in self.queues)

    def heard_from(self, speaker: str) -> bool:
        return self.speaker is Speaker.ANY or self.speaker.value == speaker


class RuleSet(BaseModel):
    """The whole rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[ComplianceRule] = Field(default_factory=list, max_length=500)

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, rules: list[ComplianceRule]) -> list[ComplianceRule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(f"two rules have the id {rule.id!r}; ids must be unique")
            seen.add(rule.id)
        return rules


@dataclass(frozen=True)
class Utterance:
    """One thing said or written; times in seconds from the start of the call or conversation."""

    speaker: str  # "agent" | "caller"
    text: str
    start: float = 0.0
    end: float = 0.0
    segment_id: str | None = None


FindingKind = Literal["forbidden", "missing_disclosure", "requirement_met"]


@dataclass(frozen=True)
class Finding:
    """What a rule found: a forbidden statement, a disclosure said, or one missing at its deadline.

    ``text`` is the evidence as the engine got it (callers pass redacted text); empty for a missing
    disclosure. ``score`` is the match score (0 for a missing disclosure).
    """

    rule_id: str
    kind: FindingKind
    severity: str
    speaker: str
    text: str
    start: float
    end: float
    score: float
    action: str = "warn"
