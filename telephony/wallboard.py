"""The wallboard read model: today's figures per queue and every agent's state, in one answer.

"Today" starts at local midnight in ``tz`` (UTC unless configured). Finished calls come from the
call records, live ones from the controller's call store; a call in both counts once (the live copy
wins, it is newer). Service level = calls answered within the queue's threshold over answered calls
plus calls abandoned after the threshold (callers who hung up sooner do not count against it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.models import SipCredential, User
from routing import Agent
from telephony.calls.model import Call
from telephony.calls.states import get_state
from telephony.records.models import CallRecord

DEFAULT_SERVICE_LEVEL_S = 20.0


@dataclass(frozen=True, slots=True)
class Finished:
    """What the wallboard needs of one call of today (finished or live)."""

    call_id: str
    queue_id: str
    answered: bool
    abandoned: bool
    wait_s: float


def start_of_day(now: float, tz: tzinfo = UTC) -> datetime:
    local = datetime.fromtimestamp(now, tz)
    return datetime.combine(local.date(), time(0), tzinfo=tz)


def records_since(session: Session, since: datetime) -> list[Finished]:
    rows = session.scalars(
        select(CallRecord).where(CallRecord.offered_at >= since, CallRecord.queue_id.is_not(None))
    )
    return [of_record(row) for row in rows]


def agent_names(session: Session, agent_ids: Iterable[str]) -> dict[str, str]:
    """Display names of the users whose SIP accounts are these agent ids."""
    wanted = sorted(set(agent_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(SipCredential.username, User.display_name)
        .join(User, User.id == SipCredential.user_id)
        .where(SipCredential.username.in_(wanted))
    )
    return {username: name for username, name in rows if name}


def of_record(row: CallRecord) -> Finished:
    return Finished(
        row.call_id, row.queue_id or "", row.answered_at is not None, row.abandoned_at is not None,
        float(row.queue_wait_s or 0.0),
    )  # fmt: skip


def _wait_start(call: Call) -> float | None:
    return call.queue_entered_at or call.queued_at


def _live_wait(call: Call, now: float) -> float:
    start = _wait_start(call)
    if start is None:
        return 0.0
    end = call.answered_at or call.abandoned_at or now
    return max(0.0, end - start)


def _waiting(call: Call) -> bool:
    try:
        return get_state(call.state).waiting_for_agent and _wait_start(call) is not None
    except KeyError:
        return False


def queue_figures(
    queue_id: str, finished: Iterable[Finished], live: Iterable[Call], now: float, threshold_s: float
) -> dict[str, Any]:
    """One queue's tile. ``finished`` and ``live`` may hold other queues' calls (ignored here)."""
    live_here = [call for call in live if call.queue_id == queue_id and _wait_start(call) is not None]
    live_ids = {call.call_id for call in live_here}
    calls = [item for item in finished if item.queue_id == queue_id and item.call_id not in live_ids]
    waiting = [call for call in live_here if _waiting(call) and call.answered_at is None]
    for call in live_here:
        if call in waiting:
            continue
        calls.append(Finished(call.call_id, queue_id, call.answered_at is not None,
                              call.abandoned_at is not None, _live_wait(call, now)))  # fmt: skip
    answered = [item for item in calls if item.answered]
    abandoned = [item for item in calls if item.abandoned and not item.answered]
    in_time = sum(1 for item in answered if item.wait_s <= threshold_s)
    late_abandoned = sum(1 for item in abandoned if item.wait_s > threshold_s)
    sl_base = len(answered) + late_abandoned
    waits = [_live_wait(call, now) for call in waiting]
    ended = len(answered) + len(abandoned)
    all_waits = [item.wait_s for item in answered + abandoned]
    return {
        "queue_id": queue_id,
        "waiting": len(waiting),
        "longest_wait_s": round(max(waits), 1) if waits else 0.0,
        "offered": len(calls) + len(waiting),
        "answered": len(answered),
        "abandoned": len(abandoned),
        "service_level": round(in_time / sl_base, 4) if sl_base else None,
        "service_level_threshold_s": threshold_s,
        "abandonment_rate": round(len(abandoned) / ended, 4) if ended else None,
        "avg_wait_s": round(sum(all_waits) / len(all_waits), 1) if all_waits else None,
    }


def agent_row(agent: Agent, now: float, name: str | None = None) -> dict[str, Any]:
    return {
        "agent_id": agent.agent_id,
        "name": name or agent.agent_id,
        "state": agent.state.value,
        "reason": agent.pause_reason,
        "call_id": agent.call_id,
        "since": agent.state_since,
        "in_state_s": round(max(0.0, now - agent.state_since), 1) if agent.state_since else None,
    }


def wallboard(
    queues: Mapping[str, Any], finished: Iterable[Finished], live: Iterable[Call], agents: Iterable[Agent],
    now: float, names: Mapping[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The whole answer. ``queues`` maps queue ids to their config (read for ``service_level_s``)."""
    finished, live = list(finished), list(live)
    queue_ids = set(queues) | {item.queue_id for item in finished} | {c.queue_id for c in live if c.queue_id}
    tiles = []
    for queue_id in sorted(queue_ids):
        threshold = getattr(queues.get(queue_id), "service_level_s", None) or DEFAULT_SERVICE_LEVEL_S
        tiles.append(queue_figures(queue_id, finished, live, now, float(threshold)))
    names = names or {}
    rows = [agent_row(agent, now, names.get(agent.agent_id)) for agent in agents]
    return {
        "generated_at": now,
        "queues": tiles,
        "agents": sorted(rows, key=lambda row: str(row["name"]).lower()),
    }
