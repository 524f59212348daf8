"""Post-call QA: a call an agent answered is scored once it ends (``voxdesk.qa.score_call``).

Call control knows what the transcript cannot say (how long the caller was on hold, when the agent
joined, which agent and queue), so it hands those facts to the scorecard job, named by string like
every job (telephony never imports qa). Sending happens in a worker thread and a broker failure is
logged: it never touches the call.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telephony.calls.model import Call
from telephony.inbound.conversations import TaskSender

log = logging.getLogger(__name__)

SCORE_CALL_TASK = "voxdesk.qa.score_call"


def scorecard_facts(call: Call) -> dict[str, Any] | None:
    """The facts the scorecard job reads (JSON), or None for a call no agent answered."""
    if not call.agent_id or call.answered_at is None:
        return None
    ended = call.wrap_up_started_at or call.ended_at or call.state_changed_at
    hold = call.hold_seconds + (max(0.0, ended - call.hold_started_at) if call.hold_started_at else 0.0)
    return {
        "call_id": call.call_id,
        "agent_id": call.agent_id,
        "queue_id": call.queue_id,
        "channel": "voice",
        "language": call.language,
        "offered_at": call.created_at,  # the caller's leg is tapped as the call enters
        "answered_at": call.answered_at,  # and the agent's leg as the agent joins
        "ended_at": ended,
        "hold_s": round(hold, 3),
    }


class PostCallQa:
    """A call-ended hook that queues the call's scorecard."""

    def __init__(self, jobs: TaskSender) -> None:
        self._jobs = jobs

    async def call_ended(self, call: Call) -> None:
        facts = scorecard_facts(call)
        if facts is None:
            return
        try:
            await asyncio.to_thread(self._jobs.send_task, SCORE_CALL_TASK, [facts])
        except Exception as exc:  # the call is over either way; `voxdesk qa score` can redo it
            log.warning("call %s: scorecard not queued: %s", call.call_id, exc)
