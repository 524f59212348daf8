"""What the ticket rules talk about: the facts of one contact, the rules, and the actions they ask for.

Channel-neutral on purpose: a call, an e-mail, a chat or an SMS is a :class:`ContactFacts`; the same
rules decide for all of them (``channel`` tells them apart when a rule cares).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from tickets.desk.models import TicketPriority

CHANNELS = ("voice", "email", "webchat", "sms", "wechat")
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


@dataclass(frozen=True)
class ContactFacts:
    """What is known about one contact when rules run.

    ``disposition`` is the agent's wrap-up code; it is None until the agent sets it. Rules that name a
    disposition wait for it; the others decide when the contact arrives (a call: when it ends).
    """

    channel: str
    ivr_choice: str | None = None
    queue: str | None = None
    disposition: str | None = None
    language: str | None = None
    segment: str | None = None
    address: str | None = None  # where the customer reached us: dialled number, mailbox, SMS number
    ivr_path: tuple[str, ...] = field(default_factory=tuple)


def _as_list(value: object) -> object:
    """``ivr_choice: billing`` and ``ivr_choice: [billing]`` mean the same."""
    return [value] if isinstance(value, str) else value


class RuleConditions(BaseModel):
    """Every condition given must hold; a list matches any of its values (case-insensitive)."""

    model_config = ConfigDict(extra="forbid")

    channel: list[Word] | None = None
    ivr_choice: list[Word] | None = None
    queue: list[Word] | None = None
    disposition: list[Word] | None = None
    language: list[Word] | None = None
    segment: list[Word] | None = None
    address: list[Word] | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return _as_list(value)

    @field_validator("channel")
    @classmethod
    def _known_channels(cls, value: list[str] | None) -> list[str] | None:
        unknown = [c for c in value or [] if c.lower() not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel {unknown[0]!r}; channels are {', '.join(CHANNELS)}")
        return value

    @field_validator("*")
    @classmethod
    def _not_empty(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("an empty list can never match; leave the condition out to match any value")
        return value


class TicketAction(BaseModel):
    """What a matching rule asks for: open a ticket (or update the contact's open one) like this.

    ``group`` is a desk group's name; ``category`` is kept as a tag on the ticket.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str = ""
    group: str | None = Field(default=None, min_length=1, max_length=100)
    category: str | None = Field(default=None, min_length=1, max_length=50)
    priority: TicketPriority | None = None
    business_area: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")
    subject: str | None = Field(default=None, min_length=1, max_length=200)
    tags: tuple[Word, ...] = Field(default=(), max_length=10)

    @property
    def all_tags(self) -> list[str]:
        """The rule's tags with the category first (categories are tags on the ticket)."""
        tags = [self.category] if self.category else []
        return tags + [t for t in self.tags if t not in tags]


class TicketRule(BaseModel):
    """One rule: when the contact looks like ``when``, do ``then``; ``stop`` ends the search."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: Word
    when: RuleConditions = Field(default_factory=RuleConditions)
    then: TicketAction
    stop: bool = True  # ``stop: false`` lets later matching rules add to the same ticket


class RuleSet(BaseModel):
    """The whole rules file."""

    model_config = ConfigDict(extra="forbid")

    rules: list[TicketRule] = Field(default_factory=list, max_length=500)

    @field_validator("rules")
    @classmethod
    def _unique_names(cls, rules: list[TicketRule]) -> list[TicketRule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.name in seen:
                raise ValueError(f"two rules are named {rule.name!r}; names must be unique")
            seen.add(rule.name)
        return rules
