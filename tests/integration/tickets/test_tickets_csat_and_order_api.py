"""CSAT answers by the customer's link and scores per agent, and the order import/lookup API."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from config.accounts import create_user
from config.models import Role
from tickets.conversations.voice import record_call_conversation
from tickets.csat.services import create_survey, issue_survey_token

pytestmark = pytest.mark.integration


def test_survey_link_is_answered_once_and_a_forged_token_is_refused(
    client: TestClient, session: Session
) -> None:
    call = record_call_conversation(session, f"call-{uuid.uuid4().hex}", "anonymous", "US")
    survey = create_survey(session, call.id, "sms")  # what the desk or call control does
    token = issue_survey_token(session, survey)
    session.commit()
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert client.post("/api/csat/answers", json={"token": forged, "score": 5}).status_code == 401
    assert client.post("/api/csat/answers", json={"token": token, "score": 6}).status_code == 422
    answered = client.post("/api/csat/answers", json={"token": token, "score": 4, "comment": "quick"})
    assert answered.status_code == 200 and answered.json() == {"survey_id": survey.id}
    again = client.post("/api/csat/answers", json={"token": token, "score": 1})
    assert again.status_code == 409 and "already answered" in again.json()["detail"]


def test_scores_per_agent_are_for_supervisors_and_no_route_creates_a_survey(
    client: TestClient, session: Session, auth_header: Callable[[Role], dict[str, str]]
) -> None:
    agent = create_user(session, f"ag{uuid.uuid4().hex[:8]}", "Ada Lovelace", Role.AGENT, "Ada-Vox-7rq-long")
    session.commit()
    call = record_call_conversation(session, f"call-{uuid.uuid4().hex}", "1001", "US")
    survey = create_survey(session, call.id, "sms", agent_id=agent.id)
    token = issue_survey_token(session, survey)
    session.commit()
    assert client.post("/api/csat/answers", json={"token": token, "score": 5}).status_code == 200
    supervisor = auth_header(Role.SUPERVISOR)
    scores = client.get("/api/csat/agents", headers=supervisor).json()
    assert {"agent_id": agent.id, "answered": 1, "average": 5.0} in scores
    assert client.get("/api/csat/agents", headers=auth_header(Role.AGENT)).status_code == 403
    made = {"conversation_id": call.id, "via": "sms", "agent_id": agent.id}
    assert client.post("/api/csat/surveys", json=made, headers=supervisor).status_code in {404, 405}
    ivr = {"call_id": call.external_ref, "digit": "5", "agent_id": agent.id}
    assert client.post("/api/csat/ivr", json=ivr, headers=supervisor).status_code in {404, 405}


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
