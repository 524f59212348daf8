"""The desk's REST API on real PostgreSQL and Redis: roles, filters, bad input, signed alerts."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from sqlalchemy import func, select

from config.models import Role
from desk.desk_helpers import ALERT_SECRET, Api
from tickets.customers.models import IdentityKind
from tickets.customers.services import add_identity, find_or_create_customer
from tickets.desk.models import Ticket, TicketNote
from tickets.webhooks.signing import sign

pytestmark = pytest.mark.integration


def count_tickets(api: Api, subject: str) -> int:
    with api.factory() as session:
        return int(
            session.scalar(select(func.count()).select_from(Ticket).where(Ticket.subject == subject)) or 0
        )


def test_every_route_needs_a_token_and_the_right_role(api: Api) -> None:
    assert api.client.get("/api/tickets").status_code == 401
    assert api.client.post("/api/tickets", json={"subject": "x"}).status_code == 401
    qa = api.token(Role.QA_MANAGER)
    assert api.client.get("/api/tickets", headers=qa).status_code == 200
    refused = api.client.post("/api/tickets", json={"subject": "x"}, headers=qa)
    assert refused.status_code == 403 and "qa_manager" in refused.json()["detail"]
    agent = api.token(Role.AGENT)
    assert api.client.post("/api/desk/groups", json={"name": "x"}, headers=agent).status_code == 403


def test_tickets_are_listed_with_filters_and_found_by_their_words(api: Api) -> None:
    agent = api.token(Role.AGENT)
    word = f"zq{uuid.uuid4().hex[:8]}"
    made = [
        api.client.post(
            "/api/tickets", headers=agent, json={"subject": f"{word} printer jam", "priority": p}
        ).json()
        for p in ("high", "low", "high")
    ]
    chinese = api.client.post(
        "/api/tickets", headers=agent, json={"subject": f"{word} 打印机卡纸了", "priority": "low"}
    ).json()
    page = api.client.get("/api/tickets", headers=agent, params={"q": word, "priority": "high"}).json()
    assert [t["id"] for t in page["items"]] == [made[2]["id"], made[0]["id"]]
    page = api.client.get("/api/tickets", headers=agent, params={"q": f"{word} 卡纸"}).json()
    assert [t["id"] for t in page["items"]] == [chinese["id"]]
    page = api.client.get("/api/tickets", headers=agent, params={"q": word, "limit": 2}).json()
    assert len(page["items"]) == 2 and page["has_more"] is True
    page = api.client.get(
        "/api/tickets", headers=agent, params={"q": word, "status": ["solved", "closed"]}
    ).json()
    assert page["items"] == []


def test_malformed_json_unknown_fields_and_huge_bodies_get_4xx_and_store_nothing(api: Api) -> None:
    agent = api.token(Role.AGENT)
    subject = f"bad-{uuid.uuid4().hex[:8]}"
    headers = agent | {"Content-Type": "application/json"}
    malformed = api.client.post("/api/tickets", headers=headers, content='{"subject": "' + subject + '",')
    assert malformed.status_code == 422 and "json" in json.dumps(malformed.json()).lower()
    unknown = api.client.post("/api/tickets", headers=agent, json={"subject": subject, "sujbect": "typo"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["type"] == "extra_forbidden"
    huge = api.client.post(
        "/api/tickets", headers=agent, json={"subject": subject, "description": "x" * 100_000}
    )
    assert huge.status_code == 413 and "larger than" in huge.json()["detail"]
    bad_ref = api.client.post("/api/tickets", headers=agent, json={"subject": subject, "group_id": 99999999})
    assert bad_ref.status_code == 422 and "group 99999999 does not exist" in bad_ref.json()["detail"]
    assert count_tickets(api, subject) == 0


def test_a_ticket_moves_through_its_life_cycle_over_the_api(api: Api) -> None:
    supervisor, agent = api.token(Role.SUPERVISOR), api.token(Role.AGENT)
    sales = api.client.post(
        "/api/desk/groups", headers=supervisor, json={"name": f"s-{uuid.uuid4().hex[:6]}"}
    ).json()
    qa = api.client.post(
        "/api/desk/groups", headers=supervisor, json={"name": f"q-{uuid.uuid4().hex[:6]}"}
    ).json()
    ticket = api.client.post("/api/tickets", headers=agent, json={"subject": "Damaged sofa"}).json()
    base = f"/api/tickets/{ticket['id']}"
    refund = api.client.post(
        f"{base}/tasks", headers=agent, json={"group_id": sales["id"], "title": "Refund"}
    ).json()
    report = api.client.post(
        f"{base}/tasks", headers=agent, json={"group_id": qa["id"], "title": "QA report"}
    ).json()
    early = api.client.patch(base, headers=agent, json={"status": "solved"})
    assert early.status_code == 409 and "unfinished tasks" in early.json()["detail"]
    for task in (refund, report):
        assert (
            api.client.patch(f"{base}/tasks/{task['id']}", headers=agent, json={"status": "done"}).status_code
            == 200
        )
    assert api.client.get(base, headers=agent).json()["status"] == "solved"
    assert api.client.patch(base, headers=agent, json={"status": "closed"}).json()["status"] == "closed"
    actions = [h["action"] for h in api.client.get(f"{base}/history", headers=agent).json()]
    assert actions.count("status_changed") == 2 and actions[0] == "created"


def signed_post(api: Api, payload: dict[str, object], secret: str = ALERT_SECRET, at: int | None = None):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    timestamp = at if at is not None else int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-Voxdesk-Timestamp": str(timestamp),
        "X-Voxdesk-Signature": sign(secret, timestamp, body),
    }
    return api.client.post("/api/alerts/device", content=body, headers=headers)


def test_a_device_alert_sent_twice_opens_one_ticket_for_the_owner_and_notes_the_repeat(api: Api) -> None:
    serial = f"SN-{uuid.uuid4().hex[:10].upper()}"
    with api.factory() as session:
        owner = find_or_create_customer(
            session, IdentityKind.EMAIL, f"{uuid.uuid4().hex[:8]}@factory.test", "US"
        )
        add_identity(session, owner.id, IdentityKind.DEVICE_SERIAL, serial, "US")
    alert = {
        "device_serial": serial,
        "alert_code": "TEMP_HIGH",
        "severity": "critical",
        "message": "Spindle 93C",
    }
    first = signed_post(api, alert)
    second = signed_post(api, alert | {"message": "Spindle 97C"})
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["ticket_id"] == second.json()["ticket_id"]
    assert first.json()["customer_id"] == owner.id
    with api.factory() as session:
        tickets = session.scalars(
            select(Ticket).where(Ticket.alert_code == "TEMP_HIGH", Ticket.customer_id == owner.id)
        ).all()
        assert len(tickets) == 1 and tickets[0].priority == "urgent" and tickets[0].source == "alert"
        notes = session.scalars(select(TicketNote).where(TicketNote.ticket_id == tickets[0].id)).all()
        assert len(notes) == 1 and "97C" in notes[0].body
    other_code = signed_post(api, alert | {"alert_code": "VIBRATION"})
    assert other_code.status_code == 201 and other_code.json()["ticket_id"] != first.json()["ticket_id"]


def test_forged_stale_and_unsigned_alerts_are_refused_and_store_nothing(api: Api) -> None:
    serial = f"SN-{uuid.uuid4().hex[:10].upper()}"
    alert = {"device_serial": serial, "alert_code": "PRESSURE_LOW"}
    assert signed_post(api, alert, secret="guessed").status_code == 401
    stale = signed_post(api, alert, at=int(time.time()) - 3600)
    assert stale.status_code == 401 and "replayed" in stale.json()["detail"]
    unsigned = api.client.post("/api/alerts/device", json=alert)
    assert unsigned.status_code == 401
    unknown_field = signed_post(api, alert | {"extra": 1})
    assert unknown_field.status_code == 422
    with api.factory() as session:
        assert session.scalar(select(Ticket).where(Ticket.device_serial == serial)) is None


def test_ticket_pages_follow_next_before_id_and_list_the_same_fields_as_the_ticket_itself(api: Api) -> None:
    agent = api.token(Role.AGENT)
    tag = f"keyset{uuid.uuid4().hex[:8]}"
    created = [
        api.client.post("/api/tickets", json={"subject": f"Page {n}", "tags": [tag]}, headers=agent).json()
        for n in range(3)
    ]
    first = api.client.get("/api/tickets", params={"q": tag, "limit": 2}, headers=agent).json()
    assert [t["id"] for t in first["items"]] == [created[2]["id"], created[1]["id"]]
    assert first["has_more"] is True and first["next_before_id"] == created[1]["id"]
    second = api.client.get(
        "/api/tickets", params={"q": tag, "limit": 2, "before_id": first["next_before_id"]}, headers=agent
    ).json()
    assert [t["id"] for t in second["items"]] == [created[0]["id"]]
    assert second["has_more"] is False and second["next_before_id"] is None
    detail = api.client.get(f"/api/tickets/{created[0]['id']}", headers=agent).json()
    assert second["items"][0] == detail  # same fields, same formats (timestamps included)
