"""``GET /api/inbox``: the signed-in user's unified inbox of text conversations (the agent desk's list).

Rows pass the conversation rule of :mod:`tickets.access`: an agent sees the threads assigned to them,
those carrying their tickets and the pool nobody has taken yet; never another agent's thread.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from config.models import Role
from tickets import access
from tickets.conversations.inbox import TEXT_CHANNELS, list_inbox
from tickets.conversations.models import Channel
from web.access import ScopeDep
from web.auth import require_roles
from web.deps import SessionDep

router = APIRouter(prefix="/api/inbox", tags=["conversations"])
AGENTS = require_roles(Role.AGENT, Role.SUPERVISOR, Role.QA_MANAGER)


class InboxThreadPublic(BaseModel):
    id: int
    channel: str
    subject: str
    status: str
    customer_id: int
    customer_name: str
    assigned_agent_id: int | None
    last_message_at: datetime
    preview: str
    preview_author: str
    unread: int


@router.get("", dependencies=[AGENTS])
def inbox(
    session: SessionDep,
    scope: ScopeDep,
    channel: Annotated[Literal["webchat", "email", "sms", "wechat"] | None, Query()] = None,
    status: Annotated[Literal["open", "closed", "any"], Query()] = "open",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[InboxThreadPublic]:
    """Web chat, e-mail, SMS and messaging threads the user may see, newest activity first."""
    channels = (Channel(channel),) if channel else TEXT_CHANNELS
    rows = list_inbox(
        session,
        access.visible_conversations(scope),
        channels=channels,
        status=None if status == "any" else status,
        limit=limit,
    )
    return [InboxThreadPublic.model_validate(row, from_attributes=True) for row in rows]
