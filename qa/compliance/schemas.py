"""What the API takes and shows of compliance checks and rules."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qa.compliance.model import CHANNELS, Finding, RuleSet
from qa.compliance.store import MAX_RULES_BYTES

Channel = Literal["voice", "email", "webchat", "sms", "wechat"]
assert set(CHANNELS) == {"voice", "email", "webchat", "sms", "wechat"}
MAX_CHECKED_CHARS = 20_000


class CheckRequest(BaseModel):
    """A text to check against the forbidden rules in effect, as said or written by ``speaker``."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_CHECKED_CHARS)
    speaker: Literal["agent", "caller"] = "agent"
    channel: Channel = "voice"
    queue: str | None = Field(default=None, min_length=1, max_length=64)


class FindingPublic(BaseModel):
    rule_id: str
    kind: str
    severity: str
    speaker: str
    text: str
    start: float
    end: float
    score: float
    action: str

    @classmethod
    def of(cls, finding: Finding) -> FindingPublic:
        return cls(**finding.__dict__)


class RulesText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yaml: str = Field(max_length=MAX_RULES_BYTES, description="The whole compliance rules file")


class RulesPublic(BaseModel):
    yaml: str
    rules: RuleSet
    saved: bool = Field(description="False while the packaged default is in use")
    problems: list[str] = Field(
        default_factory=list,
        description="Why a file edited by hand cannot be used (the last good rules apply)",
    )


class RulesTrial(CheckRequest):
    """A text to check against rules not saved yet (the admin page's "try it" box)."""

    yaml: str = Field(max_length=MAX_RULES_BYTES, description="The whole compliance rules file to try")
