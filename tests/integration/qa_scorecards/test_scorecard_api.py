"""The scorecard API on the real app (SQLite and PostgreSQL): who reads which scorecards, who may
override and coach, clear 4xx answers for bad input, and the per-agent scores analytics charts."""

from __future__ import annotations

import pytest
from scorecard_helpers import QaApi, stored_call
from sqlalchemy import select

from config.models import AuditEntry, Role
from qa.scorecards.tasks import score

pytestmark = pytest.mark.integration


def scored_call(api: QaApi, agent: str) -> tuple[str, int]:
    facts = stored_call(api.factory, agent)
    return facts.call_id, score(api.factory, facts, None).scorecard_id


def test_an_agent_sees_only_their_own_scorecards_and_nothing_of_anyone_elses(api: QaApi) -> None:
    mine_call, mine = scored_call(api, "agent7")
    other_call, other = scored_call(api, "agent8")
    agent = api.headers(Role.AGENT, sip="agent7")
    c = api.client

    listed = c.get("/api/qa/scorecards", headers=agent)
    assert listed.status_code == 200 and [s["id"] for s in listed.json()] == [mine]
    assert c.get("/api/qa/scorecards?agent=agent8", headers=agent).json() == []
    assert c.get(f"/api/qa/scorecards/{mine}", headers=agent).status_code == 200
    assert c.get(f"/api/calls/{mine_call}/scorecard", headers=agent).json()["id"] == mine
    hidden = [
        f"/api/qa/scorecards/{other}",
        f"/api/calls/{other_call}/scorecard",
        "/api/qa/agents/agent8/scores",
    ]
    for url in [*hidden, "/api/qa/scorecards/999999", "/api/calls/no-such-call/scorecard"]:
        answer = c.get(url, headers=agent)
        assert answer.status_code == 404, url
    # An agent without a SIP account has no calls, hence no scorecards.
    assert c.get("/api/qa/scorecards", headers=api.headers(Role.AGENT)).json() == []


def test_the_floor_reads_every_scorecard_with_filters(api: QaApi) -> None:
    _, a = scored_call(api, "agent7")
    _, b = scored_call(api, "agent8")
    for role in (Role.SUPERVISOR, Role.QA_MANAGER, Role.ADMIN):
        headers = api.headers(role)
        assert {s["id"] for s in api.client.get("/api/qa/scorecards", headers=headers).json()} == {a, b}
        only = api.client.get(
            "/api/qa/scorecards", params={"agent": "agent8", "reviewed": "false"}, headers=headers
        )
        assert [s["id"] for s in only.json()] == [b]
    qa = api.headers(Role.QA_MANAGER)
    assert api.client.get("/api/qa/scorecards", params={"from": "2999-01-01"}, headers=qa).json() == []
    assert (
        len(api.client.get("/api/qa/scorecards", params={"to": "2999-01-01T00:00:00Z"}, headers=qa).json())
        == 2
    )


def test_a_qa_manager_overrides_items_and_the_total_with_reasons_and_the_automatic_values_stay(
    api: QaApi,
) -> None:
    call_id, card = scored_call(api, "agent7")
    qa = api.headers(Role.QA_MANAGER)
    before = api.client.get(f"/api/qa/scorecards/{card}", headers=qa).json()
    review = {
        "items": {"greeting": {"status": "failed", "reason": "the agent did not give their name"}},
        "reviewed": True,
    }
    after = api.client.put(f"/api/qa/scorecards/{card}/review", json=review, headers=qa)
    assert after.status_code == 200, after.text
    body = after.json()
    greeting = next(i for i in body["items"] if i["key"] == "greeting")
    assert (greeting["status"], greeting["auto_status"]) == ("failed", "passed")
    assert greeting["override_reason"] == "the agent did not give their name"
    assert body["reviewed"] and body["auto_total"] == before["auto_total"] and body["total"] < before["total"]

    total = {"total": 90, "reason": "a difficult caller, handled well"}
    overridden = api.client.put(f"/api/qa/scorecards/{card}/review", json=total, headers=qa).json()
    assert (overridden["total"], overridden["auto_total"]) == (90, before["auto_total"])
    assert overridden["override_reason"] == "a difficult caller, handled well"
    assert api.client.get("/api/qa/scorecards?reviewed=true", headers=qa).json()[0]["call_id"] == call_id
    with api.factory() as session:  # reviews are audited like every other write
        audited = session.scalars(select(AuditEntry).where(AuditEntry.role == "qa_manager")).all()
    assert [(e.action, e.target, e.status) for e in audited] == [
        ("PUT /api/qa/scorecards/{scorecard_id}/review", f"scorecard_id={card}", 200)
    ] * 2


