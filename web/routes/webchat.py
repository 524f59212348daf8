"""Web chat: the embeddable widget script, visitor tokens, and the visitor and agent WebSockets.

Visitors are anonymous: their credential is a server-signed visitor token. Agents open their side
with a one-time ``?ticket=`` (``POST /api/auth/ws-ticket``) or the console's session cookie, must
hold an agent-side role and may join only a chat the access rule lets them see
(:mod:`tickets.access`): an agent joining a chat nobody has yet takes it, so no other agent can join
it or read its history afterwards; QA managers watch read-only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from config.accounts import public_name_for
from config.errors import NotFoundError, VoxdeskError
from config.events import Subscription, channel_name
from config.models import Role
from qa.compliance.exceptions import ReplyRefusedError, UnacknowledgedAlertsError
from qa.compliance.store import current_engine
from tickets import access
from tickets.assist.services import assist_public, chat_assist
from tickets.channels.base import InboundMessage, OutboundMessage
from tickets.channels.exceptions import SignatureError
from tickets.channels.webchat import WebChatAdapter, new_visitor_token, visitor_from_token
from tickets.conversations import services
from tickets.conversations.events import TypingChanged
from tickets.conversations.models import AuthorKind, Channel, Direction
from tickets.conversations.reply_compliance import check_reply, record_sent_reply
from tickets.desk import services as desk
from tickets.desk.services import Actor
from tickets.kb.corpus import ranker_for
from web.access import scope_of
from web.audit import audit_socket
from web.auth import websocket_principal
from web.ids import BodyId, IdPath
from web.routes.desk_support import runtime_of
from web.routes.ticket_support import get_adapters, get_customer_assist, get_notifier

router = APIRouter(tags=["webchat"])
WIDGET_JS = Path(__file__).resolve().parent.parent / "static" / "webchat-widget.js"
MAX_FRAME_CHARS = 16_000
AGENT_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.QA_MANAGER, Role.ADMIN}


class Hello(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["hello"]
    name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=40)


class ChatText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["message"]
    body: str = Field(min_length=1, max_length=4000)
    # An agent sends a line compliance "warn" rules flagged by sending it again with this set.
    acknowledge_alerts: bool = False


class Typing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["typing"]
    typing: bool


class Read(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["read"]
    up_to_message_id: BodyId


Frame = TypeAdapter(Annotated[ChatText | Typing | Read, Field(discriminator="type")])


class VisitorTokenPublic(BaseModel):
    visitor_token: str


@router.get(
    "/webchat/widget.js",
    response_class=Response,  # documented as JavaScript below, not as the default JSON
    responses={200: {"description": "the widget script", "content": {"application/javascript": {}}}},
)
def widget_script() -> Response:
    """Public: the widget to embed with ``<script src=".../webchat/widget.js" async></script>``."""
    return Response(WIDGET_JS.read_text(encoding="utf-8"), media_type="application/javascript")


@router.post("/api/webchat/visitors", status_code=201)
def new_visitor(request: Request, response: Response) -> VisitorTokenPublic:
    """Public: a signed, anonymous visitor token (the widget keeps it; it is the visitor's only key).

    The widget runs on the customer's own site, another origin, so the answer may be read from any
    origin; it carries no cookie and grants nothing but a fresh anonymous chat.
    """
    _visitor_id, token = new_visitor_token(request.app.state.secret_key)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return VisitorTokenPublic(visitor_token=token)


async def _receive_frame(ws: WebSocket) -> dict[str, object] | None:
    text = await ws.receive_text()
    if len(text) > MAX_FRAME_CHARS:
        await ws.send_json({"type": "error", "message": f"frame longer than {MAX_FRAME_CHARS} characters"})
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        await ws.send_json({"type": "error", "message": "frame is not JSON"})
        return None
    if not isinstance(data, dict):
        await ws.send_json({"type": "error", "message": "frame must be a JSON object"})
        return None
    return data


async def _pump_events(ws: WebSocket, subscription: Subscription) -> None:
    async for event in subscription:
        await ws.send_json(event.envelope())


async def _chat_loop(
    ws: WebSocket,
    conversation_id: int,
    side: AuthorKind,
    visitor_id: str | None,
    agent: tuple[int, str] | None,
    *,
    read_only: bool = False,
) -> None:
    """Relay this side's frames into the conversation and every live event back out (a read-only
    side, a QA manager, gets the history and the live events; its frames are refused).

    The ``ready`` frame (with the history) goes out only once the subscription is in place, so
    nothing the other side says in between is lost; the widget drops a message it already shows.
    """
    app = ws.app
    notifier = get_notifier(ws)  # type: ignore[arg-type]  # app.state is all it reads
    adapter = get_adapters(ws)[Channel.WEBCHAT]  # type: ignore[arg-type]
    runtime = runtime_of(app.state)
    factory = app.state.session_factory
    customer_assist = get_customer_assist(ws)  # type: ignore[arg-type]

    def store(body: str, acknowledged: bool) -> None:
        with factory() as session:
            if side is AuthorKind.CUSTOMER:
                assert visitor_id is not None
                message = adapter.receive(session, InboundMessage(sender=visitor_id, body=body))
                customer_assist(session, message)  # suggestions to the agent, the FAQ bot's answer
            else:
                assert agent is not None
                conversation = services.get_conversation(session, conversation_id)
                engine = current_engine(app.state.settings)
                findings = check_reply(
                    session, engine, conversation, body, acknowledged=acknowledged, agent=agent[1]
                )
                record_sent_reply(session, conversation, findings, agent[1])
                shown = public_name_for(session, agent[0])  # the visitor sees this, never the username
                message = adapter.send(
                    session, conversation, OutboundMessage(conversation_id, body, agent[0], shown)
                )
                # The agent's chat line is the response of the chat's open tickets.
                desk.agent_replied(session, runtime, conversation_id, message.id, Actor(agent[1], agent[0]))

    def read(up_to: int) -> None:
        with factory() as session:
            services.mark_read(session, conversation_id, side, up_to, notifier)

    channels = [channel_name("conversation", conversation_id)]
    if side is AuthorKind.AGENT:  # suggestions are for the agent only, never the visitor's widget
        channels.append(channel_name("chat_assist", conversation_id))
    async with Subscription(app.state.redis_url, channels) as sub:
        history = await run_in_threadpool(_history, factory, conversation_id, side)
        ready: dict[str, object] = {"type": "ready", "conversation_id": conversation_id, "history": history}
        if side is AuthorKind.AGENT:  # agent assist so far; later ones arrive as qa.chat_suggestion
            try:
                ready["suggestions"] = await run_in_threadpool(_current_suggestions, factory, conversation_id)
            except VoxdeskError:
                ready["suggestions"] = None
        await ws.send_json(ready)
        pump = asyncio.create_task(_pump_events(ws, sub))
        try:
            while True:
                data = await _receive_frame(ws)
                if data is None:
                    continue
                try:
                    frame = Frame.validate_python(data)
                except ValidationError as exc:
                    await ws.send_json({"type": "error", "message": exc.errors()[0]["msg"]})
                    continue
                if read_only:
                    await ws.send_json({"type": "error", "message": "this chat is read-only for you"})
                    continue
                try:
                    if isinstance(frame, ChatText):
                        await run_in_threadpool(store, frame.body, frame.acknowledge_alerts)
                    elif isinstance(frame, Typing):
                        event = TypingChanged(
                            conversation_id=conversation_id, author_kind=side.value, typing=frame.typing
                        )
                        await run_in_threadpool(notifier.publish, event)
                    else:
                        await run_in_threadpool(read, frame.up_to_message_id)
                except (ReplyRefusedError, UnacknowledgedAlertsError) as exc:
                    # Not sent: the agent sees which rules and why (and may acknowledge a warning).
                    await ws.send_json({"type": "error", **exc.public_detail()})  # type: ignore[dict-item]
                except VoxdeskError as exc:
                    await ws.send_json({"type": "error", "message": str(exc)})
        except WebSocketDisconnect:
            pass
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump


def _current_suggestions(factory: object, conversation_id: int) -> dict[str, object] | None:
    """What an agent joining mid-chat is shown at once: the suggestions for what the customer wrote."""
    ranker = ranker_for(factory)  # type: ignore[arg-type]
    with factory() as session:  # type: ignore[operator]
        message_id, update = chat_assist(session, conversation_id, ranker)
    if update is None:
        return None
    return assist_public(conversation_id, message_id, update, ranker).model_dump()


def _history(factory: object, conversation_id: int, side: AuthorKind) -> list[dict[str, object]]:
    """The chat so far; the visitor never gets internal lines (the FAQ bot's handover note)."""
    with factory() as session:  # type: ignore[operator]
        return [
            {
                "id": m.id,
                "author_kind": m.author_kind,
                "author_name": m.author_name,
                "body": m.body,
                "sent_at": m.sent_at.isoformat(),
                "read_at": m.read_at.isoformat() if m.read_at else None,
            }
            for m in services.list_messages(session, conversation_id)
            if side is AuthorKind.AGENT or m.direction != Direction.INTERNAL.value
        ]


@router.websocket("/ws/webchat/visitor")
async def visitor_socket(ws: WebSocket, visitor_token: str = Query(max_length=512)) -> None:
    """The widget's socket. First frame: ``{"type": "hello", "name", "email", "phone"}`` (all optional)."""
    try:
        visitor_id = visitor_from_token(ws.app.state.secret_key, visitor_token)
    except SignatureError:
        await ws.close(code=4403, reason="invalid visitor token")
        return
    await ws.accept()
    try:
        hello = Hello.model_validate(await _receive_frame(ws) or {})
    except (ValidationError, WebSocketDisconnect):
        await ws.close(code=4400, reason="first frame must be a hello")
        return
    adapter = get_adapters(ws)[Channel.WEBCHAT]  # type: ignore[arg-type]
    assert isinstance(adapter, WebChatAdapter)
    factory = ws.app.state.session_factory

    def start() -> int:
        with factory() as session:
            conversation = adapter.start_chat(
                session, visitor_id, email=hello.email, phone=hello.phone, name=hello.name
            )
            return conversation.id

    try:
        conversation_id = await run_in_threadpool(start)
    except VoxdeskError as exc:
        await ws.send_json({"type": "error", "message": str(exc)})
        await ws.close(code=4422)
        return
    await _chat_loop(ws, conversation_id, AuthorKind.CUSTOMER, visitor_id, None)


@router.websocket("/ws/webchat/agent/{conversation_id}")
async def agent_socket(ws: WebSocket, conversation_id: IdPath) -> None:
    """An agent's side of one chat; needs an agent, supervisor, QA manager or admin session."""
    principal = await websocket_principal(ws)
    if principal is None:
        await ws.close(code=4401, reason="sign in first")
        return
    if principal.role not in AGENT_ROLES:
        await ws.close(code=4403, reason=f"role {principal.role.value} may not chat")
        return
    factory = ws.app.state.session_factory

    def join() -> bool | None:
        """None: no web chat this user may see (the same answer as no chat at all); else whether
        they only watch. An agent joining a chat nobody has takes it."""
        with factory() as session:
            scope = scope_of(session, principal)
            try:
                conversation = access.conversation_for(session, scope, conversation_id)
            except NotFoundError:
                return None
            if conversation.channel != Channel.WEBCHAT.value:
                return None
            if scope.read_only:
                return True
            access.take_conversation(session, scope, conversation_id)
            return False

    read_only = await run_in_threadpool(join)
    if read_only is None:
        await ws.close(code=4404, reason="no such web chat")
        return
    await ws.accept()
    await audit_socket(ws.scope, principal, f"conversation_id={conversation_id}")  # admins, supervisors
    agent = (principal.user_id, principal.username)
    await _chat_loop(ws, conversation_id, AuthorKind.AGENT, None, agent, read_only=read_only)
