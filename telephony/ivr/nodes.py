"""The node types an IVR flow is made of, as frozen pydantic models parsed from YAML.

Each node has an ``id`` (its key under ``nodes:``) and a ``type``. Targets (``next``, ``on_failure``,
option targets...) are node ids; :mod:`telephony.ivr.graph` checks they exist and lead somewhere.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from telephony.ivr.sounds import sound_problem

DTMF_KEYS = frozenset("0123456789*#")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Prompt(_Frozen):
    """Text per language (synthesised) or an Asterisk sound name. A bare string is English-agnostic text."""

    text: dict[str, str] | None = None
    sound: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"text": {"*": value}}
        if isinstance(value, dict) and isinstance(value.get("text"), str):
            return {**value, "text": {"*": value["text"]}}
        return value

    @field_validator("sound")
    @classmethod
    def _known_sound(cls, value: str | None) -> str | None:
        problem = sound_problem(value) if value is not None else None
        if problem is not None:
            raise PydanticCustomError("unknown_sound", problem)
        return value

    @model_validator(mode="after")
    def _one_source(self) -> Prompt:
        if (self.text is None) == (self.sound is None):
            raise ValueError("a prompt needs exactly one of 'text' or 'sound'")
        if self.text is not None and not all(t.strip() for t in self.text.values()):
            raise ValueError("prompt text must not be empty")
        return self

    def text_for(self, language: str, default_language: str) -> str | None:
        """The text in ``language``, else the default language, else any text given."""
        if self.text is None:
            return None
        for key in (language, default_language, "*"):
            if key in self.text:
                return self.text[key]
        return next(iter(self.text.values()))


NO_INPUT = Prompt(text={"*": "Sorry, I did not hear anything."})
NO_MATCH = Prompt(text={"*": "Sorry, I did not get that."})


class _Node(_Frozen):
    id: str = ""

    def targets(self) -> dict[str, str | None]:
        """Where this node can go, by label (``None`` means the flow's fallback)."""
        return {}


class _InputNode(_Node):
    prompt: Prompt
    timeout: float = Field(default=5.0, gt=0, le=60)
    retries: int = Field(default=2, ge=0, le=10)
    no_input: Prompt = NO_INPUT
    no_match: Prompt = NO_MATCH


class PlayNode(_Node):
    """Play a prompt, then go to ``next``."""

    type: Literal["play"]
    prompt: Prompt
    next: str

    def targets(self) -> dict[str, str | None]:
        return {"next": self.next}


class MenuOption(_Frozen):
    next: str
    keywords: tuple[str, ...] = ()
    label: str | None = None


def _check_keys(options: dict[str, Any]) -> None:
    if not options:
        raise ValueError("needs at least one option")
    for key in options:
        if len(key) != 1 or key not in DTMF_KEYS:
            raise ValueError(f"option {key!r} is not a single DTMF key (0-9, * or #)")


class MenuNode(_InputNode):
    """Offer options by DTMF key (and spoken keywords); after the retries, go to ``on_failure``."""

    type: Literal["menu"]
    options: dict[str, MenuOption]
    on_failure: str | None = None

    @field_validator("options", mode="before")
    @classmethod
    def _keys_are_digits(cls, value: Any) -> Any:
        if isinstance(value, dict):
            value = {str(key): opt for key, opt in value.items()}
            _check_keys(value)
        return value

    def targets(self) -> dict[str, str | None]:
        found: dict[str, str | None] = {f"option {key}": opt.next for key, opt in self.options.items()}
        found["on_failure"] = self.on_failure
        return found


class LanguageOption(_Frozen):
    language: str
    keywords: tuple[str, ...] = ()


class LanguageNode(_InputNode):
    """Let the caller choose a language; without a choice the flow's default is kept."""

    type: Literal["language"]
    options: dict[str, LanguageOption]
    next: str

    @field_validator("options", mode="before")
    @classmethod
    def _keys_are_digits(cls, value: Any) -> Any:
        if isinstance(value, dict):
            value = {str(key): opt for key, opt in value.items()}
            _check_keys(value)
        return value

    def targets(self) -> dict[str, str | None]:
        return {"next": self.next}


class CollectNode(_InputNode):
    """Collect digits (order number, account) into ``variable``, checked by length and ``pattern``."""

    type: Literal["collect"]
    variable: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    min_length: int = Field(default=1, ge=1, le=32)
    max_length: int = Field(default=16, ge=1, le=32)
    pattern: str | None = None
    terminator: str | None = "#"
    next: str
    on_failure: str | None = None

    def targets(self) -> dict[str, str | None]:
        return {"next": self.next, "on_failure": self.on_failure}


class LookupCustomerNode(_Node):
    """Find the customer by caller ID; VIPs may take their own path."""

    type: Literal["lookup_customer"]
    next: str
    not_found: str | None = None
    vip: str | None = None
    timeout: float = Field(default=3.0, gt=0, le=30)

    def targets(self) -> dict[str, str | None]:
        return {"next": self.next, "not_found": self.not_found or self.next, "vip": self.vip or self.next}


class LookupOrderNode(_Node):
    """Ask the order connector for the status of the order number in ``variable``."""

    type: Literal["lookup_order"]
    variable: str = "order_number"
    found: str
    not_found: str
    timeout: float = Field(default=3.0, gt=0, le=30)

    def targets(self) -> dict[str, str | None]:
        return {"found": self.found, "not_found": self.not_found}


class BusinessHoursNode(_Node):
    """Branch on opening hours: weekly ranges ("09:00-17:30") in a timezone, minus holidays."""

    type: Literal["business_hours"]
    timezone: str
    schedule: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], tuple[str, ...]]
    holidays: tuple[date | str, ...] = ()
    open: str
    closed: str

    def targets(self) -> dict[str, str | None]:
        return {"open": self.open, "closed": self.closed}


