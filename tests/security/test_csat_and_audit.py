"""Issue 9: CSAT surveys only from the system and answered only with the customer's token; public
names for agents; IVR sound names that exist; an audit log of every admin and supervisor action."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from security_helpers import PASSWORDS, SecureApp
from sqlalchemy.orm import Session

from config.accounts import rotate_sip_password
from config.settings import ChannelSettings
from tickets.channels.email import EmailAdapter
from tickets.channels.sms import SmsAdapter
from tickets.conversations.models import Message
from tickets.conversations.voice import record_call_answered, record_call_conversation

pytestmark = pytest.mark.integration
CUSTOMER_PHONE = "+17182345678"


class RecordingSmsProvider:
    """The SMS gateway seam (``MessagingProvider``): keeps what would reach the customer's phone."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> str:
        self.sent.append((to, body))
        return f"sms-{len(self.sent)}"


def _session(secure_app: SecureApp) -> Session:
    session: Session = secure_app.app.state.session_factory()
    return session


def _answered_call(secure_app: SecureApp, session: Session, agent: str) -> str:
    """A call from the customer that ``agent`` answered (their SIP account is on the call's record)."""
    rotate_sip_password(session, actor="admin", user_id=secure_app.ids[agent])
    session.commit()
    call_id = f"call-{uuid.uuid4().hex}"
    record_call_conversation(session, call_id, CUSTOMER_PHONE, "US")
    record_call_answered(session, call_id, agent, "sales")
    return call_id


def test_an_agent_cannot_create_a_survey_credited_to_another_agent(secure_app: SecureApp) -> None:
    with _session(secure_app) as session:
        conversation = record_call_conversation(session, f"call-{uuid.uuid4().hex}", CUSTOMER_PHONE, "US")
        conversation_id = conversation.id
    body = {"conversation_id": conversation_id, "via": "sms", "agent_id": secure_app.ids["agent2"]}
    for user in ("agent1", "supervisor", "admin"):
        answer = secure_app.client.post("/api/csat/surveys", json=body, headers=secure_app.bearer(user))
        assert answer.status_code in {403, 404, 405}, (user, answer.status_code, answer.text)
    ivr = {"call_id": "call-x", "digit": "5", "agent_id": secure_app.ids["agent2"]}
    answer = secure_app.client.post("/api/csat/ivr", json=ivr, headers=secure_app.bearer("supervisor"))
    assert answer.status_code in {403, 404, 405}, answer.text


def test_a_survey_is_answered_only_with_the_customers_token_and_only_once(secure_app: SecureApp) -> None:
    from tickets.csat.offers import offer_call_survey, send_survey

    sms = RecordingSmsProvider()
    with _session(secure_app) as session:
        call_id = _answered_call(secure_app, session, "agent1")
        survey = offer_call_survey(session, call_id, enqueue=lambda *_: None)
        assert survey.agent_id == secure_app.ids["agent1"]  # the agent who answered, from the record
        message = send_survey(
            session, survey.id, "https://desk.example", EmailAdapter(ChannelSettings(), "US", None),
            SmsAdapter("US", sms, None),
        )  # fmt: skip
        stored = session.get(Message, message.id)
        assert stored is not None
        stored_body = stored.body
    [(to, text)] = sms.sent
    assert to == CUSTOMER_PHONE and "https://desk.example/csat#token=" in text
    token = text.rsplit("#token=", 1)[1]
    assert token not in stored_body  # an agent reading the thread cannot answer for the customer

    answers = secure_app.client
    assert answers.post("/api/csat/answers", json={"score": 1}).status_code == 422
    forged = {"token": token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), "score": 1}
    assert answers.post("/api/csat/answers", json=forged).status_code == 401
    as_agent = answers.post("/api/csat/answers", json=forged, headers=secure_app.bearer("agent1"))
    assert as_agent.status_code == 401
    good = answers.post("/api/csat/answers", json={"token": token, "score": 4, "comment": "quick"})
    assert good.status_code == 200, good.text
    again = answers.post("/api/csat/answers", json={"token": token, "score": 5})
    assert again.status_code == 409 and "already answered" in again.json()["detail"]
    scores = answers.get("/api/csat/agents", headers=secure_app.bearer("supervisor")).json()
    assert {"agent_id": secure_app.ids["agent1"], "answered": 1, "average": 4.0} in scores


def test_a_survey_for_ticket_minus_7_is_refused(secure_app: SecureApp) -> None:
    from tickets.csat.services import InvalidSurveyInputError, create_survey

    with _session(secure_app) as session:
        conversation = record_call_conversation(session, f"call-{uuid.uuid4().hex}", CUSTOMER_PHONE, "US")
        with pytest.raises(InvalidSurveyInputError, match="ticket_id"):
            create_survey(session, conversation.id, "email", ticket_id=-7)
        with pytest.raises(InvalidSurveyInputError, match="no user"):
            create_survey(session, conversation.id, "email", agent_id=2**31 - 2)


