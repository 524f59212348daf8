"""The console's pages: sign-in, the home that follows the role, log-out, the forbidden page.

Every page is reached through :func:`console_page`, which admits the roles it names: a visitor who
is not signed in is sent to ``/login`` (and back afterwards), a signed-in user of another role gets
the forbidden page (403), in their language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from config.models import Role
from web.auth import OptionalPrincipal, Principal
from web.console.i18n import LANGUAGE_COOKIE, LANGUAGES
from web.console.render import render

router = APIRouter(include_in_schema=False)

HOME_OF_ROLE = {
    Role.AGENT: "/agent",
    Role.SUPERVISOR: "/supervisor",
    Role.QA_MANAGER: "/qa",
    Role.ADMIN: "/admin",
}


class SignInRequiredError(Exception):
    """Raised by a page guard: answer with a redirect (to sign in) instead of the page."""

    def __init__(self, location: str) -> None:
        self.location = location


class PageForbiddenError(Exception):
    """Raised by a page guard: the signed-in user's role may not open this page."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal


def local_path(target: str | None, fallback: str = "/") -> str:
    """``target`` when it is a path on this site (never ``//host`` or a scheme): no open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and "\n" not in target:
        return target
    return fallback


def console_page(*roles: Role) -> Callable[[Request, Principal | None], Awaitable[Principal]]:
    """Dependency for a page of these roles: the signed-in principal, or a redirect / forbidden."""

    async def guard(request: Request, principal: OptionalPrincipal) -> Principal:
        if principal is None:
            wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequiredError(f"/login?next={quote(wanted, safe='')}")
        if principal.role not in roles:
            raise PageForbiddenError(principal)
        return principal

    return guard


def install_page_handlers(app: Any) -> None:
    async def redirect(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequiredError)
        return RedirectResponse(exc.location, status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageForbiddenError)
        return render(request, "forbidden.html", exc.principal, page="forbidden", status_code=403,
                      home=HOME_OF_ROLE[exc.principal.role])  # fmt: skip

    app.add_exception_handler(SignInRequiredError, redirect)
    app.add_exception_handler(PageForbiddenError, forbidden)


@router.get("/", response_class=HTMLResponse)
def home(principal: OptionalPrincipal) -> Response:
    """Signed in: the home page of the role; otherwise the sign-in page."""
    return RedirectResponse(HOME_OF_ROLE[principal.role] if principal else "/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, principal: OptionalPrincipal, next: str | None = None) -> Response:
    target = local_path(next, "/")
    if principal is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "login.html", None, page="login", next=target)


@router.get("/logout", response_class=HTMLResponse)
def logout_page(request: Request) -> Response:
    """Signs out through the page's script (the API's log-out needs the CSRF header)."""
    return render(request, "logout.html", None, page="logout")


@router.get("/lang/{language}")
def switch_language(language: str, next: str | None = None) -> Response:
    """The language switch: remembered in a cookie (a preference, not a secret)."""
    answer = RedirectResponse(local_path(next, "/"), status_code=303)
    if language in LANGUAGES:
        answer.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, path="/", samesite="lax")
    return answer


