"""Live QA's outlet on the real Redis: events on the call's channel and stream (what consoles read and
replay), alerts enqueued by name for the ``qa.store_findings`` job with its JSON arguments."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import redis

from config.events import Notifier, channel_name
from qa.compliance.model import Finding
from qa.events import QaAlert
from qa.live.outlet import STORE_FINDINGS_TASK, BusOutlet

REDIS_URL = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class SentTasks:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[Any]]] = []

    def send_task(self, name: str, args: list[Any]) -> None:
        self.sent.append((name, json.loads(json.dumps(args))))  # JSON only, as the broker carries it


def test_an_alert_goes_to_the_calls_stream_and_its_finding_to_the_store_job_as_json() -> None:
    call_id = f"c-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(REDIS_URL)
    celery = SentTasks()
    outlet = BusOutlet(Notifier(client), celery)
    event = QaAlert(call_id=call_id, rule="no-guarantee", kind="forbidden", severity="high", leg="agent",
                    text="guaranteed", start=1.0, end=2.0, score=0.9, agent="ag-alice")  # fmt: skip
    outlet.publish(event)
    finding = Finding("no-guarantee", "forbidden", "high", "agent", "guaranteed", 1.0, 2.0, 0.9, "warn")
    outlet.store([finding], call_id=call_id, agent="ag-alice")
    [(_id, fields)] = client.xrange(f"{channel_name('call', call_id)}:log")
    assert json.loads(fields[b"event"])["data"]["id"] == event.id
    assert celery.sent == [(STORE_FINDINGS_TASK, [
        [{"rule_id": "no-guarantee", "kind": "forbidden", "severity": "high", "speaker": "agent",
          "text": "guaranteed", "start": 1.0, "end": 2.0, "score": 0.9, "action": "warn"}],
        call_id, None, "voice", "ag-alice",
    ])]  # fmt: skip
    client.delete(f"{channel_name('call', call_id)}:log")


def test_an_unreachable_event_bus_is_counted_not_raised() -> None:
    outlet = BusOutlet(Notifier(redis.Redis(port=1, socket_connect_timeout=0.2)), SentTasks())
    outlet.publish(QaAlert(call_id="c1", rule="r", kind="forbidden", severity="low", leg="agent", text="x",
                           start=0.0, end=1.0, score=0.7))  # fmt: skip
    assert outlet.publish_failures == 1
