"""The customer's progress API: one ticket, named by the signed token of the customer's link.

Public (no sign-in), like ``POST /api/csat/answers``: the token is the access rule. It comes in the
``X-Progress-Token`` header, never in the URL, so no access log or proxy holds it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from tickets.progress.links import ticket_of_token
from tickets.progress.schemas import TicketProgressPublic
from tickets.progress.view import ticket_progress
from web.deps import SessionDep

router = APIRouter(tags=["customer pages"])
TokenHeader = Annotated[
    str, Header(alias="X-Progress-Token", min_length=1, max_length=512, description="from the link's #token=")
]


@router.get("/api/public/tickets/progress")
def progress_of_my_ticket(
    request: Request, response: Response, session: SessionDep, token: TokenHeader
) -> TicketProgressPublic:
    """Status, the flow's tasks and steps done, and the replies sent to the customer (no internal
    note, assignee or group); 401 for a forged or expired token."""
    ticket_id = ticket_of_token(request.app.state.secret_key, token)
    response.headers["cache-control"] = "no-store"  # a customer's ticket: no shared cache keeps it
    return ticket_progress(session, ticket_id)
