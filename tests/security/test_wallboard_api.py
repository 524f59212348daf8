"""``GET /api/wallboard`` and the supervisor page: the figures by hand, who may read them, both languages."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aredis
from security_helpers import SecureApp

from config.db import session_scope
from config.models import SipCredential
from routing import Agent, AgentState
from telephony.agents.store import AgentStore
from telephony.calls.model import Call
from telephony.calls.store import CallStore
from telephony.records.models import CallRecord
from telephony.wallboard import Finished, queue_figures, start_of_day, wallboard


def test_service_level_counts_answered_in_time_over_answered_plus_late_abandons() -> None:
    finished = [
        Finished("a", "sales", answered=True, abandoned=False, wait_s=10),  # in time
        Finished("b", "sales", answered=True, abandoned=False, wait_s=30),  # late
        Finished("c", "sales", answered=False, abandoned=True, wait_s=5),  # hung up early: not counted
        Finished("d", "sales", answered=False, abandoned=True, wait_s=45),  # abandoned late: counts
        Finished("e", "support", answered=True, abandoned=False, wait_s=1),  # another queue
    ]
    tile = queue_figures("sales", finished, [], now=1000.0, threshold_s=20)
    assert tile["offered"] == 4 and tile["answered"] == 2 and tile["abandoned"] == 2
    assert tile["service_level"] == pytest.approx(1 / 3, abs=1e-4)
    assert tile["abandonment_rate"] == 0.5
    assert tile["avg_wait_s"] == 22.5
    assert tile["waiting"] == 0 and tile["longest_wait_s"] == 0.0
    # a longer threshold makes b in time: 2 / (2 + 1)
    assert queue_figures("sales", finished, [], 1000.0, 31)["service_level"] == pytest.approx(2 / 3, abs=1e-4)


def test_a_waiting_call_counts_as_waiting_with_its_wait_and_not_in_the_rates() -> None:
    now = 10_000.0
    waiting = Call(call_id="w1", state="queued", queue_id="sales", queued_at=now - 42,
                   queue_entered_at=now - 42)  # fmt: skip
    talking = Call(call_id="t1", state="connected", queue_id="sales", queue_entered_at=now - 100,
                   answered_at=now - 95)  # fmt: skip
    tile = queue_figures("sales", [Finished("t1", "sales", True, False, 99)], [waiting, talking], now, 20)
    assert tile["waiting"] == 1 and tile["longest_wait_s"] == 42.0
    assert tile["offered"] == 2 and tile["answered"] == 1  # t1 once: the live copy wins over its record
    assert tile["service_level"] == 1.0 and tile["abandonment_rate"] == 0.0 and tile["avg_wait_s"] == 5.0


def test_queues_without_calls_appear_and_the_default_threshold_is_20_s() -> None:
    one = [Finished("x", "sales", True, False, 20)]
    board = wallboard({"billing": None, "sales": None}, one, [], [], 5.0)
    assert [tile["queue_id"] for tile in board["queues"]] == ["billing", "sales"]
    empty, sales = board["queues"]
    assert empty["offered"] == 0 and empty["service_level"] is None and empty["abandonment_rate"] is None
    assert sales["service_level_threshold_s"] == 20.0 and sales["service_level"] == 1.0


def test_today_starts_at_local_midnight() -> None:
    now = datetime(2026, 3, 4, 15, 30, tzinfo=UTC).timestamp()
    assert start_of_day(now) == datetime(2026, 3, 4, tzinfo=UTC)


def _record(call_id: str, queue: str, offered: datetime, wait: float, answered: bool) -> CallRecord:
    return CallRecord(
        call_id=call_id, queue_id=queue, disposition="answered" if answered else "abandoned",
        offered_at=offered, ended_at=offered + timedelta(minutes=3), queue_wait_s=wait,
        answered_at=offered + timedelta(seconds=wait) if answered else None,
        abandoned_at=None if answered else offered + timedelta(seconds=wait),
    )  # fmt: skip


def test_the_api_reads_todays_records_and_live_waiting_calls(secure_app: SecureApp, redis_url: str) -> None:
    now = datetime.now(UTC)
    with session_scope(secure_app.app.state.session_factory) as session:
        session.add_all([
            _record("r1", "sales", now - timedelta(seconds=5), 12, answered=True),
            _record("r2", "sales", now - timedelta(seconds=5), 25, answered=False),
            _record("old", "sales", start_of_day(time.time()) - timedelta(hours=1), 1, answered=True),
        ])  # fmt: skip
    prefix = secure_app.app.state.settings.telephony.key_prefix

    async def put_waiting() -> None:
        client = aredis.Redis.from_url(redis_url)
        waiting_since = time.time() - 30
        call = Call(call_id="live-w", state="queued", queue_id="sales", queued_at=waiting_since,
                    queue_entered_at=waiting_since)  # fmt: skip
        await CallStore(client, prefix).save(call)

        agent = Agent("agent1", state=AgentState.PAUSED, state_since=time.time() - 65, pause_reason="lunch")
        await AgentStore(client, prefix).save(agent)
        await client.aclose()

    asyncio.run(put_waiting())
    with session_scope(secure_app.app.state.session_factory) as session:
        session.add(SipCredential(user_id=secure_app.ids["agent1"], username="agent1", ha1="0" * 32))
    answer = secure_app.client.get("/api/wallboard", headers=secure_app.bearer("supervisor"))
    assert answer.status_code == 200, answer.text
    board = answer.json()
    sales = next(tile for tile in board["queues"] if tile["queue_id"] == "sales")
    assert sales["waiting"] == 1 and 29 <= sales["longest_wait_s"] <= 60
    assert sales["offered"] == 3 and sales["answered"] == 1 and sales["abandoned"] == 1
    assert sales["service_level"] == 0.5 and sales["abandonment_rate"] == 0.5
    assert board["generated_at"] == pytest.approx(time.time(), abs=30)
    [agent] = board["agents"]
    assert agent["agent_id"] == "agent1" and agent["name"] == "Agent1"  # the user's display name
    assert agent["state"] == "paused" and agent["reason"] == "lunch" and 64 <= agent["in_state_s"] <= 120


def test_only_floor_roles_read_the_wallboard(secure_app: SecureApp) -> None:
    for username, status in (("supervisor", 200), ("qa", 200), ("admin", 200), ("agent1", 403)):
        answer = secure_app.client.get("/api/wallboard", headers=secure_app.bearer(username))
        assert answer.status_code == status, (username, answer.text)
    assert secure_app.client.get("/api/wallboard").status_code == 401


@pytest.mark.parametrize(("language", "heading"), [("en", "Floor"), ("zh", "现场监控")])
def test_the_supervisor_page_renders_in_both_languages(
    secure_app: SecureApp, language: str, heading: str
) -> None:
    secure_app.client.cookies.clear()
    page = secure_app.client.get("/supervisor", headers={**secure_app.bearer("supervisor"),
                                                         "accept-language": language})  # fmt: skip
    assert page.status_code == 200, page.text
    assert f"<h1>{heading}</h1>" in page.text
    assert '<section id="softphone" class="card"' in page.text
    assert "/static/console/supervisor.js" in page.text
