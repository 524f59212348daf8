"""Identity matching and merge/unmerge on a real PostgreSQL, through services and the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import phonenumbers
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.models import Role
from tickets.conversations.models import Channel
from tickets.conversations.services import open_conversation
from tickets.customers.models import Customer, CustomerIdentity
from tickets.customers.services import find_or_create_customer

pytestmark = pytest.mark.integration


def unique_number(area: str = "415") -> str:
    """A valid US number, random so runs do not meet each other's customers."""
    while True:
        digits = f"{area}{uuid.uuid4().int % 8_000_000 + 2_000_000}"
        if phonenumbers.is_valid_number(phonenumbers.parse(digits, "US")):
            return digits


def test_one_us_number_in_four_formats_finds_one_customer(session: Session) -> None:
    digits = unique_number()
    a, b, c = digits[:3], digits[3:6], digits[6:]
    written = [f"+1 {a}-{b}-{c}", f"({a}) {b} {c}", f"{a}/{b}/{c}", f"1.{a}.{b}.{c}"]
    ids = {find_or_create_customer(session, "phone", w, "US").id for w in written}
    assert len(ids) == 1
    stored = session.scalars(select(CustomerIdentity.value).where(CustomerIdentity.customer_id == ids.pop()))
    assert list(stored) == [f"+1{digits}"]


def test_london_number_international_and_national_forms_match_with_region_gb(session: Session) -> None:
    local = f"7946 {uuid.uuid4().int % 1000:03d}1"
    ids = {
        find_or_create_customer(session, "phone", raw, "GB").id
        for raw in (f"0044 20 {local}", f"+44 20 {local}", f"020 {local}")
    }
    assert len(ids) == 1


def test_lookup_api_creates_once_and_refuses_a_malformed_number(
    client: TestClient, auth_header: Callable[[Role], dict[str, str]]
) -> None:
    number = unique_number("212")
    headers = auth_header(Role.AGENT)
    first = client.post(
        "/api/customers/lookup", json={"kind": "phone", "value": number, "create": True}, headers=headers
    )
    again = client.post(
        "/api/customers/lookup",
        json={"kind": "phone", "value": f"+1 ({number[:3]}) {number[3:]}"},
        headers=headers,
    )
    assert first.status_code == 200 and again.json()["id"] == first.json()["id"]
    bad = client.post(
        "/api/customers/lookup", json={"kind": "phone", "value": "call me", "create": True}, headers=headers
    )
    assert bad.status_code == 422 and "not a valid phone number" in bad.json()["detail"]
    assert client.post("/api/customers/lookup", json={"kind": "phone", "value": number}).status_code == 401


def test_merge_moves_identities_and_conversations_and_unmerge_gives_them_back(
    client: TestClient, session: Session, auth_header: Callable[[Role], dict[str, str]]
) -> None:
    email = f"ana.{uuid.uuid4().hex[:8]}@example.com"
    survivor = find_or_create_customer(session, "phone", unique_number(), "US")
    merged = find_or_create_customer(session, "email", email, "US")
    chat = open_conversation(session, merged.id, Channel.EMAIL, external_ref=f"<{uuid.uuid4().hex}@x>")
    agent, supervisor = auth_header(Role.AGENT), auth_header(Role.SUPERVISOR)

    assert (
        client.post(
            f"/api/customers/{survivor.id}/merge", json={"merged_id": merged.id}, headers=agent
        ).status_code
        == 403
    )
    response = client.post(
        f"/api/customers/{survivor.id}/merge", json={"merged_id": merged.id}, headers=supervisor
    )
    assert response.status_code == 201, response.text
    merge = response.json()
    view = client.get(f"/api/customers/{survivor.id}", headers=agent).json()
    assert email in [i["value"] for i in view["identities"]]
    assert chat.id in [c["id"] for c in view["conversations"]]
    again = client.post(
        f"/api/customers/{survivor.id}/merge", json={"merged_id": merged.id}, headers=supervisor
    )
    assert again.status_code == 409

    undone = client.post(f"/api/customers/merges/{merge['id']}/unmerge", headers=supervisor)
    assert undone.status_code == 200 and undone.json()["unmerged_at"] is not None
    restored = client.get(f"/api/customers/{merged.id}", headers=agent).json()
    assert [i["value"] for i in restored["identities"]] == [email]
    assert [c["id"] for c in restored["conversations"]] == [chat.id]
    assert restored["customer"]["merged_into_id"] is None
    survivor_view = client.get(f"/api/customers/{survivor.id}", headers=agent).json()
    assert email not in [i["value"] for i in survivor_view["identities"]]
    session.expire_all()
    assert session.get(Customer, merged.id) is not None
    assert client.post(f"/api/customers/merges/{merge['id']}/unmerge", headers=supervisor).status_code == 409
