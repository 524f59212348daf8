"""The agent page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from config.models import Role
from web.auth import Principal
from web.console.pages import console_page
from web.console.render import render

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(console_page(Role.AGENT))]


@router.get("/agent", response_class=HTMLResponse)
def agent_page(request: Request, principal: PageUser) -> HTMLResponse:
    return render(request, "agent.html", principal, page="agent")
