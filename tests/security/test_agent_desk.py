"""The agent desk: /agent in both languages, and its inbox (``GET /api/inbox``) under the access rule."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from security_helpers import PASSWORDS, SecureApp

from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction
from tickets.conversations.services import add_message, open_conversation
from tickets.customers.services import find_or_create_customer

pytestmark = pytest.mark.integration


class _Boot(HTMLParser):
    boot: dict[str, object] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.boot = json.loads(dict(attrs)["data-boot"] or "{}")


def _sign_in(app: SecureApp, username: str) -> None:
    answer = app.client.post("/api/auth/token", json={"username": username, "password": PASSWORDS[username]})
    assert answer.status_code == 200, answer.text


def _chat(app: SecureApp, phone: str, text: str, agent: str | None) -> int:
    with app.app.state.session_factory() as session:
        customer = find_or_create_customer(session, "phone", phone, "US", "Customer " + phone[-2:])
        chat = open_conversation(session, customer.id, Channel.WEBCHAT, f"visitor-{phone}")
        add_message(session, chat, Direction.INBOUND, AuthorKind.CUSTOMER, text)
        chat.assigned_agent_id = app.ids[agent] if agent else None
        session.commit()
        return chat.id


@pytest.mark.parametrize(
    ("language", "heading", "sample"),
    [("en", "My desk", "Inbox"), ("zh", "我的工作台", "收件箱")],
)
def test_the_agent_desk_renders_in_each_language_with_its_panels_and_strings(
    secure_app: SecureApp, language: str, heading: str, sample: str
) -> None:
    _sign_in(secure_app, "agent1")
    page = secure_app.client.get("/agent", headers={"accept-language": language})
    assert page.status_code == 200 and page.headers["content-language"] == language
    assert heading in page.text and sample in page.text
    for landmark in ('id="softphone"', 'id="agent-state"', 'id="call-panel"', 'id="inbox"', 'id="kb"'):
        assert landmark in page.text
    assert '<link rel="stylesheet" href="/static/console/agent.css">' in page.text
    parser = _Boot()
    parser.feed(page.text)
    strings = parser.boot["strings"]
    assert isinstance(strings, dict) and strings["agent.inbox"] == sample
    assert secure_app.client.get("/static/console/agent.js").status_code == 200
    assert secure_app.client.get("/static/console/agent.css").status_code == 200


def test_a_supervisor_is_not_given_the_agent_desk(secure_app: SecureApp) -> None:
    _sign_in(secure_app, "supervisor")
    assert secure_app.client.get("/agent").status_code == 403


def test_the_inbox_lists_my_threads_and_the_pool_but_never_another_agents(secure_app: SecureApp) -> None:
    mine = _chat(secure_app, "+12025550101", "<script>alert(1)</script> where is my parcel?", "agent1")
    theirs = _chat(secure_app, "+12025550202", "agent2's customer", "agent2")
    pool = _chat(secure_app, "+12025550303", "anyone there?", None)
    client = secure_app.client
    seen = client.get("/api/inbox", headers=secure_app.bearer("agent1"))
    assert seen.status_code == 200, seen.text
    rows = {row["id"]: row for row in seen.json()}
    assert set(rows) == {mine, pool}
    assert rows[mine]["preview"] == "<script>alert(1)</script> where is my parcel?"
    assert rows[mine]["unread"] == 1 and rows[mine]["customer_name"] == "Customer 01"
    assert rows[mine]["channel"] == "webchat" and rows[mine]["preview_author"] == "customer"
    other = {row["id"] for row in client.get("/api/inbox", headers=secure_app.bearer("agent2")).json()}
    assert other == {theirs, pool}
    # The thread itself and its customer stay out of reach too: 404 like one that does not exist.
    agent1 = secure_app.bearer("agent1")
    assert client.get(f"/api/conversations/{theirs}/messages", headers=agent1).status_code == 404
    with secure_app.app.state.session_factory() as session:
        thread = session.get(Conversation, theirs)
        assert thread is not None
        their_customer = thread.customer_id
    assert client.get(f"/api/customers/{their_customer}", headers=agent1).status_code == 404
    everything = {row["id"] for row in client.get("/api/inbox", headers=secure_app.bearer("qa")).json()}
    assert {mine, theirs, pool} <= everything


def test_the_inbox_filters_by_channel_and_status_and_refuses_unknown_ones(secure_app: SecureApp) -> None:
    mine = _chat(secure_app, "+12025550104", "hello", "agent1")
    headers = secure_app.bearer("agent1")
    assert secure_app.client.get("/api/inbox?channel=email", headers=headers).json() == []
    chats = secure_app.client.get("/api/inbox?channel=webchat", headers=headers).json()
    assert [row["id"] for row in chats] == [mine]
    assert secure_app.client.get("/api/inbox?status=closed", headers=headers).json() == []
    assert secure_app.client.get("/api/inbox?channel=voice", headers=headers).status_code == 422
    assert secure_app.client.get("/api/inbox").status_code == 401
