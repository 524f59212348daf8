"""Outgoing ticket webhooks through a real Celery worker to a loopback HTTP receiver.

The receiver checks every signature itself (HMAC-SHA256 over ``timestamp.body`` with the endpoint's
secret); it answers 500 first, then is down, then comes back: the delivery is retried with backoff and
arrives once. A delivery whose job was lost is sent by the sweep. Nothing is lost.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from config.jobs import create_celery
from config.models import Role
from desk.celery_worker import Worker, wait_for
from desk.desk_helpers import Api
from tickets.desk.outbox import DeskRuntime
from tickets.sla.tasks import CeleryDeliveryQueue
from tickets.webhooks.models import WebhookDelivery, WebhookEndpoint
from tickets.webhooks.tasks import SWEEP

pytestmark = pytest.mark.integration


class Receiver:
    """A webhook receiver on a fixed loopback port that can fail, go down and come back."""

    def __init__(self) -> None:
        self.secret = ""
        self.failing = False
        self.received: list[dict[str, Any]] = []  # every request, verified or not, with our answer
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.port = 0

    def verified(self, headers: Any, body: bytes) -> bool:
        timestamp = headers.get("X-Voxdesk-Timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return False
        expected = hmac.new(self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
        return hmac.compare_digest("sha256=" + expected.hexdigest(), headers.get("X-Voxdesk-Signature", ""))

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                ok = receiver.verified(self.headers, body)
                answer = 500 if receiver.failing else (204 if ok else 401)
                with receiver.lock:
                    receiver.received.append(
                        {
                            "delivery": self.headers.get("X-Voxdesk-Delivery"),
                            "event": self.headers.get("X-Voxdesk-Event"),
                            "verified": ok,
                            "status": answer,
                            "body": json.loads(body),
                        }
                    )
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        server = self.server
        threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), daemon=True).start()

    def stop(self) -> None:
        """Stop listening: connections are refused until :meth:`start` binds the same port again."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def accepted(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.received if r["status"] == 204]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def worker(desk_pg_url: str, broker: str, tmp_path: Path) -> Iterator[Worker]:
    # Retries after 1.5 s, 4.5 s, 13.5 s... (production starts at 10 s).
    worker = Worker(
        "webhooks", desk_pg_url, broker, tmp_path,
        # The receiver is on loopback, which webhooks may reach only when an admin allow-lists it.
        {"VOXDESK_DESK__WEBHOOK_RETRY_BASE_SECONDS": "1.5",
         "VOXDESK_DESK__WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.0/8"]'},
    )  # fmt: skip
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()


def register(api: Api, receiver: Receiver) -> tuple[int, dict[str, str]]:
    manager = api.token(Role.SUPERVISOR)
    created = api.client.post(
        "/api/webhooks", json={"url": f"http://127.0.0.1:{receiver.port}/hooks/voxdesk"}, headers=manager
    )
    assert created.status_code == 201, created.text
    receiver.secret = created.json()["secret"]
    return int(created.json()["id"]), manager


def deliveries(api: Api, endpoint_id: int) -> list[WebhookDelivery]:
    with api.factory() as session:
        return list(
            session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.endpoint_id == endpoint_id)
                .order_by(WebhookDelivery.id)
            )
        )


def deactivate(api: Api, endpoint_id: int) -> None:
    """Later tests on the shared database must not queue deliveries to this receiver."""
    with api.factory() as session:
        session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(active=False))
        session.commit()


def test_a_failing_then_unreachable_receiver_gets_every_ticket_event_signed_once_after_retries(
    api: Api, runtime: DeskRuntime, receiver: Receiver, worker: Worker, broker: str
) -> None:
    runtime.deliveries = CeleryDeliveryQueue(create_celery(broker))
    endpoint_id, manager = register(api, receiver)
    try:
        receiver.failing = True
        agent = api.token(Role.AGENT)
        ticket = api.client.post("/api/tickets", json={"subject": "Router keeps rebooting"}, headers=agent)
        assert ticket.status_code == 201, ticket.text
        ticket_id = ticket.json()["id"]

        wait_for(lambda: len(receiver.received) >= 1, 30, f"no first attempt; see {worker.log}")
        receiver.stop()  # the 500 was answered; now the receiver is down
        first = deliveries(api, endpoint_id)
        assert len(first) == 1 and first[0].event_type == "ticket.created"
        wait_for(
            lambda: deliveries(api, endpoint_id)[0].attempts >= 2,
            30,
            f"no retry after the 500; see {worker.log}",
        )
        down = deliveries(api, endpoint_id)[0]
        assert down.state == "pending" and "ConnectError" in down.last_error
        assert down.next_attempt_at is not None

        receiver.failing = False
        receiver.start()  # same port: the next retry gets through
        wait_for(
            lambda: deliveries(api, endpoint_id)[0].state == "delivered",
            60,
            f"never delivered after the receiver came back; see {worker.log}",
        )
        solved = api.client.patch(f"/api/tickets/{ticket_id}", json={"status": "solved"}, headers=agent)
        assert solved.status_code == 200, solved.text

        wait_for(
            lambda: all(d.state == "delivered" for d in deliveries(api, endpoint_id)),
            30,
            f"later events not delivered; see {worker.log}",
        )
        rows = deliveries(api, endpoint_id)
        assert [r.event_type for r in rows] == ["ticket.created", "ticket.status_changed"]
        assert rows[0].attempts >= 3 and rows[0].last_status == 204 and rows[1].attempts == 1

        accepted = receiver.accepted()
        assert sorted(int(r["delivery"]) for r in accepted) == [r.id for r in rows]  # each once
        assert all(r["verified"] for r in receiver.received)
        by_id = {int(r["delivery"]): r for r in accepted}
        created = by_id[rows[0].id]["body"]
        assert created["type"] == "ticket.created" and created["data"]["ticket"]["id"] == ticket_id
        changed = by_id[rows[1].id]["body"]["data"]
        assert changed["details"] == {"from": "new", "to": "solved"}
        assert changed["ticket"]["status"] == "solved"

        listed = api.client.get(f"/api/webhooks/{endpoint_id}/deliveries", headers=manager).json()
        assert {d["state"] for d in listed} == {"delivered"}
    finally:
        deactivate(api, endpoint_id)


def test_a_delivery_whose_job_was_lost_is_sent_by_the_sweep(
    api: Api, runtime: DeskRuntime, receiver: Receiver, worker: Worker, broker: str
) -> None:
    runtime.deliveries = None  # as if the broker was down when the ticket changed
    endpoint_id, _ = register(api, receiver)
    try:
        agent = api.token(Role.AGENT)
        assert api.client.post("/api/tickets", json={"subject": "Lost job"}, headers=agent).status_code == 201
        [row] = deliveries(api, endpoint_id)
        assert row.state == "pending" and row.attempts == 0
        with api.factory() as session:  # older than the sweep's grace period
            session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == row.id)
                .values(created_at=datetime.now(UTC) - timedelta(minutes=10))
            )
            session.commit()

        create_celery(broker).send_task(SWEEP)
        wait_for(
            lambda: deliveries(api, endpoint_id)[0].state == "delivered",
            30,
            f"the sweep did not send it; see {worker.log}",
        )
        assert [int(r["delivery"]) for r in receiver.accepted()] == [row.id]
        assert all(r["verified"] for r in receiver.received)
    finally:
        deactivate(api, endpoint_id)
