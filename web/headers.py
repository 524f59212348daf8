"""Security headers on every HTTP response, as one ASGI middleware.

The console and API allow only their own origin (``'unsafe-inline'`` styles for the landing page);
so does ``/docs``, which loads Swagger UI from ``/static/console/vendor/`` (no CDN): its one inline
start-up script is allowed by its hash (``web/api_docs.py``). No page may be framed (clickjacking), no
response sniffed into another type, and no URL (which may carry ids) leaks to other sites as a
referrer. The web chat widget's script is embedded by customers' own pages, whose policy is their own;
nothing here stops that.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

APP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def docs_policy(script_hashes: Sequence[str] = ()) -> str:
    """The API docs pages' policy; ``script_hashes`` (``sha256-...``) allow those inline scripts only."""
    scripts = " ".join(["'self'", *(f"'{digest}'" for digest in script_hashes)])
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


DOCS_POLICY = docs_policy()
DOCS_PATHS = ("/docs",)
COMMON_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


def ws_origins(url: str) -> tuple[str, ...]:
    """The CSP source of a WebSocket URL (``ws://127.0.0.1:8088/ws`` -> ``ws://127.0.0.1:8088``).

    The console's softphone talks SIP straight to Asterisk's WebSocket rather than through a proxy in
    this app: no second hop for every SIP message, and Asterisk sees the browser's own connection."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        return ()
    return (f"{parts.scheme}://{parts.netloc}",)


class SecurityHeadersMiddleware:
    """``app.add_middleware(SecurityHeadersMiddleware)``: adds the headers unless a route set its own.

    ``connect_sources`` are extra origins the pages may connect to (the SIP WebSocket)."""

    def __init__(self, app: ASGIApp, connect_sources: tuple[str, ...] = ()) -> None:
        self.app = app
        extra = "".join(f" {source}" for source in connect_sources)
        self.app_policy = APP_POLICY.replace("connect-src 'self'", f"connect-src 'self'{extra}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        policy = DOCS_POLICY if path.startswith(DOCS_PATHS) else self.app_policy
        added = [*COMMON_HEADERS, (b"content-security-policy", policy.encode())]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in added if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
