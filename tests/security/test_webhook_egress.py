"""Issue 9, outbound webhooks: no loopback, private, link-local or metadata targets unless allow-listed;
the host is resolved once and the POST goes to the checked address; the log says "refused", no ports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from security_helpers import SecureApp, make_settings
from sqlalchemy.orm import Session

from config.accounts import create_user
from config.db import session_scope
from config.migrate import upgrade
from config.models import Role
from tickets.webhooks.egress import REFUSED, OutboundGuard
from tickets.webhooks.models import WebhookDelivery, WebhookEndpoint
from tickets.webhooks.services import deliver
from web.app import create_app

pytestmark = pytest.mark.integration

INTERNAL_URLS = [
    "http://127.0.0.1:6379/", "http://localhost:5432/x", "http://10.0.0.7:22/", "http://192.168.1.1/",
    "http://172.16.5.5:8080/", "http://169.254.169.254/latest/meta-data/", "http://[::1]:8088/ari",
    "http://[::ffff:127.0.0.1]:25/", "http://0.0.0.0:8800/", "http://100.64.0.1/", "http://[fd00:ec2::254]/",
]


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_an_internal_webhook_url_is_refused_without_naming_the_port(secure_app: SecureApp, url: str) -> None:
    headers = secure_app.bearer("supervisor")
    answer = secure_app.client.post("/api/webhooks", json={"url": url}, headers=headers)
    assert answer.status_code == 422, answer.text
    detail = str(answer.json()["detail"])
    assert "refused" in detail
    port = httpx.URL(url).port
    assert port is None or str(port) not in detail


def test_an_admin_allow_listed_network_may_be_reached(tmp_path: Path, redis_url: str) -> None:
    settings = make_settings(tmp_path / "data", redis_url, desk={"webhook_allowed_networks": ["10.0.5.0/24"]})
    upgrade(settings.effective_database_url)
    app = create_app(settings)
    with session_scope(app.state.session_factory) as session:
        boss = create_user(session, "supervisor", "Boss", Role.SUPERVISOR, "boss-Vox-7rq-long")
    env = SecureApp(app, TestClient(app), {"supervisor": boss.id}, tmp_path)
    create = {"url": "http://10.0.5.9:9000/h"}
    assert env.client.post("/api/webhooks", json=create, headers=env.bearer("supervisor")).status_code == 201
    create = {"url": "http://10.0.6.9:9000/h"}  # the next network is not listed
    assert env.client.post("/api/webhooks", json=create, headers=env.bearer("supervisor")).status_code == 422


class CountingResolver:
    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def _queued(session: Session, url: str) -> int:
    endpoint = WebhookEndpoint(url=url, secret="s" * 32, event_types=[])
    session.add(endpoint)
    session.flush()
    delivery = WebhookDelivery(endpoint_id=endpoint.id, event_type="ticket.created", payload={"id": 1})
    session.add(delivery)
    session.commit()
    return delivery.id


def test_a_delivery_resolves_once_and_connects_to_the_checked_address(secure_app: SecureApp) -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(204))
    resolver = CountingResolver(["93.184.216.34"], ["127.0.0.1"])  # a second look-up would rebind
    guard = OutboundGuard((), resolver)
    with secure_app.app.state.session_factory() as session, httpx.Client(transport=transport) as client:
        delivery_id = _queued(session, "https://hooks.example:8443/in")
        outcome = deliver(session, delivery_id, client, datetime.now(UTC), guard=guard)
    assert outcome.state == "delivered"
    assert resolver.calls == 1
    [request] = seen
    assert request.url.host == "93.184.216.34" and request.url.port == 8443
    assert request.headers["host"] == "hooks.example:8443"
    assert request.extensions["sni_hostname"] == "hooks.example"


def test_a_name_that_resolves_inside_at_delivery_is_refused_and_logged_without_a_port(
    secure_app: SecureApp,
) -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(204))
    guard = OutboundGuard((), CountingResolver(["10.1.2.3"]))
    with secure_app.app.state.session_factory() as session, httpx.Client(transport=transport) as client:
        delivery_id = _queued(session, "http://rebound.example:6379/")
        outcome = deliver(session, delivery_id, client, datetime.now(UTC), guard=guard)
        row = session.get(WebhookDelivery, delivery_id)
        assert row is not None
    assert seen == []  # never connected
    assert outcome.state == "failed" and outcome.retry_in is None
    assert row.last_error == REFUSED and "6379" not in row.last_error and row.last_status is None
    listed = secure_app.client.get(f"/api/webhooks/{row.endpoint_id}/deliveries",
                                   headers=secure_app.bearer("supervisor")).json()  # fmt: skip
    assert listed[0]["last_error"] == REFUSED


def test_a_connection_failure_is_logged_by_its_kind_only(secure_app: SecureApp) -> None:
    guard = OutboundGuard.from_setting(["127.0.0.0/8"])  # allow-listed, nothing listens on port 9
    with secure_app.app.state.session_factory() as session, httpx.Client() as client:
        delivery_id = _queued(session, "http://127.0.0.1:9/")
        deliver(session, delivery_id, client, datetime.now(UTC), guard=guard)
        row = session.get(WebhookDelivery, delivery_id)
        assert row is not None
    assert row.last_error == "ConnectError"