def _visitor_hears_reply(secure_app: SecureApp, replier: str, reply: str) -> dict[str, Any]:
    """A visitor opens a chat, ``replier`` answers it through the API; the frame the visitor gets."""
    client = secure_app.client
    token = client.post("/api/webchat/visitors").json()["visitor_token"]
    with client.websocket_connect(f"/ws/webchat/visitor?visitor_token={token}") as visitor:
        visitor.send_json({"type": "hello", "name": "Dee"})
        ready = visitor.receive_json()
        assert ready["type"] == "ready", ready
        conversation_id = ready["conversation_id"]
        sent = client.post(
            f"/api/conversations/{conversation_id}/replies", json={"body": reply},
            headers=secure_app.bearer(replier),
        )  # fmt: skip
        assert sent.status_code == 201, sent.text
        while True:
            frame = visitor.receive_json()
            if frame["type"] == "conversation.message" and frame["data"]["body"] == reply:
                return frame


def test_the_web_chat_visitor_sees_the_agents_public_name_never_the_username(secure_app: SecureApp) -> None:
    heard = _visitor_hears_reply(secure_app, "admin", "Hello, how can I help?")
    # display_name "Admin" is the log-in name: the default public name must not fall back to it.
    assert heard["data"]["author_name"] == "Agent"
    assert "admin" not in json.dumps(heard).lower()

    admin = secure_app.bearer("admin")
    same = secure_app.client.put("/api/me/public-name", json={"public_name": "ADMIN"}, headers=admin)
    assert same.status_code == 422 and "log-in name" in same.text
    named = secure_app.client.put("/api/me/public-name", json={"public_name": "Morgan"}, headers=admin)
    assert named.status_code == 200 and named.json()["public_name"] == "Morgan"
    heard = _visitor_hears_reply(secure_app, "admin", "Your refund is on its way.")
    assert heard["data"]["author_name"] == "Morgan"
    assert "admin" not in json.dumps(heard).lower()


def _flow_with_sound(sound: str) -> str:
    return f"""
start: greet
fallback: operator
nodes:
  greet: {{type: play, prompt: {{sound: {json.dumps(sound)}}}, next: operator}}
  operator: {{type: route_queue, queue: general}}
"""


@pytest.mark.parametrize(("sound", "reason"), [
    ("../../../../etc/passwd", "is not a sound name"),
    ("/etc/passwd", "is not a sound name"),
    ("no-such-sound", "does not exist"),
])  # fmt: skip
def test_an_ivr_flow_with_a_path_or_an_unknown_sound_is_refused_with_422(
    secure_app: SecureApp, sound: str, reason: str
) -> None:
    headers = secure_app.bearer("admin")
    for method, url in (("post", "/api/ivr/flows/main/validate"), ("put", "/api/ivr/flows/main")):
        answer = secure_app.client.request(
            method, url, json={"yaml": _flow_with_sound(sound)}, headers=headers
        )
        assert answer.status_code == 422, answer.text
        [problem] = answer.json()["detail"]["problems"]
        assert problem["node"] == "greet" and reason in problem["reason"], problem


def test_an_ivr_flow_with_an_asterisk_core_sound_is_accepted(secure_app: SecureApp) -> None:
    answer = secure_app.client.post(
        "/api/ivr/flows/main/validate", json={"yaml": _flow_with_sound("hello-world")},
        headers=secure_app.bearer("admin"),
    )  # fmt: skip
    assert answer.status_code == 200, answer.text


def _audit(secure_app: SecureApp, **params: Any) -> list[dict[str, Any]]:
    answer = secure_app.client.get("/api/audit", params=params, headers=secure_app.bearer("admin"))
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


def test_supervisor_and_admin_actions_appear_in_the_audit_log_with_actor_and_target(
    secure_app: SecureApp,
) -> None:
    client = secure_app.client
    group = client.post("/api/desk/groups", json={"name": "Returns"}, headers=secure_app.bearer("supervisor"))
    assert group.status_code == 201, group.text
    renamed = client.patch(
        f"/api/desk/groups/{group.json()['id']}",
        json={"name": "Refunds"},
        headers=secure_app.bearer("supervisor"),
    )
    assert renamed.status_code == 200, renamed.text
    user = client.post(
        "/api/admin/users", headers=secure_app.bearer("admin"),
        json={"username": "qa1", "display_name": "Quinn Auditor", "role": "qa_manager",
              "password": "Quinn-Vox-7rq-long"},
    )  # fmt: skip
    assert user.status_code == 201, user.text
    refused = client.post("/api/admin/users", json={}, headers=secure_app.bearer("supervisor"))
    assert refused.status_code == 403

    [created_group] = _audit(secure_app, actor="supervisor", action="POST /api/desk/groups")
    assert created_group["role"] == "supervisor" and created_group["status"] == 201
    assert created_group["target"] == f"created id={group.json()['id']}"
    assert created_group["client"]
    [patched] = _audit(secure_app, actor="supervisor", action="PATCH /api/desk/groups/{group_id}")
    assert patched["target"] == f"group_id={group.json()['id']}" and patched["status"] == 200
    [created_user] = _audit(secure_app, actor="admin", action="POST /api/admin/users", kind="request")
    assert created_user["role"] == "admin" and created_user["target"] == f"created id={user.json()['id']}"
    [attempt] = _audit(secure_app, actor="supervisor", action="POST /api/admin/users")
    assert attempt["status"] == 403  # a refused attempt is on record too
    # The service's own event stays, with its details.
    [event] = _audit(secure_app, action="user.created", target=f"user:{user.json()['id']}")
    assert event["actor"] == "admin" and event["details"] == {"role": "qa_manager", "sip": False}


