"""Shared builders for IVR unit tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from telephony.ivr import Flow, IvrSession, parse_flow

MAIN_FLOW = Path(__file__).resolve().parents[3] / "config" / "ivr" / "main.yaml"
MONDAY_MORNING = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # 10:00 in London too (GMT)
SUNDAY = datetime(2025, 3, 2, 12, 0, tzinfo=UTC)


def flow_from(nodes: dict[str, Any], **header: Any) -> Flow:
    data = {"start": next(iter(nodes)), "fallback": "operator", **header, "nodes": nodes}
    data["nodes"].setdefault("operator", {"type": "route_queue", "queue": "general"})
    return parse_flow(yaml.safe_dump(data, allow_unicode=True), "test")


def main_flow() -> Flow:
    return parse_flow(MAIN_FLOW.read_text(encoding="utf-8"), "main")


def session(flow: Flow, caller_id: str = "+441234567890", now: datetime = MONDAY_MORNING) -> IvrSession:
    return IvrSession(flow, caller_id=caller_id, clock=lambda: now)
