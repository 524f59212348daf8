"""Training needs: agents whose QA items pass less often than a bar, or whose calls raised compliance
alerts, with the calls that show it.

Item results are the scorecards' own (a QA manager's review overrides the automatic result, as in
``GET /api/qa/agents/{agent}/scores``); compliance hits are the stored live alerts of the agent's
calls. Read from the scorecards of the range (a QA team scores a sample, so these stay small).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qa.alerts.models import QaAlert
from qa.scorecards.models import Scorecard
from qa.scorecards.schemas import ItemStatus
from qa.scorecards.services import auto_items, effective_status
from telephony.wallboard import agent_names
from web.analytics.kpis import Period
from web.analytics.sql import ratio

DEFAULT_BAR = 0.8
CALLS_SHOWN = 20


@dataclass
class _Tally:
    label: str
    passed: int = 0
    applicable: int = 0
    calls: list[str] = field(default_factory=list)


def training_needs(
    session: Session, period: Period, bar: float = DEFAULT_BAR, max_hits: int = 0
) -> list[dict[str, Any]]:
    """One row per agent and need: a QA item whose pass rate is under ``bar`` (the failed calls), or
    more than ``max_hits`` compliance alerts (the calls that raised them). Worst first per agent."""
    start, end = period.bounds()
    at = func.coalesce(Scorecard.call_at, Scorecard.created_at)
    items: dict[tuple[str, str], _Tally] = {}
    for card in session.scalars(select(Scorecard).where(at >= start, at < end).order_by(at, Scorecard.id)):
        for item in auto_items(card):
            status = effective_status(card, item)
            if status is ItemStatus.NOT_APPLICABLE:
                continue
            tally = items.setdefault((card.agent_id, item.key), _Tally(item.label))
            tally.applicable += 1
            if status is ItemStatus.PASSED:
                tally.passed += 1
            elif len(tally.calls) < CALLS_SHOWN:
                tally.calls.append(card.call_id)
    hits: dict[str, list[str]] = defaultdict(list)
    alerts = select(QaAlert.agent, QaAlert.call_id).where(
        QaAlert.created_at >= start, QaAlert.created_at < end, QaAlert.agent.is_not(None)
    )
    for agent, call_id in session.execute(alerts.order_by(QaAlert.created_at, QaAlert.id)):
        hits[agent].append(call_id or "")
    needs = [
        {"agent_id": agent, "need": f"item:{key}", "label": tally.label, "pass_rate": ratio(tally.passed, tally.applicable),
         "passed": tally.passed, "applicable": tally.applicable, "calls": tally.calls}
        for (agent, key), tally in items.items()
        if tally.passed / tally.applicable < bar
    ]  # fmt: skip
    needs += [
        {"agent_id": agent, "need": "compliance", "label": "compliance alerts", "pass_rate": None,
         "passed": None, "applicable": len(calls), "calls": sorted(set(filter(None, calls)))[:CALLS_SHOWN]}
        for agent, calls in hits.items()
        if len(calls) > max_hits
    ]  # fmt: skip
    names = agent_names(session, {need["agent_id"] for need in needs})
    for need in needs:
        need["name"] = names.get(need["agent_id"], need["agent_id"])
    needs.sort(
        key=lambda n: (n["agent_id"], n["pass_rate"] if n["pass_rate"] is not None else -1.0, n["need"])
    )
    return needs
