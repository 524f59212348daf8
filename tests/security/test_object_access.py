"""Issue 9, object-level access: each role reaches only the tickets, conversations and customers of
its groups (or assigned to it); QA managers read all and change nothing; admins do all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from security_helpers import SecureApp
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from asr.transcripts.repository import TranscriptRepository
from asr.transcripts.schemas import TranscriptSegmentCreate
from config.events import Notifier
from config.models import AuditEntry, SipCredential
from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction
from tickets.conversations.services import add_message, open_conversation
from tickets.conversations.voice import find_call_link, record_call_answered, record_call_conversation
from tickets.customers.services import find_or_create_customer
from tickets.customers.suggestions import suggest_merge
from tickets.desk.events import AgentNotified, TicketChanged
from tickets.desk.models import Ticket

pytestmark = pytest.mark.integration


@dataclass
class Floor:
    """Group A (lead: supervisor; member: agent1) and group B (member: agent2), with one customer,
    web chat and ticket each: agent1's in A, agent2's in B."""

    app: SecureApp
    group_a: int
    group_b: int
    customer_a: int
    customer_b: int
    chat_a: int
    chat_b: int
    ticket_a: int
    ticket_b: int

    def call(self, who: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.app.client.request(method, path, json=body, headers=self.app.bearer(who))


def _customer_with_chat(secure_app: SecureApp, phone: str, agent: str) -> tuple[int, int]:
    with secure_app.app.state.session_factory() as session:
        customer = find_or_create_customer(session, "phone", phone, "US", "Customer " + phone[-2:])
        chat = open_conversation(session, customer.id, Channel.WEBCHAT, f"visitor-{phone}")
        add_message(session, chat, Direction.INBOUND, AuthorKind.CUSTOMER, f"my card ends {phone[-4:]}")
        chat.assigned_agent_id = secure_app.ids[agent]
        session.commit()
        return customer.id, chat.id


@pytest.fixture
def floor(secure_app: SecureApp) -> Floor:
    client, admin = secure_app.client, secure_app.bearer("admin")
    ids = secure_app.ids

    def group(name: str, lead: str | None, member: str) -> int:
        body = {"name": name, "lead_id": ids[lead] if lead else None}
        group_id = int(client.post("/api/desk/groups", json=body, headers=admin).json()["id"])
        added = client.post(
            f"/api/desk/groups/{group_id}/members", json={"user_id": ids[member]}, headers=admin
        )
        assert added.status_code == 201, added.text
        return group_id

    group_a, group_b = group("after-sales", "supervisor", "agent1"), group("billing", None, "agent2")
    customer_a, chat_a = _customer_with_chat(secure_app, "+12025550101", "agent1")
    customer_b, chat_b = _customer_with_chat(secure_app, "+12025550202", "agent2")

    def ticket(subject: str, group_id: int, agent: str, customer_id: int, chat_id: int) -> int:
        body = {"subject": subject, "group_id": group_id, "assignee_id": ids[agent],
                "customer_id": customer_id, "conversation_id": chat_id}  # fmt: skip
        answer = client.post("/api/tickets", json=body, headers=admin)
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    ticket_a = ticket("refund order 1001", group_a, "agent1", customer_a, chat_a)
    ticket_b = ticket("refund order 2002", group_b, "agent2", customer_b, chat_b)
    return Floor(secure_app, group_a, group_b, customer_a, customer_b, chat_a, chat_b, ticket_a, ticket_b)


def test_an_agent_cannot_read_update_solve_or_close_another_groups_ticket(floor: Floor) -> None:
    ticket = f"/api/tickets/{floor.ticket_a}"
    refused = [
        ("GET", ticket, None),
        ("PATCH", ticket, {"assignee_id": floor.app.ids["agent2"]}),
        ("PATCH", ticket, {"status": "solved"}),
        ("PATCH", ticket, {"status": "closed"}),
        ("GET", f"{ticket}/notes", None),
        ("POST", f"{ticket}/notes", {"body": "mine now"}),
        ("GET", f"{ticket}/history", None),
        ("GET", f"{ticket}/tasks", None),
        ("POST", f"{ticket}/tasks", {"group_id": floor.group_b, "title": "take it"}),
        ("GET", f"{ticket}/sla", None),
    ]
    for method, path, body in refused:
        answer = floor.call("agent2", method, path, body)
        assert answer.status_code == 404, f"{method} {path} -> {answer.status_code}"
        assert answer.json()["detail"] == f"ticket {floor.ticket_a} does not exist"  # as if missing
    assert floor.call("agent1", "GET", ticket).json()["assignee_id"] == floor.app.ids["agent1"]
    assert floor.call("agent1", "PATCH", ticket, {"status": "solved"}).status_code == 200


def test_the_ticket_list_and_search_show_an_agent_only_their_groups_and_their_own_tickets(
    floor: Floor,
) -> None:
    listed = floor.call("agent2", "GET", "/api/tickets").json()["items"]
    assert [t["id"] for t in listed] == [floor.ticket_b]
    searched = floor.call("agent2", "GET", "/api/tickets?q=refund").json()["items"]
    assert [t["id"] for t in searched] == [floor.ticket_b]
    by_group = floor.call("agent2", "GET", f"/api/tickets?group_id={floor.group_a}").json()["items"]
    assert by_group == []
    everything = floor.call("admin", "GET", "/api/tickets?q=refund").json()["items"]
    assert {t["id"] for t in everything} == {floor.ticket_a, floor.ticket_b}


def test_an_agent_cannot_see_or_add_an_identity_to_a_customer_they_have_no_contact_with(floor: Floor) -> None:
    customer = f"/api/customers/{floor.customer_a}"
    added = floor.call("agent2", "POST", f"{customer}/identities", {"kind": "phone", "value": "+12025550999"})
    assert added.status_code == 404
    assert floor.call("agent2", "GET", customer).status_code == 404
    looked_up = floor.call(
        "agent2", "POST", "/api/customers/lookup", {"kind": "phone", "value": "+12025550101"}
    )
    assert looked_up.status_code == 404
    mine = floor.call("agent1", "POST", f"{customer}/identities", {"kind": "phone", "value": "+12025550999"})
    assert mine.status_code == 201, mine.text


def test_the_customer_view_shows_only_the_threads_and_tickets_the_agent_may_see(floor: Floor) -> None:
    with floor.app.app.state.session_factory() as session:  # customer A also wrote to billing
        other = open_conversation(session, floor.customer_a, Channel.EMAIL, "thread-billing")
        other.assigned_agent_id = floor.app.ids["agent2"]
        session.commit()
        other_id = other.id
    view = floor.call("agent1", "GET", f"/api/customers/{floor.customer_a}").json()
    assert [c["id"] for c in view["conversations"]] == [floor.chat_a]
    assert [t["id"] for t in view["tickets"]] == [floor.ticket_a]
    full = floor.call("admin", "GET", f"/api/customers/{floor.customer_a}").json()
    assert {c["id"] for c in full["conversations"]} == {floor.chat_a, other_id}


def test_an_agent_cannot_join_another_agents_chat_room_or_read_its_history(floor: Floor) -> None:
    token = _ws_token(floor.app, "agent2")
    with pytest.raises(WebSocketDisconnect) as refused:
        with floor.app.client.websocket_connect(f"/ws/webchat/agent/{floor.chat_a}?ticket={token}") as ws:
            ws.receive_json()
    assert refused.value.code == 4404
    assert floor.call("agent2", "GET", f"/api/conversations/{floor.chat_a}/messages").status_code == 404
    assert (
        floor.call("agent2", "POST", f"/api/conversations/{floor.chat_a}/replies", {"body": "hi"}).status_code
        == 404
    )
    own = _ws_token(floor.app, "agent1")
    with floor.app.client.websocket_connect(f"/ws/webchat/agent/{floor.chat_a}?ticket={own}") as ws:
        ready = ws.receive_json()
    assert ready["type"] == "ready" and ready["history"][0]["body"] == "my card ends 0101"


def test_an_agent_joining_a_waiting_chat_takes_it_so_no_other_agent_can_join(secure_app: SecureApp) -> None:
    with secure_app.app.state.session_factory() as session:
        customer = find_or_create_customer(session, "phone", "+12025550303", "US")
        chat_id = open_conversation(session, customer.id, Channel.WEBCHAT, "visitor-waiting").id
    first = _ws_token(secure_app, "agent1")
    with secure_app.client.websocket_connect(f"/ws/webchat/agent/{chat_id}?ticket={first}") as ws:
        assert ws.receive_json()["type"] == "ready"
    second = _ws_token(secure_app, "agent2")
    with pytest.raises(WebSocketDisconnect) as refused:
        with secure_app.client.websocket_connect(f"/ws/webchat/agent/{chat_id}?ticket={second}") as ws:
            ws.receive_json()
    assert refused.value.code == 4404


def test_only_supervisors_and_admins_accept_or_reject_merge_suggestions(floor: Floor) -> None:
    with floor.app.app.state.session_factory() as session:
        visitor = find_or_create_customer(session, "webchat", "visitor-claims-a", "US").id
        suggestion = suggest_merge(session, visitor, floor.customer_a, "phone", "+12025550101").id
        second = suggest_merge(session, visitor, floor.customer_b, "phone", "+12025550202").id
    for who in ("agent1", "agent2", "qa"):
        for verb in ("accept", "reject"):
            path = f"/api/customers/merge-suggestions/{suggestion}/{verb}"
            assert floor.call(who, "POST", path).status_code == 403, (who, verb)
    assert floor.call("agent1", "GET", "/api/customers/merge-suggestions").status_code == 403
    accepted = floor.call("supervisor", "POST", f"/api/customers/merge-suggestions/{suggestion}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    rejected = floor.call("admin", "POST", f"/api/customers/merge-suggestions/{second}/reject")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"


def test_a_supervisor_of_one_group_cannot_change_another_groups_ticket(floor: Floor) -> None:
    theirs = f"/api/tickets/{floor.ticket_b}"
    assert floor.call("supervisor", "PATCH", theirs, {"priority": "urgent"}).status_code == 404
    assert floor.call("supervisor", "GET", theirs).status_code == 404
    listed = floor.call("supervisor", "GET", "/api/tickets").json()["items"]
    assert [t["id"] for t in listed] == [floor.ticket_a]
    ours = floor.call("supervisor", "PATCH", f"/api/tickets/{floor.ticket_a}", {"priority": "urgent"})
    assert ours.status_code == 200 and ours.json()["priority"] == "urgent"


def test_a_qa_manager_reads_every_ticket_and_conversation_but_changes_nothing(floor: Floor) -> None:
    assert floor.call("qa", "GET", f"/api/tickets/{floor.ticket_a}").status_code == 200
    assert {t["id"] for t in floor.call("qa", "GET", "/api/tickets").json()["items"]} == {
        floor.ticket_a, floor.ticket_b,
    }  # fmt: skip
    assert floor.call("qa", "GET", f"/api/conversations/{floor.chat_b}/messages").status_code == 200
    assert floor.call("qa", "GET", f"/api/customers/{floor.customer_b}").status_code == 200
    writes = [
        ("PATCH", f"/api/tickets/{floor.ticket_a}", {"status": "solved"}),
        ("POST", f"/api/conversations/{floor.chat_b}/read", {"up_to_message_id": 1}),
        ("POST", f"/api/conversations/{floor.chat_b}/replies", {"body": "QA here"}),
        ("POST", f"/api/customers/{floor.customer_b}/identities", {"kind": "phone", "value": "+12025550888"}),
        ("POST", "/api/customers/lookup", {"kind": "phone", "value": "+12025550777", "create": True}),
    ]
    for method, path, body in writes:
        answer = floor.call("qa", method, path, body)
        assert answer.status_code == 403, f"{method} {path} -> {answer.status_code}"


def test_an_agent_outside_the_group_cannot_take_an_escalated_ticket_from_the_lead(floor: Floor) -> None:
    lead = floor.app.ids["supervisor"]
    with floor.app.app.state.session_factory() as session:  # an SLA breach handed it to A's lead
        ticket = session.get(Ticket, floor.ticket_a)
        assert ticket is not None
        ticket.assignee_id, ticket.escalation_level = lead, 1
        chat = session.get(Conversation, floor.chat_a)
        assert chat is not None
        chat.assigned_agent_id = floor.app.ids["agent2"]  # agent2 still has the customer's chat
        session.commit()
    path = f"/api/tickets/{floor.ticket_a}"
    assert floor.call("agent2", "GET", path).status_code == 200
    for change in ({"assignee_id": floor.app.ids["agent2"]}, {"assignee_id": None}, {"status": "solved"},
                   {"group_id": floor.group_b}):  # fmt: skip
        answer = floor.call("agent2", "PATCH", path, change)
        assert answer.status_code == 403, (change, answer.text)
    assert floor.call("agent2", "PATCH", path, {"priority": "high"}).status_code == 200
    task = floor.call("admin", "POST", f"{path}/tasks", {"group_id": floor.group_b, "title": "refund"}).json()
    finish = f"{path}/tasks/{task['id']}"
    assert floor.call("agent2", "PATCH", finish, {"status": "done"}).status_code == 403  # would solve it
    assert floor.call("agent1", "PATCH", finish, {"status": "done"}).status_code == 200  # in its group
    assert floor.call("agent1", "GET", path).json()["status"] == "solved"


def test_an_admin_manages_membership_and_reaches_every_object(floor: Floor) -> None:
    path = f"/api/tickets/{floor.ticket_a}"
    assert floor.call("admin", "PATCH", path, {"assignee_id": floor.app.ids["agent2"]}).status_code == 200
    assert (
        floor.call(
            "admin", "POST", f"/api/conversations/{floor.chat_b}/read", {"up_to_message_id": 1}
        ).status_code
        == 200
    )
    added = floor.call("admin", "POST", f"/api/customers/{floor.customer_b}/identities",
                       {"kind": "email", "value": "b@example.com"})  # fmt: skip
    assert added.status_code == 201
    members = floor.call("admin", "GET", f"/api/desk/groups/{floor.group_a}/members").json()
    assert [m["user_id"] for m in members] == [floor.app.ids["agent1"]]


def test_group_membership_is_changed_only_by_supervisors_and_admins_strictly_and_audited(
    floor: Floor,
) -> None:
    members = f"/api/desk/groups/{floor.group_b}/members"
    agent1 = floor.app.ids["agent1"]
    assert floor.call("agent1", "POST", members, {"user_id": agent1}).status_code == 403
    assert floor.call("agent1", "GET", members).status_code == 403
    assert floor.call("supervisor", "POST", members, {"user_id": agent1, "role": "lead"}).status_code == 422
    assert floor.call("supervisor", "POST", members, {"user_id": agent1}).status_code == 201
    assert floor.call("supervisor", "POST", members, {"user_id": agent1}).status_code == 409
    mine = floor.call("agent1", "GET", "/api/desk/groups/mine").json()
    assert {g["id"] for g in mine} == {floor.group_a, floor.group_b}
    assert floor.call("agent1", "GET", f"/api/tickets/{floor.ticket_b}").status_code == 200  # now theirs too
    assert floor.call("supervisor", "DELETE", f"{members}/{agent1}").status_code == 204
    assert floor.call("agent1", "GET", f"/api/tickets/{floor.ticket_b}").status_code == 404
    with floor.app.app.state.session_factory() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.target == f"group:{floor.group_b}", AuditEntry.actor == "supervisor"
            )
        ).all()
    assert list(actions) == ["group.member_added", "group.member_removed"]


def _ws_token(secure_app: SecureApp, who: str) -> str:
    """The WebSocket credential of ``who``: a one-time ticket of a session of theirs."""
    return secure_app.ws_ticket(who)


def test_the_calls_feed_gives_a_supervisor_only_their_groups_ticket_notices(floor: Floor) -> None:
    ids, mark = floor.app.ids, f"sla-{uuid.uuid4().hex[:8]}"  # our events, among any others on Redis
    notifier = Notifier.from_url(floor.app.app.state.redis_url)

    def notice(ticket_id: int, group_id: int, assignee: str) -> TicketChanged:
        return TicketChanged(ticket_id=ticket_id, group_id=group_id, action="escalated", actor=mark,
                             status="open", priority="urgent", assignee_id=ids[assignee])  # fmt: skip

    token = _ws_token(floor.app, "supervisor")
    with floor.app.client.websocket_connect(f"/ws/calls?ticket={token}") as feed:
        assert feed.receive_json()["type"] == "subscribed"
        notifier.publish(notice(floor.ticket_b, floor.group_b, "agent2"))
        notifier.publish(notice(floor.ticket_a, floor.group_a, "agent1"))
        end = AgentNotified(agent_id=ids["supervisor"], ticket_id=floor.ticket_a, reason="mention", text=mark)
        notifier.publish(end)
        got = []
        while (message := feed.receive_json())["data"].get("id") != end.id:
            got.append(message["data"])
    assert [d["ticket_id"] for d in got if d.get("actor") == mark] == [floor.ticket_a]


def test_an_agent_reads_only_the_call_conversations_and_transcripts_of_calls_they_took(
    secure_app: SecureApp,
) -> None:
    with secure_app.app.state.session_factory() as session:
        session.add(SipCredential(user_id=secure_app.ids["agent1"], username="ag-one", ha1="0" * 32))
        session.commit()
        record_call_conversation(session, "call-object-1", "+12025550404", "US")
        record_call_answered(session, "call-object-1", "ag-one", "sales")  # the call is agent1's now
        said = TranscriptSegmentCreate(call_id="call-object-1", leg="caller", start=1.0, end=2.0,
                                       text="my card number is", confidence=0.9)  # fmt: skip
        TranscriptRepository(session).add(said)
        session.commit()
        link = find_call_link(session, "call-object-1")
        assert link is not None
        conversation = session.get(Conversation, link.conversation_id)
        assert conversation is not None and conversation.assigned_agent_id == secure_app.ids["agent1"]
        conversation_id = conversation.id
    client = secure_app.client
    for path in ("/api/calls/call-object-1/conversation", "/api/calls/call-object-1/transcript",
                 f"/api/conversations/{conversation_id}/messages"):  # fmt: skip
        assert client.get(path, headers=secure_app.bearer("agent2")).status_code == 404, path
        assert client.get(path, headers=secure_app.bearer("agent1")).status_code == 200, path
