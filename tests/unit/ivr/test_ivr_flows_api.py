"""The IVR flow API: roles, a refused broken flow naming the node, and an atomic replacement."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ivr_helpers import MAIN_FLOW

from config.models import Role
from config.settings import Settings
from web.auth import Principal, issue_token
from web.routes import ivr_flows

SECRET = "test-secret"
GOOD = MAIN_FLOW.read_text(encoding="utf-8")


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    (tmp_path / "main.yaml").write_text(GOOD, encoding="utf-8")
    app = FastAPI()
    app.state.secret_key = SECRET
    app.state.settings = Settings(data_dir=tmp_path, telephony={"ivr_flow": tmp_path / "main.yaml"})
    app.include_router(ivr_flows.router)
    return TestClient(app)


def auth(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, Principal(1, 'u', role))}"}


def test_supervisors_read_flows_and_agents_may_not(client: TestClient) -> None:
    assert client.get("/api/ivr/flows", headers=auth(Role.SUPERVISOR)).json() == ["main"]
    flow = client.get("/api/ivr/flows/main", headers=auth(Role.SUPERVISOR)).json()
    assert (flow["start"], flow["nodes"]) == ("welcome", 20)
    assert client.get("/api/ivr/flows/main", headers=auth(Role.AGENT)).status_code == 403
    assert client.get("/api/ivr/flows/main").status_code == 401


def test_only_admins_replace_a_flow(client: TestClient) -> None:
    response = client.put("/api/ivr/flows/main", json={"yaml": GOOD}, headers=auth(Role.SUPERVISOR))
    assert response.status_code == 403


def test_a_broken_flow_is_refused_naming_the_node_and_the_running_flow_stays(
    client: TestClient, tmp_path: Path
) -> None:
    broken = GOOD.replace('pattern: "[0-9]{6,10}"', 'pattern: "[0-9"')
    response = client.put("/api/ivr/flows/main", json={"yaml": broken}, headers=auth(Role.ADMIN))
    assert response.status_code == 422
    problems = response.json()["detail"]["problems"]
    assert problems[0]["node"] == "order_number" and "not a valid regex" in problems[0]["reason"]
    assert (tmp_path / "main.yaml").read_text(encoding="utf-8") == GOOD
    assert client.get("/api/ivr/flows/main", headers=auth(Role.ADMIN)).json()["yaml"] == GOOD


def test_a_good_flow_replaces_the_running_one(client: TestClient, tmp_path: Path) -> None:
    edited = GOOD.replace("Thank you for calling Voxdesk.", "Welcome to Voxdesk.")
    validated = client.post("/api/ivr/flows/main/validate", json={"yaml": edited}, headers=auth(Role.ADMIN))
    assert validated.json() == {"valid": True, "nodes": 20}
    response = client.put("/api/ivr/flows/main", json={"yaml": edited}, headers=auth(Role.ADMIN))
    assert response.status_code == 200 and "Welcome to Voxdesk." in response.json()["yaml"]
    assert "Welcome to Voxdesk." in (tmp_path / "main.yaml").read_text(encoding="utf-8")


def test_bad_names_and_missing_flows_are_clear_errors(client: TestClient) -> None:
    assert client.get("/api/ivr/flows/sales", headers=auth(Role.ADMIN)).status_code == 404
    response = client.put("/api/ivr/flows/Main!", json={"yaml": GOOD}, headers=auth(Role.ADMIN))
    assert response.status_code == 422 and "flow names use" in response.json()["detail"]["message"]
    assert client.put("/api/ivr/flows/main", json={"yaml": ""}, headers=auth(Role.ADMIN)).status_code == 422
