"""A visitor who types a known customer's address gets a merge suggestion, never a merge or their data."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.models import AuditEntry, Role
from tickets.conversations.models import AuthorKind, Channel, Direction
from tickets.conversations.services import add_message, open_conversation
from tickets.customers.models import Customer, CustomerMerge
from tickets.customers.services import find_customer, find_or_create_customer

pytestmark = pytest.mark.integration
SECRET_LINE = "My card ends 4242 and I live at 1 Secret Lane"


def known_customer(session: Session) -> tuple[Customer, str]:
    """A customer with an address and a private e-mail thread."""
    email = f"owner.{uuid.uuid4().hex[:8]}@example.com"
    owner = find_or_create_customer(session, "email", email, "US", display_name="Real Owner")
    thread = open_conversation(session, owner.id, Channel.EMAIL, external_ref=f"<{uuid.uuid4().hex}@x>")
    add_message(session, thread, Direction.INBOUND, AuthorKind.CUSTOMER, SECRET_LINE)
    return owner, email


def chat_as_visitor(client: TestClient, token: str, email: str) -> list[dict[str, Any]]:
    """Say hello with ``email``, send one line, return every frame the visitor received."""
    frames = []
    with client.websocket_connect(f"/ws/webchat/visitor?visitor_token={token}") as ws:
        ws.send_json({"type": "hello", "name": "Mallory", "email": email})
        frames.append(ws.receive_json())
        ws.send_json({"type": "message", "body": "hello, what did I order?"})
        frames.append(ws.receive_json())
    return frames


def suggestions_for(client: TestClient, headers: dict[str, str], customer_id: int) -> list[dict[str, Any]]:
    response = client.get(
        "/api/customers/merge-suggestions",
        params={"customer_id": customer_id, "status": "pending"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return list(response.json())


def test_claiming_a_known_address_suggests_a_merge_and_reveals_nothing_to_the_visitor(
    client: TestClient, session: Session, auth_header: Callable[[Role], dict[str, str]]
) -> None:
    owner, email = known_customer(session)
    token = client.post("/api/webchat/visitors").json()["visitor_token"]
    frames = chat_as_visitor(client, token, email.upper())

    # The visitor gets the same answer as anyone: their own empty chat, then their own line.
    ready, echoed = frames
    assert ready["type"] == "ready" and ready["history"] == []
    assert echoed["type"] == "conversation.message" and echoed["data"]["body"] == "hello, what did I order?"
    seen = json.dumps(frames)
    assert SECRET_LINE not in seen and "Real Owner" not in seen
    assert echoed["data"]["customer_id"] != owner.id

    # No merge: the visitor is a customer of their own, the owner keeps their address.
    session.expire_all()
    assert session.get(Customer, owner.id).merged_into_id is None  # type: ignore[union-attr]
    assert find_customer(session, "email", email, "US").id == owner.id  # type: ignore[union-attr]
    assert session.scalar(select(CustomerMerge).where(CustomerMerge.survivor_id == owner.id)) is None
    visitor_id = echoed["data"]["customer_id"]

    agent = auth_header(Role.SUPERVISOR)  # merge decisions are supervisors' (issue 9)
    [suggestion] = suggestions_for(client, agent, owner.id)
    assert suggestion["visitor_customer_id"] == visitor_id
    assert (suggestion["identity_kind"], suggestion["identity_value"]) == ("email", email)
    assert suggestion["status"] == "pending" and suggestion["source"] == "webchat"
    view = client.get(f"/api/customers/{owner.id}", headers=agent).json()
    assert [s["id"] for s in view["merge_suggestions"]] == [suggestion["id"]]
    assert view["merges"] == []

    # The same claim again (a reload) does not pile up suggestions.
    chat_as_visitor(client, token, email)
    assert [s["id"] for s in suggestions_for(client, agent, owner.id)] == [suggestion["id"]]


def test_a_supervisor_accepting_the_suggestion_merges_the_visitor_but_the_chat_shows_only_its_own_lines(
    client: TestClient, session: Session, auth_header: Callable[[Role], dict[str, str]]
) -> None:
    owner, email = known_customer(session)
    token = client.post("/api/webchat/visitors").json()["visitor_token"]
    visitor_id = chat_as_visitor(client, token, email)[1]["data"]["customer_id"]
    agent = auth_header(Role.SUPERVISOR)
    [suggestion] = suggestions_for(client, agent, owner.id)

    accepted = client.post(f"/api/customers/merge-suggestions/{suggestion['id']}/accept", headers=agent)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.json()["decided_by"] == "supervisor"
    merge = session.get(CustomerMerge, accepted.json()["merge_id"])
    assert merge is not None and (merge.survivor_id, merge.merged_id) == (owner.id, visitor_id)
    view = client.get(f"/api/customers/{owner.id}", headers=agent).json()
    assert sorted(c["channel"] for c in view["conversations"]) == ["email", "webchat"]

    # Back in the widget after the merge: still only the visitor's own chat.
    with client.websocket_connect(f"/ws/webchat/visitor?visitor_token={token}") as ws:
        ws.send_json({"type": "hello", "email": email})
        ready = ws.receive_json()
    assert [m["body"] for m in ready["history"]] == ["hello, what did I order?"]
    assert SECRET_LINE not in json.dumps(ready)

    again = client.post(f"/api/customers/merge-suggestions/{suggestion['id']}/accept", headers=agent)
    assert again.status_code == 409 and "already accepted" in again.json()["detail"]


def test_a_rejected_suggestion_keeps_the_customers_apart_and_is_recorded(
    client: TestClient, session: Session, auth_header: Callable[[Role], dict[str, str]]
) -> None:
    owner, email = known_customer(session)
    token = client.post("/api/webchat/visitors").json()["visitor_token"]
    chat_as_visitor(client, token, email)
    agent = auth_header(Role.SUPERVISOR)
    [suggestion] = suggestions_for(client, agent, owner.id)

    rejected = client.post(f"/api/customers/merge-suggestions/{suggestion['id']}/reject", headers=agent)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["merge_id"] is None
    session.expire_all()
    assert session.get(Customer, suggestion["visitor_customer_id"]).merged_into_id is None  # type: ignore[union-attr]
    audit = session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "customer.merge_suggestion.reject",
            AuditEntry.target == f"customer:{owner.id}",
        )
    )
    assert audit is not None and audit.details["suggestion_id"] == suggestion["id"]

    chat_as_visitor(client, token, email)  # repeating a rejected claim does not bring it back
    assert suggestions_for(client, agent, owner.id) == []
    history = client.get(
        "/api/customers/merge-suggestions",
        params={"customer_id": owner.id, "status": "rejected"},
        headers=agent,
    ).json()
    assert [s["id"] for s in history] == [suggestion["id"]]
    late = client.post(f"/api/customers/merge-suggestions/{suggestion['id']}/accept", headers=agent)
    assert late.status_code == 409


def test_suggestion_endpoints_need_a_supervisor_and_an_existing_suggestion(
    client: TestClient, auth_header: Callable[[Role], dict[str, str]]
) -> None:
    assert client.get("/api/customers/merge-suggestions").status_code == 401
    assert client.post("/api/customers/merge-suggestions/1/accept").status_code == 401
    agent_try = client.post("/api/customers/merge-suggestions/1/accept", headers=auth_header(Role.AGENT))
    assert agent_try.status_code == 403
    missing = client.post(
        "/api/customers/merge-suggestions/999999999/reject", headers=auth_header(Role.SUPERVISOR)
    )
    assert missing.status_code == 404 and "does not exist" in missing.json()["detail"]
    bad = client.get(
        "/api/customers/merge-suggestions", params={"status": "maybe"}, headers=auth_header(Role.SUPERVISOR)
    )
    assert bad.status_code == 422
