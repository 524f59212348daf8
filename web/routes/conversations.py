"""Conversations: read messages, reply on the conversation's own channel, mark read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from config.models import Role
from qa.compliance.store import current_engine
from tickets import access
from tickets.assist.schemas import ConversationAssistPublic
from tickets.assist.services import assist_public, chat_assist
from tickets.channels.replies import ChannelReplies
from tickets.conversations import services
from tickets.conversations.models import AuthorKind
from tickets.conversations.reply_compliance import check_reply, record_sent_reply
from tickets.desk import services as desk
from tickets.kb.corpus import ranker_for
from web.access import ScopeDep
from web.auth import Principal, require_roles
from web.deps import SessionDep, SettingsDep
from web.ids import AfterIdQuery, BodyId, IdPath
from web.routes.desk_support import RuntimeDep, actor_of
from web.routes.ticket_support import AdaptersDep, NotifierDep

router = APIRouter(prefix="/api/conversations", tags=["conversations"])
AGENTS = require_roles(Role.AGENT, Role.SUPERVISOR, Role.QA_MANAGER)


class MessagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: int
    direction: str
    author_kind: str
    author_name: str
    body: str
    sent_at: datetime
    external_id: str | None
    read_at: datetime | None
    speaker: str | None
    offset_ms: int | None
    delivery: str | None = Field(default=None, description="Replies: pending, sent or failed")
    auth: dict[str, Any] | None = Field(
        default=None,
        description="Inbound e-mail: SPF, DKIM and DMARC results and the verdict (pass, fail, none)",
    )


class ReplyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=20_000)
    acknowledge_alerts: bool = Field(
        default=False, description="Send even though compliance rules with action 'warn' flag it"
    )


class ReadMark(BaseModel):
    model_config = ConfigDict(extra="forbid")

    up_to_message_id: BodyId


@router.get("/{conversation_id}/messages", dependencies=[AGENTS])
def list_messages(
    conversation_id: IdPath,
    session: SessionDep,
    scope: ScopeDep,
    after_id: AfterIdQuery = 0,
    limit: int = Query(200, ge=1, le=500),
) -> list[MessagePublic]:
    access.conversation_for(session, scope, conversation_id)
    return [
        MessagePublic.model_validate(m)
        for m in services.list_messages(session, conversation_id, after_id, limit)
    ]


@router.post("/{conversation_id}/replies", status_code=201)
def reply(
    conversation_id: IdPath,
    body: ReplyCreate,
    session: SessionDep,
    adapters: AdaptersDep,
    runtime: RuntimeDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: Principal = AGENTS,
) -> MessagePublic:
    """Send an agent's reply through the conversation's channel (chat, e-mail, SMS, WeChat).

    The reply is the response of the conversation's open tickets (first response, SLA response
    targets met). When the relay or provider fails the answer is 502, and the reply stays in the
    conversation with ``delivery: failed``: nothing the agent wrote is lost, and it counts for
    nothing until it is sent. An agent replying in a conversation nobody has yet takes it.

    The compliance rules check the reply first: a "block" rule refuses it (422, nothing sent, the
    alert stored); "warn" rules answer 409 with their findings unless ``acknowledge_alerts``."""
    actor = actor_of(principal)
    conversation = access.take_conversation(session, scope, conversation_id)
    findings = check_reply(
        session, current_engine(settings), conversation, body.body,
        acknowledged=body.acknowledge_alerts, agent=principal.username,
    )  # fmt: skip
    # Stored before sending: an acknowledged alert is on record even if the relay then fails.
    record_sent_reply(session, conversation, findings, principal.username)
    message = ChannelReplies(adapters).send_reply(session, conversation, body.body, actor.user_id, actor.name)
    desk.agent_replied(session, runtime, conversation.id, message.id, actor)
    return MessagePublic.model_validate(message)


@router.post("/{conversation_id}/read", dependencies=[AGENTS])
def mark_read(
    conversation_id: IdPath, body: ReadMark, session: SessionDep, notifier: NotifierDep, scope: ScopeDep
) -> dict[str, int]:
    access.conversation_for(session, scope, conversation_id, write=True)
    changed = services.mark_read(session, conversation_id, AuthorKind.AGENT, body.up_to_message_id, notifier)
    return {"marked_read": changed}


@router.get("/{conversation_id}/suggestions", dependencies=[AGENTS])
def suggestions(
    conversation_id: IdPath, session: SessionDep, scope: ScopeDep, request: Request
) -> ConversationAssistPublic:
    """Agent assist: the top three knowledge-base articles and suggested actions for the customer's
    latest messages (empty lists before the customer wrote anything with a topic)."""
    access.conversation_for(session, scope, conversation_id)
    ranker = ranker_for(request.app.state.session_factory)
    message_id, update = chat_assist(session, conversation_id, ranker)
    return assist_public(conversation_id, message_id, update, ranker)
