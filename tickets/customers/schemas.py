"""API shapes for customers (XBase / XCreate / XPublic)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tickets.connectors.lookup import OrderInfo
from tickets.conversations.call_schemas import CallSummary
from tickets.customers.models import CustomerSegment, IdentityKind, SuggestionStatus
from tickets.desk.schemas import MAX_ID


class IdentityBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: IdentityKind
    value: str = Field(min_length=1, max_length=255)


class IdentityPublic(IdentityBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    verified_at: datetime | None = Field(
        default=None, description="When it was proved (an authenticated mail, or staff); None: a claim"
    )
    verified_by: str | None = Field(
        default=None, description='How: "dkim:<domain>", "spf:<domain>", "agent:<name>" or "import"'
    )


class CustomerLookup(IdentityBase):
    create: bool = Field(default=False, description="Create the customer when nobody has this identity")
    display_name: str = Field(default="", max_length=200)


class CustomerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str
    segment: CustomerSegment
    created_at: datetime
    merged_into_id: int | None


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merged_id: int = Field(description="The customer that disappears into this one", ge=1, le=MAX_ID)


class MergePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    survivor_id: int
    merged_id: int
    moved: dict[str, list[int]]
    merged_by: str
    merged_at: datetime
    unmerged_at: datetime | None


class MergeSuggestionPublic(BaseModel):
    """A visitor's claim to another customer's identity, waiting for (or decided by) an agent."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    visitor_customer_id: int
    matched_customer_id: int
    identity_kind: IdentityKind
    identity_value: str
    source: str
    status: SuggestionStatus
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    merge_id: int | None


class ConversationSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    subject: str
    status: str
    external_ref: str | None
    last_message_at: datetime
    flags: dict[str, str] = Field(
        default_factory=dict,
        description="Security markers for agents, name -> reason: thread_mismatch, thread_unverified "
        "(a mail named a thread it could not join), spoof_suspected (failed SPF/DKIM/DMARC)",
    )


class CustomerView(BaseModel):
    """Everything about one customer an agent needs at a glance."""

    customer: CustomerPublic
    identities: list[IdentityPublic]
    conversations: list[ConversationSummary]
    calls: list[CallSummary] = Field(description="Every call, newest first, with its transcript")
    devices: list[str]
    orders: list[OrderInfo]
    tickets: list[dict[str, Any]]
    merges: list[MergePublic]
    merge_suggestions: list[MergeSuggestionPublic] = Field(
        description="Pending claims where this customer is the visitor or the matched customer"
    )
