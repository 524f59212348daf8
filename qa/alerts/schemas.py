"""What the API shows of a stored alert, and the finding payload the storing job accepts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FindingPayload(BaseModel):
    """``dataclasses.asdict(Finding)`` as sent to the "qa.store_findings" job (validated there)."""

    model_config = ConfigDict(extra="ignore")

    rule_id: str = Field(min_length=1, max_length=64)
    kind: Literal["forbidden", "missing_disclosure", "requirement_met"]
    severity: str = Field(max_length=16)
    speaker: str = Field(max_length=16)
    text: str = Field(default="", max_length=20_000)
    start: float = 0.0
    end: float = 0.0
    score: float = 0.0
    action: Literal["warn", "block"] = "warn"


class QaAlertPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: str | None
    conversation_id: int | None
    channel: str
    agent: str | None
    rule_id: str
    kind: str
    severity: str
    speaker: str
    evidence: str
    start: float
    end: float
    score: float
    action: str
    created_at: datetime
