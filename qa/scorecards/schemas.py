"""Scorecard values: the call facts a score is computed from, items, reviews and notes."""

from __future__ import annotations

import math
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qa.scorecards.timeline import AGENT


class ItemStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "n/a"


class CallFacts(BaseModel):
    """What call control knows about a finished call that the transcript does not say.

    Times are wall-clock seconds. ``leg_offsets`` put a leg's clock on the call clock (the caller's
    leg, tapped when the call entered); without one an agent leg is placed at ``answered_at``.
    """

    model_config = ConfigDict(extra="ignore")

    call_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    agent_id: str = Field(min_length=1, max_length=64)
    queue_id: str | None = Field(default=None, max_length=64)
    channel: str = Field(default="voice", max_length=16)
    language: str | None = Field(default=None, max_length=16)
    offered_at: float | None = Field(default=None, ge=0)
    answered_at: float | None = Field(default=None, ge=0)
    ended_at: float | None = Field(default=None, ge=0)
    hold_s: float = Field(default=0.0, ge=0, le=86_400)
    leg_offsets: dict[str, float] = Field(default_factory=dict, max_length=16)

    @field_validator("offered_at", "answered_at", "ended_at", "hold_s")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    def offsets(self, legs: set[str]) -> dict[str, float]:
        """Each leg's offset onto the call clock."""
        joined = 0.0
        if self.answered_at is not None and self.offered_at is not None:
            joined = max(0.0, self.answered_at - self.offered_at)
        return {leg: self.leg_offsets.get(leg, joined if leg.startswith(AGENT) else 0.0) for leg in legs}


class Evidence(BaseModel):
    """Where an item's result comes from: an utterance (times on the call clock) or a finding."""

    leg: str | None = None
    start: float | None = None
    end: float | None = None
    text: str = ""
    rule_id: str | None = None
    severity: str | None = None
    note: str = ""


class ScoreItem(BaseModel):
    key: str
    label: str
    weight: float
    status: ItemStatus
    value: float | None = None
    unit: str = ""
    evidence: list[Evidence] = Field(default_factory=list)


class ScoreSheet(BaseModel):
    """The automatic result: every item and the weighted total (0-100)."""

    items: list[ScoreItem]
    total: float


# ---- reviews and notes (API) ---------------------------------------------------------------------
class ItemOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ItemStatus
    reason: str = Field(min_length=1, max_length=2000)


class ReviewUpdate(BaseModel):
    """A QA manager's review: item results and the total they override, and whether it is done."""

    model_config = ConfigDict(extra="forbid")

    items: dict[str, ItemOverride] = Field(default_factory=dict, max_length=32)
    total: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    reason: str | None = Field(default=None, max_length=2000)
    reviewed: bool = True

    @model_validator(mode="after")
    def _reason_for_total(self) -> ReviewUpdate:
        if self.total is not None and not (self.reason or "").strip():
            raise ValueError("overriding the total needs a reason")
        return self


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a note needs some text")
        return value


class NotePublic(BaseModel):
    id: int
    scorecard_id: int
    author_id: int | None
    author_name: str
    text: str
    created_at: datetime


class ScorecardItemPublic(ScoreItem):
    """An item as shown: ``status`` after review, ``auto_status`` as computed."""

    auto_status: ItemStatus
    override_reason: str | None = None


class ScorecardPublic(BaseModel):
    id: int
    call_id: str
    agent_id: str
    queue_id: str | None
    call_at: datetime | None
    scored_at: datetime
    total: float
    auto_total: float
    override_total: float | None
    override_reason: str | None
    reviewed: bool
    reviewed_by: int | None
    reviewed_at: datetime | None
    items: list[ScorecardItemPublic]
    notes: list[NotePublic] = Field(default_factory=list)


class ItemRate(BaseModel):
    passed: int
    applicable: int
    pass_rate: float | None


class AgentScores(BaseModel):
    """What analytics charts per agent: how many calls, their average total, pass rate per item."""

    agent_id: str
    count: int
    average_total: float | None
    items: dict[str, ItemRate]


# ---- calibration (API) ---------------------------------------------------------------------------
class CalibrationUpdate(BaseModel):
    """A reviewer's own result of every item of the scorecard, scored without seeing the others'."""

    model_config = ConfigDict(extra="forbid")

    items: dict[str, ItemStatus] = Field(min_length=1, max_length=32)


class CalibrationEntry(BaseModel):
    reviewer_id: int
    reviewer_name: str
    items: dict[str, ItemStatus]
    total: float
    updated_at: datetime


class ReviewerPair(BaseModel):
    """How often two reviewers gave an item the same result (0-1)."""

    first: str
    second: str
    agreement: float


class CalibrationPublic(BaseModel):
    """The scorecard's calibration. Blind: a QA reviewer sees the others' results, the pairwise
    agreement and the items they disagree on only once they have submitted their own."""

    scorecard_id: int
    reviewers: int
    mine: CalibrationEntry | None
    entries: list[CalibrationEntry]
    agreement: float | None  # the mean of the pairs' agreement (None below two reviewers)
    pairs: list[ReviewerPair]
    disagreed: list[str]  # item keys not every reviewer scored the same