class FaqNode(_Node):
    """One round with the FAQ bot: the caller says what they are calling about; a confident answer
    from the knowledge base is read out (as an automated assistant's) and the caller confirms it,
    anything else goes to ``fallback`` (a queue or transfer) with the question as context.

    At most one round per call: entering a second time hands over at once (it never loops).
    """

    type: Literal["faq"]
    prompt: Prompt = Prompt(text={"*": "Tell me in a few words what you are calling about."})
    answer_intro: Prompt = Prompt(text={"*": "I am an automated assistant. Here is what I found."})
    confirm: Prompt = Prompt(
        text={"*": "Did that answer your question? Press 1 if yes, or 2, or just stay on the line, "
                   "to speak to an agent."}
    )  # fmt: skip
    goodbye: Prompt = Prompt(text={"*": "Thank you for calling. Goodbye."})
    handover: Prompt = Prompt(text={"*": "Let me connect you to an agent."})
    timeout: float = Field(default=8.0, gt=0, le=60)  # after the prompt, for the question to be heard
    bot_timeout: float = Field(default=4.0, gt=0, le=30)
    confirm_timeout: float = Field(default=5.0, gt=0, le=60)
    on_answered: str | None = None  # None: the goodbye, then hang up
    fallback: str | None = None  # None: the flow's fallback

    def targets(self) -> dict[str, str | None]:
        found: dict[str, str | None] = {"fallback": self.fallback}
        if self.on_answered is not None:
            found["on_answered"] = self.on_answered
        return found


class _TerminalNode(_Node):
    prompt: Prompt | None = None


class RouteQueueNode(_TerminalNode):
    """Hand the caller to a queue, with a priority and skill hints for routing."""

    type: Literal["route_queue"]
    queue: str = Field(min_length=1)
    priority: int = Field(default=0, ge=0, le=100)
    skills: dict[str, int] = Field(default_factory=dict)
    choice: str | None = None

    @field_validator("skills", mode="before")
    @classmethod
    def _list_means_level_one(cls, value: Any) -> Any:
        return dict.fromkeys(value, 1) if isinstance(value, list | tuple) else value


class TransferNode(_TerminalNode):
    type: Literal["transfer"]
    number: str = Field(pattern=r"^\+?[0-9*#]{1,32}$")


class VoicemailNode(_TerminalNode):
    type: Literal["voicemail"]
    box: str = Field(min_length=1)


class CallbackNode(_TerminalNode):
    """Take a callback request to the caller ID (or a collected number) and end the call."""

    type: Literal["callback"]
    queue: str = Field(min_length=1)
    number_variable: str = "caller_id"


class HangupNode(_TerminalNode):
    type: Literal["hangup"]
    reason: str = "ivr finished"


Node = Annotated[
    PlayNode
    | MenuNode
    | LanguageNode
    | CollectNode
    | LookupCustomerNode
    | LookupOrderNode
    | BusinessHoursNode
    | FaqNode
    | RouteQueueNode
    | TransferNode
    | VoicemailNode
    | CallbackNode
    | HangupNode,
    Field(discriminator="type"),
]
NODE_TYPES = (
    "play", "menu", "language", "collect", "lookup_customer", "lookup_order", "business_hours",
    "faq", "route_queue", "transfer", "voicemail", "callback", "hangup",
)  # fmt: skip
TERMINAL_TYPES = frozenset({"route_queue", "transfer", "voicemail", "callback", "hangup"})
HUMAN_HANDOFF_TYPES = frozenset({"route_queue", "transfer"})
PROMPT_FIELDS = ("prompt", "no_input", "no_match", "answer_intro", "confirm", "goodbye", "handover")
