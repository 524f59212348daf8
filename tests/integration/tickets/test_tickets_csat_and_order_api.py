"""CSAT by signed link and by post-call IVR digit, and the order import/lookup API."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from config.models import Role
from tickets.conversations.voice import record_call_conversation

pytestmark = pytest.mark.integration


def test_survey_link_is_answered_once_and_a_forged_token_is_refused(
    client: TestClient, session: Session, auth_header: Callable[[Role], dict[str, str]]
) -> None:
    call = record_call_conversation(session, f"call-{uuid.uuid4().hex}", "anonymous", "US")
    created = client.post(  # an admin: a call nobody answered is no agent's conversation
        "/api/csat/surveys", json={"conversation_id": call.id, "via": "sms"}, headers=auth_header(Role.ADMIN)
    )
    assert created.status_code == 201, created.text
    token = created.json()["link"].split("token=", 1)[1]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert client.post("/api/csat/answers", json={"token": forged, "score": 5}).status_code == 401
    assert client.post("/api/csat/answers", json={"token": token, "score": 6}).status_code == 422
    assert (
        client.post("/api/csat/answers", json={"token": token, "score": 4, "comment": "quick"}).status_code
        == 200
    )
    again = client.post("/api/csat/answers", json={"token": token, "score": 1})
    assert again.status_code == 409 and "already answered" in again.json()["detail"]


def test_post_call_ivr_digit_is_stored_per_agent(
    client: TestClient, session: Session, auth_header: Callable[[Role], dict[str, str]]
) -> None:
    call_id = f"call-{uuid.uuid4().hex}"
    record_call_conversation(session, call_id, "1001", "US")
    supervisor = auth_header(Role.SUPERVISOR)
    assert (
        client.post("/api/csat/ivr", json={"call_id": call_id, "digit": "9"}, headers=supervisor).status_code
        == 422
    )
    answered = client.post("/api/csat/ivr", json={"call_id": call_id, "digit": "5"}, headers=supervisor)
    assert answered.status_code == 200 and answered.json()["score"] == 5
    scores = client.get("/api/csat/agents", headers=supervisor).json()
    assert any(row["answered"] >= 1 for row in scores)
    assert client.get("/api/csat/agents", headers=auth_header(Role.AGENT)).status_code == 403


def test_order_import_api_reports_bad_lines_and_lookup_finds_good_orders(
    client: TestClient, auth_header: Callable[[Role], dict[str, str]]
) -> None:
    number = f"C{uuid.uuid4().hex[:8].upper()}"
    supervisor = auth_header(Role.SUPERVISOR)
    bad = client.post(
        "/api/orders/import", content=f"order_number,status\n{number},vanished\n", headers=supervisor
    )
    assert bad.status_code == 422 and bad.json()["detail"]["errors"][0].startswith("line 2:")
    assert client.get(f"/api/orders/{number}", headers=auth_header(Role.AGENT)).status_code == 404
    good = client.post(
        "/api/orders/import", content=f"order_number,status\n{number},shipped\n", headers=supervisor
    )
    assert good.status_code == 200 and good.json()["imported"] == 1
    assert client.get(f"/api/orders/{number}", headers=auth_header(Role.AGENT)).json()["status"] == "shipped"
