"""``GET /api/calls/records/{call_id}/recording``: a call's recording (WAV), seekable by byte range.

Under the call read rule of the transcript (:func:`web.routes.calls.transcripts.may_read_call`):
supervisors, QA managers and admins any call; an agent the calls they took or may see. Anything
else, a call without a recording, or a recording name that is not a plain file of the recording
folder answers 404. Every listening is audited (the first request of a playback: no range, or one
from byte 0; a player's further ranges are not), and so is every refusal.
"""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from config.errors import NotFoundError
from telephony.recording.files import byte_range, recording_file, recordings_dir
from telephony.records.queries import get_record
from web.audit import record_read
from web.auth import CurrentPrincipal
from web.deps import SessionDep, SettingsDep
from web.routes.calls.transcripts import TRANSCRIPT_READERS, CallId, may_read_call

recording_router = APIRouter(tags=["calls"])


@recording_router.get(
    "/api/calls/records/{call_id}/recording",
    dependencies=[TRANSCRIPT_READERS],
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}}, 206: {"description": "the range asked for"},
               404: {"description": "no such call, not yours, or no recording"},
               416: {"description": "a Range that is not one byte range inside the file"}},
)  # fmt: skip
async def call_recording(
    call_id: CallId, request: Request, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    """The recording as ``audio/wav``; ``Range: bytes=start-end`` answers 206 with that part."""
    allowed = await may_read_call(call_id, request, principal, session)
    record = await anyio.to_thread.run_sync(get_record, session, call_id) if allowed else None
    path = recording_file(recordings_dir(settings), record.recording_name) if record is not None else None
    if path is None:
        await anyio.to_thread.run_sync(record_read, session, request, principal, f"call_id={call_id}", 404)
        raise NotFoundError(f"no recording of call {call_id}")
    wanted = byte_range(request.headers.get("range"), path.stat().st_size)  # 416 before any byte
    if wanted is None or wanted.start == 0:
        status = 206 if wanted else 200
        await anyio.to_thread.run_sync(record_read, session, request, principal, f"call_id={call_id}", status)
    # Starlette serves the range (and If-Range, HEAD) itself; byte_range() made sure it is one it accepts.
    return FileResponse(
        path,
        media_type="audio/wav",
        filename=f"{call_id}.wav",
        content_disposition_type="inline",
        headers={"cache-control": "private, no-store"},
    )
