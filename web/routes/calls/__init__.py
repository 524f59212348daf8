"""Call control for the console: agents' own status and calls, supervision, live calls, call records.

``router``, ``transcript_router`` and ``recording_router`` (HTTP) and ``live_router`` (``/ws/calls``)
are mounted by ``web.app``.
"""

from web.routes.calls.live import live_router
from web.routes.calls.recordings import recording_router
from web.routes.calls.routes import router
from web.routes.calls.transcripts import transcript_router

__all__ = ["live_router", "recording_router", "router", "transcript_router"]