def test_review_input_errors_are_clear_4xx_answers(api: QaApi) -> None:
    _, card = scored_call(api, "agent7")
    qa, url = api.headers(Role.QA_MANAGER), f"/api/qa/scorecards/{card}/review"
    cases = [
        ({"items": {"smile": {"status": "passed", "reason": "x"}}}, "no item smile"),
        ({"total": 80}, "needs a reason"),
        ({"total": 101, "reason": "x"}, "less than or equal"),
        ({"items": {"greeting": {"status": "great", "reason": "x"}}}, "passed"),
        ({"items": {"greeting": {"status": "passed", "reason": ""}}}, "at least 1"),
        ({"surprise": True}, "surprise"),
    ]
    for body, says in cases:
        answer = api.client.put(url, json=body, headers=qa)
        assert answer.status_code == 422, (body, answer.text)
        assert says in answer.text, (body, answer.text)
    assert (
        api.client.put(
            url, content=b"{not json", headers=qa | {"content-type": "application/json"}
        ).status_code
        == 422
    )
    assert api.client.get("/api/qa/scorecards?from=yesterday", headers=qa).status_code == 422
    assert api.client.get("/api/qa/scorecards/0", headers=qa).status_code == 422
    assert api.client.put("/api/qa/scorecards/99999/review", json={}, headers=qa).status_code == 404


def test_supervisors_coach_but_may_not_override_and_agents_read_the_notes_on_their_own(api: QaApi) -> None:
    call_id, card = scored_call(api, "agent7")
    supervisor, agent = api.headers(Role.SUPERVISOR), api.headers(Role.AGENT, sip="agent7")
    review = {"items": {"greeting": {"status": "failed", "reason": "x"}}}

    assert (
        api.client.put(f"/api/qa/scorecards/{card}/review", json=review, headers=supervisor).status_code
        == 403
    )
    assert api.client.put(f"/api/qa/scorecards/{card}/review", json=review, headers=agent).status_code == 403
    note = api.client.post(
        f"/api/qa/scorecards/{card}/notes", json={"text": "Say your name first."}, headers=supervisor
    )
    assert note.status_code == 201 and note.json()["author_name"] == "supervisor person"
    assert (
        api.client.post(f"/api/qa/scorecards/{card}/notes", json={"text": "ok"}, headers=agent).status_code
        == 403
    )
    assert (
        api.client.post(
            f"/api/qa/scorecards/{card}/notes", json={"text": "  "}, headers=supervisor
        ).status_code
        == 422
    )

    seen = api.client.get(f"/api/calls/{call_id}/scorecard", headers=agent).json()
    assert [n["text"] for n in seen["notes"]] == ["Say your name first."]
    stranger = api.headers(Role.AGENT, sip="agent9")
    assert (
        api.client.post(f"/api/qa/scorecards/{card}/notes", json={"text": "x"}, headers=stranger).status_code
        == 404
    )
    assert api.client.get(f"/api/qa/scorecards/{card}", headers=stranger).status_code == 404


def test_per_agent_scores_average_the_totals_and_count_passes_per_item(api: QaApi) -> None:
    _, first = scored_call(api, "agent7")
    scored_call(api, "agent7")
    scored_call(api, "agent8")
    qa = api.headers(Role.QA_MANAGER)
    api.client.put(f"/api/qa/scorecards/{first}/review", json={"total": 50, "reason": "x"}, headers=qa)
    scores = api.client.get("/api/qa/agents/agent7/scores", headers=qa).json()
    auto_total = api.client.get("/api/qa/scorecards", params={"agent": "agent7"}, headers=qa).json()[0][
        "auto_total"
    ]
    assert scores["count"] == 2
    assert scores["average_total"] == round((50 + auto_total) / 2, 1)
    assert scores["items"]["greeting"] == {"passed": 2, "applicable": 2, "pass_rate": 1.0}
    assert scores["items"]["disclosure"] == {"passed": 0, "applicable": 0, "pass_rate": None}
    own = api.client.get("/api/qa/agents/agent7/scores", headers=api.headers(Role.AGENT, sip="agent7"))
    assert own.status_code == 200 and own.json()["count"] == 2
    empty = api.client.get("/api/qa/agents/agent7/scores", params={"from": "2999-01-01"}, headers=qa).json()
    assert (empty["count"], empty["average_total"]) == (0, None)
