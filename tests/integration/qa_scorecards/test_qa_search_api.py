"""The QA manager's search and call review on the real app (SQLite and PostgreSQL): a phrase finds
the line of a call or a text thread, each filter narrows, the access rule trims, bad input is a 422."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from scorecard_helpers import QaApi, make_user, stored_call
from sqlalchemy import update

from config.db import session_scope
from config.models import Role
from qa.alerts.models import QaAlert
from qa.scorecards.models import Scorecard
from qa.scorecards.tasks import score
from telephony.records.models import CallRecord
from tickets.conversations.call_links import CallLink
from tickets.conversations.models import AuthorKind, Channel, Direction, Message
from tickets.conversations.services import add_message, open_conversation
from tickets.conversations.voice import (
    TranscriptLine,
    append_transcript_line,
    record_call_answered,
    record_call_conversation,
    record_ivr_path,
)
from tickets.customers.models import Customer

pytestmark = pytest.mark.integration
ANSWER_DELAY = 20.0  # the caller waited 20 s before the agent joined (and the recording started)


def seeded_call(
    api: QaApi, agent: str, lines: list[tuple[str, float, str]], queue: str = "billing", language: str = "en"
) -> str:
    """A finished call of ``agent``: its conversation, transcript lines (messages), scorecard."""
    facts = stored_call(api.factory, agent)  # transcript segments for the scorecard
    call_id = facts.call_id
    with session_scope(api.factory) as session:
        record_call_conversation(session, call_id, "+14155550100", "US")
        record_ivr_path(session, call_id, ["welcome"], "1", queue, language)
        link = record_call_answered(session, call_id, agent, queue)
        answered = datetime.now(UTC)
        session.execute(
            update(CallLink)
            .where(CallLink.id == link.id)
            .values(started_at=answered - timedelta(seconds=ANSWER_DELAY), answered_at=answered)
        )
        session.commit()
        for leg, start, text in lines:
            line = TranscriptLine(call_id, leg, text, round(start * 1000), round(start * 1000) + 2000,
                                  speaker=agent if leg == "agent" else None)  # fmt: skip
            append_transcript_line(session, line)
    score(api.factory, facts, None)
    return call_id


def alert(api: QaApi, rule: str, *, call_id: str | None = None, conversation_id: int | None = None,
          kind: str = "forbidden") -> None:  # fmt: skip
    with session_scope(api.factory) as session:
        session.add(QaAlert(call_id=call_id, conversation_id=conversation_id, rule_id=rule, kind=kind,
                            severity="high", speaker="agent", evidence="it is guaranteed"))  # fmt: skip


def chat_thread(api: QaApi, text: str, assignee: int | None = None) -> int:
    with session_scope(api.factory) as session:
        customer = Customer(display_name=f"Chat {uuid.uuid4().hex[:6]}")
        session.add(customer)
        session.flush()
        conversation = open_conversation(
            session, customer.id, Channel.WEBCHAT, f"chat-{uuid.uuid4().hex[:8]}"
        )
        conversation.assigned_agent_id = assignee
        add_message(session, conversation, Direction.INBOUND, AuthorKind.CUSTOMER, text)
        return conversation.id


def search(api: QaApi, headers: dict[str, str], **params: object) -> list[dict[str, object]]:
    answer = api.client.get("/api/qa/search", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


def test_a_phrase_finds_the_line_of_the_call_with_its_time_agent_queue_score_and_rule_hits(
    api: QaApi,
) -> None:
    call = seeded_call(api, "agent7", [("caller", 25.0, "I want a refund for my order"),
                                       ("agent", 6.0, "This fund is GUARANTEED to make money")])  # fmt: skip
    alert(api, "guaranteed_returns", call_id=call)
    alert(api, "recording_disclosure", call_id=call, kind="requirement_met")  # a pass, not a hit
    qa = api.headers(Role.QA_MANAGER)

    [hit] = search(api, qa, q="guaranteed to make")
    assert hit["call_id"] == call and hit["channel"] == "voice" and hit["agent"] == "agent7"
    assert hit["queue"] == "billing" and hit["language"] == "en" and hit["speaker"] == "agent7"
    assert hit["text"] == "This fund is GUARANTEED to make money"
    assert hit["start"] == 6.0 and hit["recording_at"] == 6.0  # the agent's leg is the recording's clock
    assert hit["rule_hits"] == ["guaranteed_returns"]
    assert isinstance(hit["score"], float)
    [caller_line] = search(api, qa, q="a refund")
    assert caller_line["start"] == 25.0 and caller_line["recording_at"] == pytest.approx(25.0 - ANSWER_DELAY)
    assert search(api, qa, q="refund a") == []  # a phrase, not a bag of words
    assert search(api, qa, q="to make money guaranteed") == []


def test_a_chinese_phrase_and_a_text_thread_are_found_too(api: QaApi) -> None:
    call = seeded_call(api, "agent7", [("caller", 5.0, "我想退款，订单还没到")], language="zh")
    thread = chat_thread(api, "Where is my parcel? It was promised by Friday")
    qa = api.headers(Role.QA_MANAGER)
    assert [h["call_id"] for h in search(api, qa, q="退款")] == [call]
    assert search(api, qa, q="退款", language="en") == []
    [hit] = search(api, qa, q="promised by friday")
    assert hit["conversation_id"] == thread and hit["call_id"] is None and hit["channel"] == "webchat"


def test_each_filter_narrows_the_results(api: QaApi) -> None:
    mine = seeded_call(api, "agent7", [("agent", 3.0, "let me check the invoice")], queue="billing")
    other = seeded_call(api, "agent8", [("agent", 3.0, "let me check the invoice")], queue="support")
    alert(api, "rude_language", call_id=other)
    with session_scope(api.factory) as session:  # a reviewer's total on the other call
        session.execute(update(Scorecard).where(Scorecard.call_id == other).values(effective_total=12.5))
    qa = api.headers(Role.QA_MANAGER)
    q = "check the invoice"

    def calls(**filters: object) -> set[object]:
        return {h["call_id"] for h in search(api, qa, q=q, **filters)}

    assert calls() == {mine, other}
    assert calls(agent="agent7") == {mine}
    assert calls(queue="support") == {other}
    assert calls(channel="voice") == {mine, other} and calls(channel="email") == set()
    assert calls(rule="rude_language") == {other}
    assert calls(max_score=20) == {other} and mine not in calls(max_score=20)
    assert calls(min_score=12.5, max_score=12.5) == {other}
    assert calls(language="en") == {mine, other} and calls(language="zh") == set()
    now = datetime.now(UTC)
    assert calls(**{"from": (now - timedelta(hours=1)).isoformat()}) == {mine, other}
    assert calls(**{"to": (now - timedelta(hours=1)).isoformat()}) == set()


def test_lines_stored_before_the_search_column_existed_are_found_by_their_text(api: QaApi) -> None:
    call = seeded_call(api, "agent7", [("caller", 2.0, "my router keeps blinking red")])
    with session_scope(api.factory) as session:
        session.execute(update(Message).where(Message.body.like("%router%")).values(search_text=None))
    [hit] = search(api, api.headers(Role.QA_MANAGER), q="Router keeps")
    assert hit["call_id"] == call


def test_pages_are_bounded_and_say_whether_more_follow(api: QaApi) -> None:
    for _ in range(3):
        seeded_call(api, "agent7", [("agent", 1.0, "thank you for your patience")])
    qa = api.headers(Role.QA_MANAGER)
    first = api.client.get("/api/qa/search", params={"q": "your patience", "limit": 2}, headers=qa).json()
    rest = api.client.get(
        "/api/qa/search", params={"q": "your patience", "limit": 2, "offset": 2}, headers=qa
    ).json()
    assert len(first["items"]) == 2 and first["has_more"] is True
    assert len(rest["items"]) == 1 and rest["has_more"] is False
    ids = {h["message_id"] for h in first["items"]} | {h["message_id"] for h in rest["items"]}
    assert len(ids) == 3


def test_agents_may_not_search_supervisors_see_calls_and_bad_input_is_a_422(api: QaApi) -> None:
    seeded_call(api, "agent7", [("agent", 1.0, "your account is closed")])
    chat_thread(api, "your account is closed, why?", assignee=make_user(api.factory, Role.AGENT))
    assert api.client.get("/api/qa/search", params={"q": "account"},
                          headers=api.headers(Role.AGENT, sip="agent7")).status_code == 403  # fmt: skip
    # A supervisor without groups: every call (the floor's), not a thread another team's agent has.
    channels = {h["channel"] for h in search(api, api.headers(Role.SUPERVISOR), q="account is closed")}
    assert channels == {"voice"}
    admin = {h["channel"] for h in search(api, api.headers(Role.ADMIN), q="account is closed")}
    assert admin == {"voice", "webchat"}
    qa = api.headers(Role.QA_MANAGER)
    for params in ({"q": ""}, {"q": "?!"}, {"q": "x" * 201}, {"q": "a", "limit": 1000},
                   {"q": "a", "min_score": 80, "max_score": 20}, {"q": "a", "channel": "fax"},
                   {"q": "a", "from": "2026-02-02", "to": "2026-01-01"}, {"q": "a", "min_score": "nan"},
                   {"q": "a", "agent": "../x"}):  # fmt: skip
        answer = api.client.get("/api/qa/search", params=params, headers=qa)
        assert answer.status_code == 422, (params, answer.text)


def test_the_review_places_each_line_and_alert_in_the_recording(api: QaApi) -> None:
    facts = stored_call(api.factory, "agent7")  # the agent joined 20 s after the caller entered
    score(api.factory, facts, None)
    offered = datetime.now(UTC) - timedelta(seconds=80)
    with session_scope(api.factory) as session:
        session.add(
            CallRecord(
                call_id=facts.call_id,
                agent_id="agent7",
                queue_id="support",
                disposition="answered",
                offered_at=offered,
                answered_at=offered + timedelta(seconds=20),
                ended_at=offered + timedelta(seconds=80),
                recording_name="voxdesk-nothing",
            )
        )
        session.add(
            QaAlert(
                call_id=facts.call_id,
                rule_id="guaranteed_returns",
                kind="forbidden",
                severity="high",
                speaker="agent",
                evidence="guaranteed",
                start=30.0,
            )
        )
    qa = api.headers(Role.QA_MANAGER)
    review = api.client.get(f"/api/qa/calls/{facts.call_id}/review", headers=qa).json()
    placed = {(line["leg"], line["start"]): line["recording_at"] for line in review["lines"]}
    assert placed[("caller", 1.0)] is None  # said while waiting: before the recording started
    assert (
        placed[("caller", 25.0)] == 5.0 and placed[("agent", 1.0)] == 1.0 and placed[("agent", 24.0)] == 24.0
    )
    assert (
        review["alerts"][0]["rule_id"] == "guaranteed_returns" and review["alerts"][0]["recording_at"] == 10.0
    )
    assert review["scorecard"]["call_id"] == facts.call_id
    assert review["record"]["agent_id"] == "agent7"
    assert review["has_recording"] is False  # named, but no such file in the recording folder
    assert api.client.get("/api/qa/calls/no-such-call/review", headers=qa).status_code == 404
    agent = api.headers(Role.AGENT, sip="agent7")
    assert api.client.get(f"/api/qa/calls/{facts.call_id}/review", headers=agent).status_code == 403


def test_the_search_exports_as_csv_with_cells_no_spreadsheet_runs(api: QaApi) -> None:
    call = seeded_call(api, "agent7", [("caller", 3.0, '=HYPERLINK("http://evil.example") please refund')])
    chat_thread(api, "+1 please refund 我的订单")
    qa = api.headers(Role.QA_MANAGER)
    answer = api.client.get("/api/qa/search.csv", params={"q": "please refund"}, headers=qa)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["x-voxdesk-truncated"] == "false"
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert {row["text"] for row in rows} == {"'=HYPERLINK(\"http://evil.example\") please refund",
                                             "'+1 please refund 我的订单"}  # fmt: skip
    by_call = {row["call_id"]: row for row in rows}
    assert by_call[call]["agent"] == "agent7" and by_call[call]["channel"] == "voice"
    assert by_call[call]["recording_at"] == ""  # 3 s on the caller's leg: while waiting, not recorded
