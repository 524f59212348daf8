"""The first run's demo contact center on PostgreSQL, as the console's API shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from config.db import make_engine, make_session_factory
from config.migrate import upgrade
from config.settings import Settings
from voxdesk.demo import seed_demo_data
from web.app import create_app

pytestmark = pytest.mark.integration


@pytest.fixture
def api(scratch_postgres_url: str, redis_url: str, tmp_path: Path) -> tuple[TestClient, dict[str, str]]:
    upgrade(scratch_postgres_url)
    engine = make_engine(scratch_postgres_url)
    factory = make_session_factory(engine)
    accounts = seed_demo_data(factory, tmp_path, "GB")
    assert seed_demo_data(factory, tmp_path, "GB") == []  # a second start adds nothing
    engine.dispose()
    settings = Settings(
        database_url=scratch_postgres_url, data_dir=tmp_path, redis={"url": redis_url},
        asterisk={"mode": "external", "ari_url": "http://127.0.0.1:9/ari", "ari_password": "x"},
    )  # fmt: skip
    return TestClient(create_app(settings)), {a.username: a.password for a in accounts}


def signed_in(client: TestClient, passwords: dict[str, str], username: str) -> dict[str, str]:
    response = client.post("/api/auth/token", json={"username": username, "password": passwords[username]})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_supervisor_sees_the_demo_tickets_groups_policies_articles_and_past_calls(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, passwords = api
    headers = signed_in(client, passwords, "supervisor")

    tickets = client.get("/api/tickets", headers=headers, params={"limit": 50}).json()["items"]
    subjects = {t["subject"] for t in tickets}
    assert {"Refund for a double payment on order 100234", "订单 200871 物流延迟"} <= subjects
    assert len(tickets) == 5
    groups = {g["name"] for g in client.get("/api/desk/groups", headers=headers).json()}
    assert {"Billing", "中文客服"} <= groups
    policies = {p["name"] for p in client.get("/api/desk/sla/policies", headers=headers).json()}
    assert {"Urgent", "Standard", "WeChat 标准"} <= policies
    articles = client.get("/api/kb/articles", headers=headers).json()
    assert {"How to request a refund", "如何申请退款"} <= {a["title"] for a in articles}
    found = client.get("/api/kb/search", headers=headers, params={"q": "退款"}).json()["items"]
    assert found and found[0]["title"] == "如何申请退款"  # PostgreSQL full-text search reads Chinese

    records = client.get("/api/calls/records", headers=headers).json()["items"]
    assert {r["call_id"] for r in records} == {"demo-call-0001", "demo-call-0002", "demo-call-0003"}
    billing = next(r for r in records if r["call_id"] == "demo-call-0001")
    assert (billing["queue_id"], billing["agent_id"]) == ("billing", "agent1")
    assert billing["disposition"] == "answered" and billing["talk_s"] == 142


def test_an_agent_opens_a_chinese_customer_with_orders_devices_tickets_and_a_call_transcript(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, passwords = api
    headers = signed_in(client, passwords, "agent2")
    tickets = client.get("/api/tickets", headers=headers, params={"limit": 50}).json()["items"]
    ticket = next(t for t in tickets if t["subject"] == "订单 200871 物流延迟")
    view = client.get(f"/api/customers/{ticket['customer_id']}", headers=headers).json()
    assert view["customer"]["display_name"] == "王芳"
    assert {i["value"] for i in view["identities"]} >= {"+8613800138000", "wangfang@example.cn"}
    assert view["devices"] == ["VX-RT1000-0862"]
    assert [o["order_number"] for o in view["orders"]] == ["200871"]
    (call,) = view["calls"]
    messages = client.get(f"/api/conversations/{call['id']}/messages", headers=headers).json()
    assert [m["speaker"] for m in messages] == ["caller", "agent", "caller"]
    assert messages[0]["body"].startswith("你好")
    order = client.get("/api/orders/200871", headers=headers).json()
    assert order["status"] == "in_transit" and order["carrier"] == "顺丰速运"
