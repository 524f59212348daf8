"""Request and response shapes of the desk (``XCreate`` / ``XUpdate`` refuse unknown fields)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tickets.desk.models import TaskStatus, TicketPriority, TicketStatus

AreaName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
FieldKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
FieldValue = str | int | float | bool | None
MAX_ID = 2_147_483_647  # PostgreSQL integer: larger ids can name nothing


class TicketChannel(StrEnum):
    WEB = "web"
    API = "api"
    WEBCHAT = "webchat"
    EMAIL = "email"
    SMS = "sms"
    WECHAT = "wechat"
    VOICE = "voice"
    ALERT = "alert"


def _refuse_nul(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL; refuse it at the edge instead of failing in the database."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain NUL (\\x00) characters")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_nul(item)
    return value


class Strict(BaseModel):
    """Input models: a misspelt or unknown field is a 422, never silently dropped; no NUL in text."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        return _refuse_nul(data)


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class GroupBase(Strict):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=500)
    lead_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class GroupCreate(GroupBase):
    pass


class GroupUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    lead_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class GroupPublic(Public):
    id: int
    name: str
    description: str
    lead_id: int | None
    created_at: datetime


class GroupMemberCreate(Strict):
    user_id: int = Field(ge=1, le=MAX_ID)


class GroupMemberPublic(Public):
    group_id: int
    user_id: int
    created_at: datetime


class TicketBase(Strict):
    subject: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20_000)
    priority: TicketPriority = TicketPriority.NORMAL
    business_area: AreaName = "general"
    channel: TicketChannel = TicketChannel.WEB
    customer_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    assignee_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    group_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    custom_fields: dict[FieldKey, FieldValue] = Field(default_factory=dict, max_length=50)


class TicketCreate(TicketBase):
    conversation_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class TicketUpdate(Strict):
    """Only the fields sent change; ``assignee_id: null`` unassigns."""

    subject: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    business_area: AreaName | None = None
    assignee_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    group_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    tags: list[Tag] | None = Field(default=None, max_length=20)
    custom_fields: dict[FieldKey, FieldValue] | None = Field(default=None, max_length=50)


class TicketPublic(Public):
    id: int
    subject: str
    description: str
    status: str
    priority: str
    business_area: str
    channel: str
    source: str
    customer_id: int | None
    conversation_id: int | None
    call_id: str | None
    assignee_id: int | None
    group_id: int | None
    template_id: int | None
    tags: list[str]
    custom_fields: dict[str, Any]
    call_context: dict[str, Any]
    device_serial: str | None
    alert_code: str | None
    escalation_level: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None


class TicketFilters(Strict):
    status: list[TicketStatus] | None = None
    priority: TicketPriority | None = None
    group_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    assignee_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    customer_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    business_area: str | None = Field(default=None, max_length=64)
    q: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=100_000)
    before_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Keyset paging: tickets older than this id"
    )


class TicketPage(BaseModel):
    """A page of tickets, newest first; ``has_more`` avoids counting the whole table."""

    items: list[TicketPublic]
    limit: int
    offset: int
    has_more: bool
    next_before_id: int | None = Field(
        default=None, description="Pass as before_id for the next page (cheaper than a large offset)"
    )


class NoteCreate(Strict):
    body: str = Field(min_length=1, max_length=20_000)
    internal: bool = True


class NotePublic(Public):
    id: int
    ticket_id: int
    author: str
    body: str
    internal: bool
    mentions: list[int]
    created_at: datetime


class TaskCreate(Strict):
    group_id: int = Field(ge=1, le=MAX_ID)
    title: str = Field(min_length=1, max_length=200)
    assignee_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class TaskUpdate(Strict):
    status: TaskStatus | None = None
    assignee_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class TaskPublic(Public):
    id: int
    ticket_id: int
    group_id: int
    title: str
    status: str
    assignee_id: int | None
    step: int
    created_at: datetime
    completed_at: datetime | None


class HistoryPublic(Public):
    id: int
    ticket_id: int
    at: datetime
    actor: str
    action: str
    details: dict[str, Any]


class TemplateStep(Strict):
    title: str = Field(min_length=1, max_length=200)
    group_id: int = Field(ge=1, le=MAX_ID)
    with_previous: bool = Field(default=False, description="Runs in parallel with the step before")


class TemplateCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    business_area: AreaName = "general"
    description: str = Field(default="", max_length=500)
    default_priority: TicketPriority = TicketPriority.NORMAL
    steps: list[TemplateStep] = Field(min_length=1, max_length=20)


class TemplatePublic(Public):
    id: int
    name: str
    business_area: str
    description: str
    default_priority: str
    steps: list[dict[str, Any]]
    created_at: datetime


class FlowStart(Strict):
    """Open a ticket that runs a template's steps."""

    subject: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20_000)
    customer_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    priority: TicketPriority | None = None
    channel: TicketChannel = TicketChannel.WEB
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    custom_fields: dict[FieldKey, FieldValue] = Field(default_factory=dict, max_length=50)


class FieldDefinitionCreate(Strict):
    business_area: AreaName
    key: FieldKey
    label: str = Field(min_length=1, max_length=200)
    field_type: Literal["text", "number", "boolean", "choice", "date"]
    required: bool = False
    choices: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100
    )


class FieldDefinitionPublic(Public):
    id: int
    business_area: str
    key: str
    label: str
    field_type: str
    required: bool
    choices: list[str]
