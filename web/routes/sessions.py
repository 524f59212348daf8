"""Log-out (this session or all of the user's) and one-time WebSocket tickets.

Sign-in and password change stay in :mod:`web.routes.system`; the session model is described in
:mod:`web.auth`.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from config.sessions import revoke_session, revoke_user_sessions
from web.auth import CurrentSession, clear_session_cookies
from web.session_lookup import session_lookup
from web.ws_tickets import TICKET_TTL_SECONDS, issue_ticket

router = APIRouter(tags=["auth"])


@router.post("/api/auth/logout", status_code=204)
async def log_out(signed_in: CurrentSession, request: Request, response: Response) -> None:
    """End this session: its token stops working at once, and the console's cookies are dropped."""
    lookup = session_lookup(request.app.state)
    await lookup.run(partial(revoke_session, session_id=signed_in.session_id))
    lookup.cache.forget(signed_in.session_id)
    clear_session_cookies(response, request)


class SessionsEnded(BaseModel):
    ended: int = Field(description="how many sessions were open, this one included")


@router.post("/api/auth/logout-all")
async def log_out_everywhere(
    signed_in: CurrentSession, request: Request, response: Response
) -> SessionsEnded:
    """End every session of yours (a lost laptop, a shared desk); sign in again where you need to."""
    lookup, user_id = session_lookup(request.app.state), signed_in.principal.user_id
    ended = await lookup.run(partial(revoke_user_sessions, user_id=user_id))
    lookup.cache.forget_user(user_id)
    clear_session_cookies(response, request)
    return SessionsEnded(ended=ended)


class WebSocketTicket(BaseModel):
    ticket: str = Field(description="open the WebSocket with ?ticket=...; it works once")
    expires_in: int = Field(description="seconds the ticket stays valid")


@router.post("/api/auth/ws-ticket")
async def websocket_ticket(signed_in: CurrentSession, request: Request) -> WebSocketTicket:
    """A one-time ticket to open a WebSocket (``/ws/calls``, ``/ws/kb``, ``/ws/webchat/agent/{id}``)
    as yourself, so no token goes in the socket's URL."""
    state = request.app.state
    ticket = await issue_ticket(state.redis_url, state.settings.telephony.key_prefix, signed_in.session_id)
    return WebSocketTicket(ticket=ticket, expires_in=TICKET_TTL_SECONDS)
