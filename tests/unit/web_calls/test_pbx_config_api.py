"""Admins change the PBX through the API and web only queues commands: SIP accounts, routing, queue ids.

Real Redis and SQLite; no controller runs, so every change is seen as the command it queued.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio as aredis
from fastapi.testclient import TestClient

from config.accounts import create_user
from config.admin_files import PACKAGED_IVR, PACKAGED_ROUTING, seeded_dir, write_atomically
from config.db import make_engine, make_session_factory, session_scope
from config.migrate import upgrade
from config.models import Role
from config.sessions import open_session
from config.settings import Settings
from telephony.admin_config import RoutingSource
from telephony.commands.bus import stream_key
from telephony.commands.schemas import COMMAND_ADAPTER, Command, ReloadSipEndpoints, ReplaceRoutingFile
from telephony.status import ControllerReports
from web.app import create_app

REDIS_URL = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "test-secret-for-pbx-config"


@dataclass
class Admin:
    client: TestClient
    prefix: str
    data_dir: Path
    headers: dict[str, str]
    supervisor: dict[str, str]

    def commands(self) -> list[Command]:
        rows = redis.Redis.from_url(REDIS_URL).xrange(stream_key(self.prefix))
        return [COMMAND_ADAPTER.validate_json(fields[b"command"]) for _id, fields in rows]

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.put(path, json=body, headers=self.headers)


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[Admin]:
    db_url = f"sqlite:///{tmp_path / 'voxdesk.db'}"
    upgrade(db_url)
    with session_scope(make_session_factory(make_engine(db_url))) as session:
        root = create_user(session, "root", "Root", Role.ADMIN, "admin-password-1")
        sup = create_user(session, "sue", "Sue", Role.SUPERVISOR, "sup-password-1")
        tokens = {root.id: open_session(session, root.id), sup.id: open_session(session, sup.id)}
    prefix = f"test-pbxcfg-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        database_url=db_url, data_dir=tmp_path, redis={"url": REDIS_URL}, web={"secret_key": SECRET},
        asterisk={"mode": "external", "ari_url": "http://127.0.0.1:9/ari", "ari_password": "x"},
        telephony={"key_prefix": prefix},
    )  # fmt: skip

    def bearer(user_id: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[user_id]}"}

    with TestClient(create_app(settings)) as client:
        yield Admin(client, prefix, tmp_path, bearer(root.id), bearer(sup.id))
    client_ = redis.Redis.from_url(REDIS_URL)
    keys = client_.keys(f"{prefix}:*")
    if keys:
        client_.delete(*keys)


def test_adding_an_agent_queues_a_sip_endpoint_reload_for_call_control(admin: Admin) -> None:
    body = {"username": "zoe.agent", "display_name": "Zoe", "role": "agent", "password": "console-pass-1"}
    created = admin.client.post("/api/admin/users", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    [command] = admin.commands()
    assert isinstance(command, ReloadSipEndpoints) and command.actor == "root"
    assert created.json()["endpoints_reload_command"] == command.command_id
    outcome = admin.client.get(f"/api/commands/{command.command_id}", headers=admin.headers)
    assert outcome.status_code == 200 and outcome.json()["outcome"] == "pending"  # no controller runs here
    rotated = admin.client.post(
        f"/api/admin/users/{created.json()['id']}/sip-password", headers=admin.headers
    )
    assert rotated.status_code == 200 and len(admin.commands()) == 2


def test_a_user_without_a_sip_account_queues_nothing(admin: Admin) -> None:
    body = {"username": "sam", "display_name": "Sam", "role": "supervisor", "password": "console-pass-1"}
    created = admin.client.post("/api/admin/users", json=body, headers=admin.headers)
    assert created.status_code == 201 and created.json()["endpoints_reload_command"] is None
    assert admin.commands() == []


def test_new_queues_are_validated_then_queued_and_web_leaves_the_file_alone(admin: Admin) -> None:
    path = admin.data_dir / "routing" / "queues.yaml"
    before = admin.client.get("/api/routing/queues", headers=admin.supervisor)
    assert before.status_code == 200 and "general" in before.json()["queues"]
    text = path.read_text(encoding="utf-8")
    added = text.rstrip("\n") + "\n  vip:\n    strategy: longest_idle\n"
    response = admin.put("/api/routing/queues", {"yaml": added})
    assert response.status_code == 202, response.text
    assert "vip" in response.json()["queues"]
    [command] = admin.commands()
    assert isinstance(command, ReplaceRoutingFile) and (command.file, command.text) == ("queues", added)
    assert path.read_text(encoding="utf-8") == text


def test_rules_naming_an_unknown_queue_are_refused_with_the_problem_and_nothing_is_queued(
    admin: Admin,
) -> None:
    response = admin.put("/api/routing/rules", {"yaml": "default_queue: nowhere\nrules: []\n"})
    assert response.status_code == 422
    assert any("nowhere" in problem for problem in response.json()["detail"]["problems"])
    assert admin.commands() == []
    assert (
        admin.client.put("/api/routing/rules", json={"yaml": "x: 1"}, headers=admin.supervisor).status_code
        == 403
    )


def test_the_queues_call_control_runs_are_what_the_api_checks_against(admin: Admin) -> None:
    flow = (PACKAGED_IVR / "main.yaml").read_text(encoding="utf-8")
    assert admin.client.post(
        "/api/ivr/flows/main/validate", json={"yaml": flow}, headers=admin.headers
    ).json()["valid"]

    async def publish() -> None:  # the controller runs a routing config without 'billing'
        client = aredis.Redis.from_url(REDIS_URL)
        await ControllerReports(client, admin.prefix, "c1", ttl_s=5).queues_in_use(["general", "sales"])
        await client.aclose()

    asyncio.run(publish())
    refused = admin.client.post("/api/ivr/flows/main/validate", json={"yaml": flow}, headers=admin.headers)
    assert refused.status_code == 422 and "'billing' does not exist" in refused.text


def test_the_routing_files_are_parsed_once_per_change(tmp_path: Path) -> None:
    source = RoutingSource(seeded_dir(tmp_path, "routing", PACKAGED_ROUTING))
    first = source.current()
    assert source.current() is first
    path = source.path_of("queues")
    time.sleep(0.01)  # a new mtime
    write_atomically(path, path.read_text(encoding="utf-8") + "  extra: {}\n")
    changed = source.current()
    assert changed is not first and "extra" in changed.queues


def test_seeding_copies_the_packaged_files_once_and_never_overwrites_an_admins_edit(tmp_path: Path) -> None:
    target = seeded_dir(tmp_path, "routing", PACKAGED_ROUTING)
    assert sorted(p.name for p in target.glob("*.yaml")) == ["queues.yaml", "rules.yaml"]
    (target / "rules.yaml").write_text("edited", encoding="utf-8")
    seeded_dir(tmp_path, "routing", PACKAGED_ROUTING)
    assert (target / "rules.yaml").read_text(encoding="utf-8") == "edited"
