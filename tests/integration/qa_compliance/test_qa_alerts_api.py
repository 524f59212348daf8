"""Stored compliance alerts and the QA API on the real app (PostgreSQL, Redis, the real encoder)."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from desk.desk_helpers import Api, chat_thread, make_user
from sqlalchemy.orm import Session, sessionmaker

from config.models import Role
from config.sessions import open_session_for
from qa.alerts.services import alerts_for, record_findings
from qa.alerts.tasks import store_findings_in
from qa.compliance.model import Finding

pytestmark = pytest.mark.integration

PROMISE = Finding(
    rule_id="no-profit-guarantee", kind="forbidden", severity="high", speaker="agent",
    text="this is guaranteed to make money", start=12.5, end=14.0, score=0.91, action="block",
)  # fmt: skip
MISSING = Finding(
    rule_id="recording-disclosure", kind="missing_disclosure", severity="medium", speaker="agent",
    text="", start=31.0, end=31.0, score=0.0,
)  # fmt: skip


def token_of(api: Api, user_id: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {open_session_for(api.factory, user_id)}"}


def test_findings_are_stored_once_even_when_the_job_is_redelivered(
    qa_pg_url: str, qa_factory: sessionmaker[Session]
) -> None:
    call_id = f"call-{uuid.uuid4().hex[:8]}"
    payload = [dataclasses.asdict(PROMISE), dataclasses.asdict(MISSING)]
    first = store_findings_in(qa_pg_url, payload, call_id, None, "voice", "agent1001")
    again = store_findings_in(qa_pg_url, payload, call_id, None, "voice", "agent1001")
    assert first == again and len(first) == 2
    with qa_factory() as session:
        rows = alerts_for(session, call_id=call_id)
        assert [(r.rule_id, r.kind, r.evidence, r.agent, r.start) for r in rows] == [
            ("no-profit-guarantee", "forbidden", "this is guaranteed to make money", "agent1001", 12.5),
            ("recording-disclosure", "missing_disclosure", "", "agent1001", 31.0),
        ]


def test_a_malformed_finding_is_refused_and_nothing_is_stored(qa_pg_url: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        store_findings_in(qa_pg_url, [{"rule_id": "x", "kind": "shouted"}], "call-bad")


def test_supervisors_and_qa_read_a_calls_alerts_an_unrelated_agent_gets_404(
    qa_api: Api, qa_factory: sessionmaker[Session]
) -> None:
    call_id = f"call-{uuid.uuid4().hex[:8]}"
    with qa_factory() as session:
        record_findings(session, [PROMISE], call_id=call_id, agent="agent1001")
    for role in (Role.SUPERVISOR, Role.QA_MANAGER, Role.ADMIN):
        answer = qa_api.client.get("/api/qa/alerts", params={"call_id": call_id}, headers=qa_api.token(role))
        assert answer.status_code == 200, answer.text
        assert [(a["rule_id"], a["severity"], a["start"]) for a in answer.json()] == [
            ("no-profit-guarantee", "high", 12.5)
        ]
    stranger = qa_api.client.get(
        "/api/qa/alerts", params={"call_id": call_id}, headers=qa_api.token(Role.AGENT)
    )
    assert stranger.status_code == 404


def test_an_agent_reads_the_alerts_of_their_conversation_only(
    qa_api: Api, qa_factory: sessionmaker[Session]
) -> None:
    mine, other = make_user(qa_factory, Role.AGENT), make_user(qa_factory, Role.AGENT)
    with qa_factory() as session:
        conversation = chat_thread(session)
        conversation.assigned_agent_id = mine.id
        session.commit()
        record_findings(session, [PROMISE], conversation_id=conversation.id, channel="webchat")
        conversation_id = conversation.id
    params = {"conversation_id": conversation_id}
    answer = qa_api.client.get("/api/qa/alerts", params=params, headers=token_of(qa_api, mine.id))
    assert answer.status_code == 200 and answer.json()[0]["channel"] == "webchat"
    refused = qa_api.client.get("/api/qa/alerts", params=params, headers=token_of(qa_api, other.id))
    assert refused.status_code == 404


def test_alerts_need_exactly_one_of_call_and_conversation(qa_api: Api) -> None:
    supervisor = qa_api.token(Role.SUPERVISOR)
    assert qa_api.client.get("/api/qa/alerts", headers=supervisor).status_code == 422
    both = qa_api.client.get(
        "/api/qa/alerts", params={"call_id": "c1", "conversation_id": 1}, headers=supervisor
    )
    assert both.status_code == 422
    bad = qa_api.client.get("/api/qa/alerts", params={"call_id": "no/slashes"}, headers=supervisor)
    assert bad.status_code == 422
    assert qa_api.client.get("/api/qa/alerts", params={"call_id": "c1"}).status_code == 401


def test_any_console_role_checks_a_text_and_negations_pass(qa_api: Api) -> None:
    agent = qa_api.token(Role.AGENT)
    hit = qa_api.client.post(
        "/api/qa/check",
        json={"text": "trust me, this will definitely make you money", "speaker": "agent"},
        headers=agent,
    )
    assert hit.status_code == 200
    assert [(f["rule_id"], f["kind"], f["action"]) for f in hit.json()] == [
        ("no-profit-guarantee", "forbidden", "block")
    ]
    miss = qa_api.client.post("/api/qa/check", json={"text": "投资有风险，不保证收益"}, headers=agent)
    assert miss.status_code == 200 and miss.json() == []
    caller = qa_api.client.post(
        "/api/qa/check", json={"text": "this is guaranteed to make money", "speaker": "caller"}, headers=agent
    )
    assert caller.json() == []
    assert (
        qa_api.client.post("/api/qa/check", json={"text": "x", "speaker": "boss"}, headers=agent).status_code
        == 422
    )
    assert qa_api.client.post("/api/qa/check", json={"text": ""}, headers=agent).status_code == 422
    assert qa_api.client.post("/api/qa/check", json={"text": "hello"}).status_code == 401


def test_admins_replace_the_rules_with_every_problem_listed_and_the_next_check_uses_them(qa_api: Api) -> None:
    admin, supervisor = qa_api.token(Role.ADMIN), qa_api.token(Role.SUPERVISOR)
    shown = qa_api.client.get("/api/admin/compliance-rules", headers=admin).json()
    assert shown["saved"] is False and "no-profit-guarantee" in shown["yaml"]
    assert qa_api.client.get("/api/admin/compliance-rules", headers=supervisor).status_code == 403
    assert (
        qa_api.client.put("/api/admin/compliance-rules", headers=supervisor, json={"yaml": ""}).status_code
        == 403
    )
    bad = qa_api.client.put(
        "/api/admin/compliance-rules",
        headers=admin,
        json={
            "yaml": "rules:\n  - {id: a, kind: forbidden, examples: [x], within_s: 3}\n"
            "  - {id: b, kind: required, examples: [y]}\n"
        },
    )
    assert bad.status_code == 422
    assert bad.json()["detail"]["problems"] == [
        "rules[0].within_s: within_s is for required rules only; a forbidden rule applies all along",
        "rules[1].within_s: a required rule needs within_s: seconds from the agent's first words",
    ]
    text = "please hold the line while I check"
    before = qa_api.client.post("/api/qa/check", json={"text": text}, headers=supervisor).json()
    assert before == []
    saved = qa_api.client.put(
        "/api/admin/compliance-rules",
        headers=admin,
        json={
            "yaml": "rules:\n"
            "  - {id: no-hold, kind: forbidden, severity: low, examples: [please hold the line]}\n"
        },
    )
    assert saved.status_code == 200 and saved.json()["saved"] is True
    after = qa_api.client.post("/api/qa/check", json={"text": text}, headers=supervisor).json()
    assert [f["rule_id"] for f in after] == ["no-hold"]
