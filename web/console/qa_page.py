"""The QA manager's pages: search what was said and written (``/qa``) and one call's review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from config.models import Role
from web.auth import Principal
from web.console.pages import console_page
from web.console.render import render
from web.routes.calls.transcripts import CallId

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(console_page(Role.QA_MANAGER, Role.SUPERVISOR, Role.ADMIN))]


@router.get("/qa", response_class=HTMLResponse)
def qa_page(request: Request, principal: PageUser) -> HTMLResponse:
    return render(request, "qa.html", principal, page="qa")


@router.get("/qa/calls/{call_id}", response_class=HTMLResponse)
def qa_review_page(call_id: CallId, request: Request, principal: PageUser) -> HTMLResponse:
    """The review page; its script reads the call from ``GET /api/qa/calls/{call_id}/review``."""
    return render(request, "qa_review.html", principal, page="qa_review", call_id=call_id)
