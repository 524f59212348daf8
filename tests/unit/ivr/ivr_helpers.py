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


def office_hours_example() -> dict[str, Any]:
    """The office hours main.yaml documents in a comment (``# office-hours-example:``), uncommented."""
    lines = MAIN_FLOW.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "# office-hours-example:")
    block = []
    for line in lines[start + 1 :]:
        if not line.strip().startswith("#   "):
            break
        block.append(line.strip()[2:])
    example: dict[str, Any] = yaml.safe_load("\n".join(block))
    return example


def office_hours_flow() -> Flow:
    """The shipped flow with the documented office hours in place of the demo's around-the-clock ones."""
    data = yaml.safe_load(MAIN_FLOW.read_text(encoding="utf-8"))
    hours = data["nodes"]["opening_hours"]
    hours.pop("holidays", None)
    hours.update(office_hours_example())
    return parse_flow(yaml.safe_dump(data, allow_unicode=True), "main")


def session(flow: Flow, caller_id: str = "+441234567890", now: datetime = MONDAY_MORNING) -> IvrSession:
    return IvrSession(flow, caller_id=caller_id, clock=lambda: now)
