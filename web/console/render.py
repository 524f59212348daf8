"""Rendering a console page: the template, the user's language and the strings its script needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from web.auth import Principal
from web.console.i18n import INTL_LOCALE, LANGUAGES, Translator, choose_language

TEMPLATES = Path(__file__).parent / "templates"
# Autoescape everywhere: every value a template prints is escaped unless marked safe by us.
environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))


def render(request: Request, template: str, principal: Principal | None, *, page: str,
           status_code: int = 200, language: str | None = None, **context: Any) -> HTMLResponse:  # fmt: skip
    """The page in the user's language (``language``, else the cookie or the browser's); ``page``
    names its strings (``<page>.*``) and its script."""
    language = language if language in LANGUAGES else choose_language(request)
    t = Translator(language)
    boot = {
        "page": page,
        "lang": language,
        "locale": INTL_LOCALE[language],
        "strings": t.subset(f"{page}."),
        "user": None
        if principal is None
        else {"id": principal.user_id, "username": principal.username, "role": principal.role.value},
    }
    body = environment.get_template(template).render(
        t=t, lang=language, languages=LANGUAGES, page=page, principal=principal,
        path=request.url.path, boot_json=json.dumps(boot, ensure_ascii=False), **context,
    )  # fmt: skip
    answer = HTMLResponse(body, status_code=status_code)
    answer.headers["cache-control"] = "no-store"  # pages carry the user's data
    answer.headers["content-language"] = language
    return answer
