"""Call control for the console: agents' own status and calls, supervision, live calls, call records.

``router`` (HTTP) and ``live_router`` (``/ws/calls``) are mounted by ``web.app``.
"""

from web.routes.calls.live import live_router
from web.routes.calls.routes import router

__all__ = ["live_router", "router"]
