"""The analytics page (supervisors, QA managers, admins): the figures of ``/api/analytics`` as charts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from config.models import Role
from web.auth import Principal
from web.console.pages import console_page
from web.console.render import render

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(console_page(Role.SUPERVISOR, Role.QA_MANAGER, Role.ADMIN))]


@router.get("/analytics", response_class=HTMLResponse)
def analytics_page(request: Request, principal: PageUser) -> HTMLResponse:
    return render(request, "analytics.html", principal, page="analytics")
