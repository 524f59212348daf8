"""The admin page: the files and records admins change (rules, routing, IVR flows, users), the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from config.models import Role
from web.auth import Principal
from web.console.pages import console_page
from web.console.render import render

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(console_page(Role.ADMIN))]


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, principal: PageUser) -> HTMLResponse:
    return render(request, "admin.html", principal, page="admin")
