"""Agents' text replies are checked against the compliance rules before they go out (REST and the
web-chat agent socket), with the packaged rules: the profit promise blocks, pressure selling warns."""

from __future__ import annotations

import pytest
from desk.desk_helpers import Api, chat_thread, make_user
from sqlalchemy.orm import Session, sessionmaker

from config.models import Role
from config.sessions import open_session_for
from qa.alerts.services import alerts_for
from tickets.conversations import services

pytestmark = pytest.mark.integration

PROMISE = "Trust me, you will definitely make money with this."
PRESSURE = "This is your last chance, you have to decide right now."
CLEAN = "Your order ships tomorrow."


def assigned_chat(factory: sessionmaker[Session]) -> tuple[int, int]:
    """A web chat assigned to a new agent: (conversation id, agent user id)."""
    agent = make_user(factory, Role.AGENT)
    with factory() as session:
        conversation = chat_thread(session)
        conversation.assigned_agent_id = agent.id
        session.commit()
        return conversation.id, agent.id


def agent_lines(factory: sessionmaker[Session], conversation_id: int) -> list[str]:
    with factory() as session:
        return [m.body for m in services.list_messages(session, conversation_id) if m.author_kind == "agent"]


def stored(factory: sessionmaker[Session], conversation_id: int) -> list[tuple[str, str, str]]:
    with factory() as session:
        return [
            (a.rule_id, a.action, a.evidence) for a in alerts_for(session, conversation_id=conversation_id)
        ]


def test_a_blocked_reply_is_refused_naming_the_rule_and_only_the_alert_is_stored(
    qa_api: Api, qa_factory: sessionmaker[Session]
) -> None:
    chat_id, agent_id = assigned_chat(qa_factory)
    headers = {"Authorization": f"Bearer {open_session_for(qa_factory, agent_id)}"}
    url = f"/api/conversations/{chat_id}/replies"
    refused = qa_api.client.post(url, json={"body": PROMISE, "acknowledge_alerts": True}, headers=headers)
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert detail["rules"] == ["no-profit-guarantee"] and "'no-profit-guarantee'" in detail["message"]
    assert detail["findings"][0]["action"] == "block"
    assert agent_lines(qa_factory, chat_id) == []
    assert stored(qa_factory, chat_id) == [("no-profit-guarantee", "block", PROMISE)]


def test_a_warned_reply_waits_for_acknowledgement_then_goes_out_with_its_alert_stored(
    qa_api: Api, qa_factory: sessionmaker[Session]
) -> None:
    chat_id, agent_id = assigned_chat(qa_factory)
    headers = {"Authorization": f"Bearer {open_session_for(qa_factory, agent_id)}"}
    url = f"/api/conversations/{chat_id}/replies"
    held = qa_api.client.post(url, json={"body": PRESSURE}, headers=headers)
    assert held.status_code == 409
    assert [f["rule_id"] for f in held.json()["detail"]["findings"]] == ["no-pressure-selling"]
    assert agent_lines(qa_factory, chat_id) == [] and stored(qa_factory, chat_id) == []
    sent = qa_api.client.post(url, json={"body": PRESSURE, "acknowledge_alerts": True}, headers=headers)
    assert sent.status_code == 201, sent.text
    assert agent_lines(qa_factory, chat_id) == [PRESSURE]
    assert stored(qa_factory, chat_id) == [("no-pressure-selling", "warn", PRESSURE)]
    clean = qa_api.client.post(url, json={"body": CLEAN}, headers=headers)
    assert clean.status_code == 201 and agent_lines(qa_factory, chat_id) == [PRESSURE, CLEAN]
    assert len(stored(qa_factory, chat_id)) == 1


def test_a_negated_statement_is_sent_without_any_alert(
    qa_api: Api, qa_factory: sessionmaker[Session]
) -> None:
    chat_id, agent_id = assigned_chat(qa_factory)
    headers = {"Authorization": f"Bearer {open_session_for(qa_factory, agent_id)}"}
    text = "There is no guarantee you will make money; investments carry risk."
    sent = qa_api.client.post(f"/api/conversations/{chat_id}/replies", json={"body": text}, headers=headers)
    assert sent.status_code == 201 and stored(qa_factory, chat_id) == []


def test_the_chat_socket_answers_an_error_frame_with_the_findings_instead_of_sending(
    qa_api: Api, qa_factory: sessionmaker[Session]
) -> None:
    chat_id, agent_id = assigned_chat(qa_factory)
    headers = {"Authorization": f"Bearer {open_session_for(qa_factory, agent_id)}"}
    ticket = qa_api.client.post("/api/auth/ws-ticket", headers=headers).json()["ticket"]
    with qa_api.client.websocket_connect(f"/ws/webchat/agent/{chat_id}?ticket={ticket}") as console:
        assert console.receive_json()["type"] == "ready"
        console.send_json({"type": "message", "body": PROMISE})
        blocked = console.receive_json()
        assert blocked["type"] == "error" and blocked["rules"] == ["no-profit-guarantee"]
        assert "not sent" in blocked["message"] and blocked["findings"][0]["severity"] == "high"
        console.send_json({"type": "message", "body": PRESSURE})
        warned = console.receive_json()
        assert warned["type"] == "error" and "acknowledge_alerts" in warned["message"]
        assert [f["rule_id"] for f in warned["findings"]] == ["no-pressure-selling"]
        console.send_json({"type": "message", "body": PRESSURE, "acknowledge_alerts": True})
        sent = console.receive_json()
        assert sent["type"] == "conversation.message" and sent["data"]["body"] == PRESSURE
    assert agent_lines(qa_factory, chat_id) == [PRESSURE]
    assert stored(qa_factory, chat_id) == [
        ("no-profit-guarantee", "block", PROMISE),
        ("no-pressure-selling", "warn", PRESSURE),
    ]