def test_an_agents_own_actions_are_not_supervisor_actions_in_the_audit_log(secure_app: SecureApp) -> None:
    named = secure_app.client.put(
        "/api/me/public-name", json={"public_name": "Sam"}, headers=secure_app.bearer("agent1")
    )
    assert named.status_code == 200
    assert _audit(secure_app, actor="agent1", kind="request") == []


@pytest.mark.parametrize("reader", ["agent1", "supervisor"])
def test_agents_and_supervisors_cannot_read_the_audit_log(secure_app: SecureApp, reader: str) -> None:
    answer = secure_app.client.get("/api/audit", headers=secure_app.bearer(reader))
    assert answer.status_code == 403


@pytest.mark.parametrize("params", [
    {"limit": 501}, {"limit": 0}, {"before_id": 2**64}, {"since": "yesterday"},
    {"since": "2026-01-01T00:00:00"},  # no offset: ambiguous
    {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
    {"unknown": "x"}, {"actor": "a\x00b"}, {"kind": "everything"},
])  # fmt: skip
def test_the_audit_log_query_is_validated_strictly(secure_app: SecureApp, params: dict[str, Any]) -> None:
    answer = secure_app.client.get("/api/audit", params=params, headers=secure_app.bearer("admin"))
    assert answer.status_code == 422, answer.text


def test_the_audit_log_pages_by_time_and_id(secure_app: SecureApp) -> None:
    for name in ("One", "Two", "Three"):
        created = secure_app.client.post(
            "/api/desk/groups", json={"name": name}, headers=secure_app.bearer("supervisor")
        )
        assert created.status_code == 201
    first = secure_app.client.get(
        "/api/audit", params={"kind": "request", "limit": 2}, headers=secure_app.bearer("admin")
    ).json()
    assert len(first["entries"]) == 2 and first["next_before_id"] == first["entries"][-1]["id"]
    rest = _audit(secure_app, kind="request", before_id=first["next_before_id"])
    assert len(rest) == 1 and rest[0]["id"] < first["next_before_id"]
    assert (
        _audit(secure_app, kind="request", since="2000-01-01T00:00:00+00:00", until="2000-01-02T00:00:00Z")
        == []
    )


def test_no_password_appears_in_any_audit_entry(secure_app: SecureApp) -> None:
    client, admin = secure_app.client, secure_app.bearer("admin")
    new_password, reset_password = "Quinn-Vox-7rq-long-secret", "Quinn-Vox-reset-9zz-secret"
    created = client.post(
        "/api/admin/users", headers=admin,
        json={"username": "qa2", "display_name": "Q", "role": "qa_manager", "password": new_password},
    )  # fmt: skip
    assert created.status_code == 201
    weak = client.post("/api/admin/users", headers=admin, json={
        "username": "qa3", "display_name": "Q", "role": "qa_manager", "password": "1234567890"})  # fmt: skip
    assert weak.status_code == 422
    reset = client.post(
        f"/api/admin/users/{created.json()['id']}/password",
        json={"new_password": reset_password},
        headers=admin,
    )
    assert reset.status_code == 204
    sip = client.post(f"/api/admin/users/{secure_app.ids['agent1']}/sip-password", headers=admin)
    assert sip.status_code == 200
    log = client.get("/api/audit", params={"limit": 500}, headers=admin)
    assert log.status_code == 200 and len(log.json()["entries"]) >= 5
    secrets = [new_password, reset_password, "1234567890", sip.json()["sip"]["password"], *PASSWORDS.values()]
    assert [s for s in secrets if s in log.text] == []


def test_a_supervisor_joining_a_customers_chat_room_is_in_the_audit_log(secure_app: SecureApp) -> None:
    client = secure_app.client
    visitor_token = client.post("/api/webchat/visitors").json()["visitor_token"]
    with client.websocket_connect(f"/ws/webchat/visitor?visitor_token={visitor_token}") as visitor:
        visitor.send_json({"type": "hello", "name": "Dee"})
        conversation_id = visitor.receive_json()["conversation_id"]
    ticket = secure_app.ws_ticket("supervisor")
    with client.websocket_connect(f"/ws/webchat/agent/{conversation_id}?ticket={ticket}") as room:
        assert room.receive_json()["type"] == "ready"
    [joined] = _audit(secure_app, actor="supervisor", action="WS /ws/webchat/agent/{conversation_id}")
    assert joined["target"] == f"conversation_id={conversation_id}" and joined["role"] == "supervisor"
    assert ticket not in json.dumps(joined)
