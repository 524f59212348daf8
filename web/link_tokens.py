"""A customer's link with ``?token=`` (an old survey link, a token pasted by hand) reaches the page
with the token moved to the fragment, and no log line holds it.

Links we send carry the token in the fragment, which browsers never send. A query string reaches
the server, though, and uvicorn's access log and the audit would print it: this middleware, around
everything else, takes the token out of the request's query string in place (the very scope the
server's access log reads when the answer starts) and answers ``303`` to the same page with the
token in the fragment, where the page's script picks it up.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

CUSTOMER_LINK_PATHS = frozenset({"/csat", "/track"})


class LinkTokenMiddleware:
    """``app.add_middleware(LinkTokenMiddleware)``: ``/csat?token=X`` answers 303 to ``/csat#token=X``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in CUSTOMER_LINK_PATHS:
            await self.app(scope, receive, send)
            return
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        tokens = [value for name, value in pairs if name == "token"]
        if not tokens:
            await self.app(scope, receive, send)
            return
        kept = urlencode([(name, value) for name, value in pairs if name != "token"])
        scope["query_string"] = kept.encode("latin-1")  # what the access log prints from now on
        location = scope["path"] + (f"?{kept}" if kept else "") + "#" + urlencode({"token": tokens[-1]})
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [(b"location", location.encode("latin-1")), (b"cache-control", b"no-store")],
            }
        )
        await send({"type": "http.response.body", "body": b""})
