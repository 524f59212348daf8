"""Transcript segment schemas (Base / Create / Public)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from asr.frames import FinalTranscript

MAX_TEXT = 20_000
MAX_WORDS = 4_000


class WordPublic(BaseModel):
    word: str = Field(max_length=200)
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    confidence: float = Field(ge=0, le=1)


class TranscriptSegmentBase(BaseModel):
    call_id: str = Field(min_length=1, max_length=64)
    leg: str = Field(min_length=1, max_length=32)
    speaker: str | None = Field(default=None, max_length=128)
    start: float = Field(ge=0, description="Seconds on the leg clock")
    end: float = Field(ge=0)
    text: str = Field(max_length=MAX_TEXT)
    confidence: float = Field(ge=0, le=1)
    words: list[WordPublic] = Field(default_factory=list, max_length=MAX_WORDS)
    engine: str = Field(default="", max_length=32)

    @model_validator(mode="after")
    def _ordered(self) -> TranscriptSegmentBase:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class TranscriptSegmentCreate(TranscriptSegmentBase):
    @classmethod
    def from_final(cls, final: FinalTranscript, speaker: str | None = None) -> TranscriptSegmentCreate:
        data: dict[str, Any] = final.as_dict()
        data["speaker"] = speaker
        data["confidence"] = min(1.0, max(0.0, final.confidence))
        data["start"] = max(0.0, final.start)
        data["end"] = max(data["start"], final.end)
        return cls.model_validate(data)


class TranscriptSegmentPublic(TranscriptSegmentBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
