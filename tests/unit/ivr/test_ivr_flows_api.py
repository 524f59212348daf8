"""The IVR flow API: roles, a broken flow refused naming the node, a good one queued for call control."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ivr_helpers import MAIN_FLOW

from config.accounts import create_user
from config.db import Base, make_engine, make_session_factory, session_scope
from config.models import Role
from config.sessions import open_session
from config.settings import Settings
from telephony.commands.bus import stream_key
from telephony.commands.schemas import COMMAND_ADAPTER, Command, ReloadIvrFlow
from web.errors import install_error_handlers
from web.routes import ivr_flows
from web.session_lookup import SessionCache, SessionLookup

SECRET = "test-secret"
GOOD = MAIN_FLOW.read_text(encoding="utf-8")


PREFIX = f"test-ivrapi-{uuid.uuid4().hex[:8]}"
TOKENS: dict[Role, str] = {}  # a session per role, opened by the ``client`` fixture for each test


@pytest.fixture
def client(tmp_path: Path, redis_url: str) -> Iterator[TestClient]:
    (tmp_path / "main.yaml").write_text(GOOD, encoding="utf-8")
    app = FastAPI()
    install_error_handlers(app)
    app.state.secret_key = SECRET
    app.state.redis_url = redis_url
    app.state.settings = Settings(
        data_dir=tmp_path, telephony={"ivr_flow": tmp_path / "main.yaml", "key_prefix": PREFIX}
    )
    app.include_router(ivr_flows.router)
    factory = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'users.db'}"))
    Base.metadata.create_all(factory.kw["bind"])
    app.state.session_lookup = SessionLookup(factory, SessionCache())
    with session_scope(factory) as session:
        for role in Role:
            user = create_user(session, f"u-{role.value}", "U", role, "Ivr-Test-Pass-5501")
            TOKENS[role] = open_session(session, user.id)
    yield TestClient(app)
    redis.Redis.from_url(redis_url).delete(stream_key(PREFIX))


def queued(redis_url: str) -> list[Command]:
    rows = redis.Redis.from_url(redis_url).xrange(stream_key(PREFIX))
    return [COMMAND_ADAPTER.validate_json(fields[b"command"]) for _id, fields in rows]


def auth(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def test_supervisors_read_flows_and_agents_may_not(client: TestClient) -> None:
    assert client.get("/api/ivr/flows", headers=auth(Role.SUPERVISOR)).json() == ["main"]
    flow = client.get("/api/ivr/flows/main", headers=auth(Role.SUPERVISOR)).json()
    assert (flow["start"], flow["nodes"]) == ("welcome", 22)
    assert client.get("/api/ivr/flows/main", headers=auth(Role.AGENT)).status_code == 403
    assert client.get("/api/ivr/flows/main").status_code == 401


def test_only_admins_replace_a_flow(client: TestClient) -> None:
    response = client.put("/api/ivr/flows/main", json={"yaml": GOOD}, headers=auth(Role.SUPERVISOR))
    assert response.status_code == 403


def test_a_broken_flow_is_refused_naming_the_node_and_nothing_is_queued(
    client: TestClient, tmp_path: Path, redis_url: str
) -> None:
    broken = GOOD.replace('pattern: "[0-9]{6,10}"', 'pattern: "[0-9"')
    response = client.put("/api/ivr/flows/main", json={"yaml": broken}, headers=auth(Role.ADMIN))
    assert response.status_code == 422
    problems = response.json()["detail"]["problems"]
    assert problems[0]["node"] == "order_number" and "not a valid regex" in problems[0]["reason"]
    assert (tmp_path / "main.yaml").read_text(encoding="utf-8") == GOOD
    assert client.get("/api/ivr/flows/main", headers=auth(Role.ADMIN)).json()["yaml"] == GOOD
    assert queued(redis_url) == []


def test_a_flow_sending_callers_to_an_unknown_queue_is_refused_naming_the_node(client: TestClient) -> None:
    edited = GOOD.replace("queue: billing", "queue: nowhere", 1)
    assert edited != GOOD
    response = client.put("/api/ivr/flows/main", json={"yaml": edited}, headers=auth(Role.ADMIN))
    assert response.status_code == 422
    assert "'nowhere' does not exist" in response.json()["detail"]["problems"][0]["reason"]


def test_a_good_flow_is_queued_for_call_control_which_owns_the_file(
    client: TestClient, tmp_path: Path, redis_url: str
) -> None:
    edited = GOOD.replace("Thank you for calling Voxdesk.", "Welcome to Voxdesk.")
    validated = client.post("/api/ivr/flows/main/validate", json={"yaml": edited}, headers=auth(Role.ADMIN))
    assert (validated.json()["valid"], validated.json()["nodes"]) == (True, 22)
    assert len(validated.json()["diagram"]["nodes"]) == 22  # drawn beside the YAML on the admin page
    response = client.put("/api/ivr/flows/main", json={"yaml": edited}, headers=auth(Role.ADMIN))
    assert response.status_code == 202 and "Welcome to Voxdesk." in response.json()["yaml"]
    [command] = queued(redis_url)
    assert isinstance(command, ReloadIvrFlow) and command.command_id == response.json()["command_id"]
    assert (command.name, command.text, command.actor) == ("main", edited, "u-admin")
    # web does not write the flow: the controller does when it applies the command
    assert (tmp_path / "main.yaml").read_text(encoding="utf-8") == GOOD


def test_bad_names_and_missing_flows_are_clear_errors(client: TestClient) -> None:
    assert client.get("/api/ivr/flows/sales", headers=auth(Role.ADMIN)).status_code == 404
    response = client.put("/api/ivr/flows/Main!", json={"yaml": GOOD}, headers=auth(Role.ADMIN))
    assert response.status_code == 422 and "flow names use" in response.json()["detail"]["message"]
    assert client.put("/api/ivr/flows/main", json={"yaml": ""}, headers=auth(Role.ADMIN)).status_code == 422
