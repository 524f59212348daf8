"""Training needs: agents whose QA items pass less often than a bar, or whose calls raised more
compliance alerts than allowed; each need names the drill-down that lists its calls.

Item results are the scorecards' own, a QA manager's review overriding the automatic result (as in
``GET /api/qa/agents/{agent}/scores``). Scorecards without overrides are summed from the
``qa_items_daily`` rollup; the few reviewed ones with overrides are read one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qa.scorecards.models import Scorecard
from qa.scorecards.schemas import ItemStatus
from qa.scorecards.services import auto_items, effective_status
from telephony.wallboard import agent_names
from web.analytics.facts import without_overrides
from web.analytics.kpis import Period, Rollups, in_period, sums
from web.analytics.sql import ratio

DEFAULT_BAR = 0.8


@dataclass
class _Tally:
    label: str
    passed: int = 0
    applicable: int = 0


def _item_tallies(session: Session, rollups: Rollups, period: Period) -> dict[tuple[str, str], _Tally]:
    t = rollups["qa_items_daily"]
    rows = session.execute(
        select(t.c.agent_id, t.c.item_key, func.max(t.c.label), *sums(t, "applicable", "passed"))
        .where(in_period(t, period))
        .group_by(t.c.agent_id, t.c.item_key)
    )
    tallies = {
        (agent, key): _Tally(label or key, passed, applicable)
        for agent, key, label, applicable, passed in rows
    }
    start, end = period.bounds()
    at = func.coalesce(Scorecard.call_at, Scorecard.created_at)
    # Only a review sets overrides (qa.scorecards.reviews), so look at reviewed cards alone.
    reviewed = select(Scorecard).where(
        at >= start, at < end, Scorecard.reviewed_at.is_not(None), ~without_overrides()
    )
    for card in session.scalars(reviewed):
        for item in auto_items(card):
            status = effective_status(card, item)
            tally = tallies.setdefault((card.agent_id, item.key), _Tally(item.label))
            tally.applicable += status is not ItemStatus.NOT_APPLICABLE
            tally.passed += status is ItemStatus.PASSED
    return tallies


def training_needs(
    session: Session, period: Period, bar: float = DEFAULT_BAR, max_hits: int = 0
) -> list[dict[str, Any]]:
    """One row per agent and need: a QA item passed on less than ``bar`` of the calls it applied to,
    or more than ``max_hits`` compliance alerts. Per agent, worst first."""
    rollups = Rollups(session.connection())
    needs: list[dict[str, Any]] = [
        {"agent_id": agent, "need": f"item:{key}", "label": tally.label,
         "pass_rate": ratio(tally.passed, tally.applicable), "passed": tally.passed,
         "applicable": tally.applicable, "count": tally.applicable - tally.passed,
         "drill": {"metric": "qa_item_failed", "key": f"{agent}:{key}"}}
        for (agent, key), tally in _item_tallies(session, rollups, period).items()
        if tally.applicable and tally.passed / tally.applicable < bar
    ]  # fmt: skip
    t = rollups["compliance_daily"]
    hits = session.execute(
        select(t.c.agent_id, *sums(t, "hits")).where(in_period(t, period)).group_by(t.c.agent_id)
    )
    needs += [
        {"agent_id": agent, "need": "compliance", "label": "compliance alerts", "pass_rate": None,
         "passed": None, "applicable": None, "count": count,
         "drill": {"metric": "compliance_hits", "key": agent}}
        for agent, count in hits
        if count > max_hits
    ]  # fmt: skip
    names = agent_names(session, {str(need["agent_id"]) for need in needs})
    for need in needs:
        need["name"] = names.get(str(need["agent_id"]), need["agent_id"])
    needs.sort(key=lambda n: (n["agent_id"], -1.0 if n["pass_rate"] is None else n["pass_rate"], n["need"]))
    return needs


def failed_item_calls(session: Session, period: Period, agent: str, item_key: str) -> list[dict[str, Any]]:
    """The calls of ``agent`` in ``period`` on which ``item_key`` failed (reviews applied), oldest first."""
    start, end = period.bounds()
    at = func.coalesce(Scorecard.call_at, Scorecard.created_at)
    cards = (
        select(Scorecard).where(Scorecard.agent_id == agent, at >= start, at < end).order_by(at, Scorecard.id)
    )
    failed = []
    for card in session.scalars(cards):
        for item in auto_items(card):
            if item.key == item_key and effective_status(card, item) is ItemStatus.FAILED:
                when = card.call_at or card.created_at
                failed.append({"call_id": card.call_id, "at": when.isoformat(), "agent_id": agent,
                               "item": item.key, "reviewed": card.reviewed})  # fmt: skip
    return failed
