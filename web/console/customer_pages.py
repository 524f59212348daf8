"""The customer's pages, public and reached by the link sent on their channel: the CSAT survey
(``/csat#token=``) and a ticket's progress (``/track#token=``).

No sign-in: the link's token is what the page's script hands to the API (``POST /api/csat/answers``,
``GET /api/public/tickets/progress``); the server never sees it here (it is in the fragment, and a
``?token=`` is moved there first by :mod:`web.link_tokens`). The language is the link's ``?lang=``
(the customer's, chosen when the link was sent), else the switch's cookie or the phone's language.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from web.console.render import render

router = APIRouter(include_in_schema=False)


@router.get("/csat", response_class=HTMLResponse)
def csat_survey_page(request: Request, lang: str | None = None) -> Response:
    """The survey: a score from 1 to 5 and a comment, answered once."""
    return render(request, "csat.html", None, page="csat", language=lang)


@router.get("/track", response_class=HTMLResponse)
def ticket_progress_page(request: Request, lang: str | None = None) -> Response:
    """A ticket's status, the steps done and the replies sent to the customer."""
    return render(request, "track.html", None, page="track", language=lang)
