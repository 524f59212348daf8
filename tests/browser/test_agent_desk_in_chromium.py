"""The agent desk in real Chromium: sign in, the inbox (a chat message with markup shown as text),
compliance-checked replies (blocked, then warned and sent anyway), the knowledge base, the customer;
and a live call whose events are published on the real Redis bus the way telephony, ASR and QA do,
shown without a reload (pop, both legs' transcript, a compliance alert). English and Chinese."""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from playwright.sync_api import Browser, Dialog, Page, expect
from sqlalchemy import select

from asr.events import TranscriptFinal, TranscriptPartial
from config.accounts import create_user
from config.events import Notifier
from config.models import Role
from config.sessions import open_session_for
from qa.events import QaAlert, QaSuggestion
from routing import Agent, AgentState
from telephony.agents.model import agent_to_redis
from telephony.agents.notifier import AgentStateChanged
from telephony.calls.model import Call
from telephony.calls.notifier import CallEnded, CallStateChanged
from telephony.keys import TelephonyKeys
from tickets.conversations.models import AuthorKind, Channel, Direction
from tickets.conversations.services import add_message, open_conversation
from tickets.conversations.voice import find_call_link, record_call_answered, record_call_conversation
from tickets.customers.services import find_or_create_customer
from tickets.desk.models import Ticket

pytestmark = pytest.mark.browser
HOSTILE = "<script>alert(1)</script> Where is my refund?"
PROMISE = "Trust me, you will definitely make money with this."
PRESSURE = "This is your last chance, you have to decide right now."
PASSWORD = "Agent-desk-Vox-7rq-long"
REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("VOXDESK_ARTIFACTS") or REPO / "artifacts" / "screenshots")


@dataclass(frozen=True)
class Desk:
    username: str
    customer_id: int
    customer_name: str
    phone: str
    chat_id: int


def _admin_headers(live_app: Any) -> dict[str, str]:
    with live_app.session_factory() as session:
        admin = create_user(session, f"admin-{uuid.uuid4().hex[:6]}", "Admin", Role.ADMIN, PASSWORD)
        session.commit()
        admin_id = admin.id
    return {"Authorization": f"Bearer {open_session_for(live_app.session_factory, admin_id)}"}


@pytest.fixture(scope="module")
def knowledge(live_app: Any) -> Iterator[None]:
    """Published articles in both languages, through the API like an editor; archived afterwards, as
    the app is shared with this folder's other tests (its FAQ bot answers chats from them)."""
    headers = _admin_headers(live_app)
    created = []
    for title, body, language in (
        ("Refunds for damaged parcels", "Refunds are paid within 5 working days to the original card.", "en"),
        ("退款政策", "退款将在5个工作日内退回原支付卡。", "zh"),
    ):
        answer = httpx.post(
            f"{live_app.base_url}/api/kb/articles",
            headers=headers,
            timeout=10,
            json={"title": title, "body": body, "status": "published", "language": language},
        )
        assert answer.status_code == 201, answer.text
        created.append(answer.json())
    yield
    for article in created:
        archived = httpx.patch(
            f"{live_app.base_url}/api/kb/articles/{article['id']}",
            headers=headers,
            timeout=10,
            json={"status": "archived", "base_version": article["version"]},
        )
        assert archived.status_code == 200, archived.text


def _desk(live_app: Any, language: str) -> Desk:
    """An agent with a SIP account; a customer with a phone, a web chat assigned to the agent (its
    first message carries markup), a ticket and an order."""
    tag = uuid.uuid4().hex[:6]
    username = f"agent-{language}-{tag}"
    phone = "+1415555" + str(uuid.uuid4().int)[:4]
    name = {"en": "Alice Walker", "zh": "王小明"}[language]
    with live_app.session_factory() as session:
        agent = create_user(session, username, "Desk Agent", Role.AGENT, PASSWORD, sip_password="sip-" + tag)
        customer = find_or_create_customer(session, "phone", phone, "US", name)
        chat = open_conversation(session, customer.id, Channel.WEBCHAT, f"visitor-{tag}", subject="Web chat")
        add_message(session, chat, Direction.INBOUND, AuthorKind.CUSTOMER, HOSTILE, author_name=name)
        chat.assigned_agent_id = agent.id
        session.commit()
        desk = Desk(username, customer.id, name, phone, chat.id)
    headers = _admin_headers(live_app)
    csv = (
        "order_number,status,email,phone,carrier,tracking_number,estimated_delivery\n"
        f"A-{tag},shipped,,{phone},UPS,1Z{tag},2026-12-24\n"
    )
    answer = httpx.post(f"{live_app.base_url}/api/orders/import", headers=headers, content=csv, timeout=10)
    assert answer.status_code == 200, answer.text
    return desk


@pytest.fixture
def page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    language = getattr(request, "param", "en")
    context = chromium.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN" if language == "zh" else "en-US"
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def _sign_in(page: Page, live_app: Any, desk: Desk) -> None:
    page.goto(f"{live_app.base_url}/agent")
    page.fill("input[name=username]", desk.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/agent")


def _pause_for_a_meeting(page: Page, redis_url: str, desk: Desk, texts: dict[str, Any]) -> None:
    """Available (as call control keeps the agent in Redis), then a pause with a reason: the command
    goes to call control, whose state change (published here as the controller does) shows live."""
    client, keys = redis.Redis.from_url(redis_url), TelephonyKeys("voxdesk")
    now = time.time()
    agent = Agent(desk.username, state=AgentState.AVAILABLE, state_since=now, idle_since=now)
    client.hset(keys.agent(desk.username), mapping=agent_to_redis(agent))  # type: ignore[arg-type]
    client.sadd(keys.agents, desk.username)
    notifier = Notifier(client)
    notifier.publish(
        AgentStateChanged(agent_id=desk.username, status="available", previous_status="logged_out")
    )
    expect(page.locator("#agent-state .state-pill")).to_have_text(texts["available"])
    page.select_option("#agent-state select[name=reason]", "meeting")
    with page.expect_request("**/api/agents/me/pause") as sent:
        page.locator("#agent-state .state-controls button", has_text=texts["pause"]).click()
    assert sent.value.post_data_json == {"reason": "meeting"}
    notifier.publish(
        AgentStateChanged(
            agent_id=desk.username, status="paused", previous_status="available", pause_reason="meeting"
        )
    )
    expect(page.locator("#agent-state .state-pill")).to_have_text(texts["paused"])
    expect(page.locator("#agent-state .state-now")).to_contain_text(texts["meeting"])


def _watch_for_scripts(page: Page) -> list[str]:
    ran: list[str] = []

    def dialog(opened: Dialog) -> None:
        ran.append(opened.message)
        opened.dismiss()

    page.on("dialog", dialog)
    page.on("pageerror", lambda error: ran.append(f"page error: {error}"))
    return ran


def _shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path))
    return path


def _inbox_reply_kb_customer(page: Page, desk: Desk, texts: dict[str, Any]) -> None:
    item = page.locator(f".inbox-item[data-id='{desk.chat_id}']")
    expect(item).to_contain_text(HOSTILE)
    item.click()
    message = page.locator("#thread .msg.inbound").first
    expect(message).to_contain_text(HOSTILE)
    assert page.locator("#thread script").count() == 0
    # A reply the rules block: refused, the rule named, nothing sent.
    page.fill("#reply-body", PROMISE)
    page.click(".reply-form button[type=submit]")
    expect(page.locator(".finding.block")).to_contain_text("no-profit-guarantee")
    assert page.locator("#thread .msg.outbound").count() == 0
    # A reply the rules warn about: held until the agent sends it anyway.
    page.fill("#reply-body", PRESSURE)
    page.click(".reply-form button[type=submit]")
    warned = page.locator(".finding.warn")
    expect(warned).to_contain_text("no-pressure-selling")
    _shot(page, f"agent-reply-warned-{texts['lang']}.png")
    warned.get_by_role("button", name=texts["send_anyway"]).click()
    expect(page.locator("#thread .msg.outbound")).to_contain_text(PRESSURE)
    expect(page.locator(".finding")).to_have_count(0)
    # The knowledge base, searched in the page's language.
    page.fill("#kb input[name=q]", texts["kb_query"])
    page.click("#kb button[type=submit]")
    hit = page.locator("#kb .kb-results button.linkish").first
    expect(hit).to_have_text(texts["kb_title"])
    hit.click()
    expect(page.locator("#kb .article-body")).to_contain_text(texts["kb_body"])
    # The customer, opened from the conversation.
    page.locator("#thread .open-customer").click()
    customer = page.locator("#customer")
    expect(customer.locator(".customer-name")).to_have_text(desk.customer_name)
    expect(customer).to_contain_text(texts["phone_shown"])
    expect(customer).to_contain_text("UPS")


def _live_call(live_app: Any, redis_url: str, desk: Desk, texts: dict[str, Any]) -> tuple[Notifier, str]:
    """The call as call control keeps it in Redis, and the agent's state change that pops it."""
    call = Call(
        state="connected",
        caller_number=desk.phone,
        customer_id=str(desk.customer_id),
        ivr_path=["main-menu", "orders", "faq"],
        ivr_choice=texts["ivr_said"],
        queue_id="support",
        agent_id=desk.username,
        answered_at=None,
    )
    # What CallStore.save writes (Playwright's sync API runs an event loop here: no asyncio.run).
    client, keys = redis.Redis.from_url(redis_url), TelephonyKeys("voxdesk")
    client.hset(keys.call(call.call_id), mapping=call.to_redis())  # type: ignore[arg-type]
    client.sadd(keys.live_calls, call.call_id)
    with live_app.session_factory() as session:  # the call's conversation, as telephony records it
        record_call_conversation(session, call.call_id, desk.phone, "US")
        record_call_answered(session, call.call_id, desk.username, "support")
    notifier = Notifier(client)
    notifier.publish(
        AgentStateChanged(
            agent_id=desk.username, status="on_call", previous_status="offered", call_id=call.call_id
        )
    )
    notifier.publish(
        CallStateChanged(
            call_id=call.call_id,
            agent_id=desk.username,
            queue_id="support",
            previous_state="offering",
            state="connected",
            caller_number=desk.phone,
            customer_id=str(desk.customer_id),
        )
    )
    return notifier, call.call_id


def _talk(page: Page, notifier: Notifier, call_id: str, texts: dict[str, Any]) -> None:
    """What ASR and QA publish while the call goes on; the page shows it as it comes."""
    page.wait_for_timeout(500)  # the feed follows the call's channel after relaying the agent event
    notifier.publish(TranscriptPartial(call_id=call_id, leg="caller", text=texts["partial"], start=1.0))
    expect(page.locator(".transcript .line.caller.partial")).to_have_text(
        f"{texts['caller']}{texts['partial']}"
    )
    notifier.publish(
        TranscriptFinal(
            call_id=call_id,
            leg="caller",
            text=texts["caller_said"],
            start=1.0,
            end=3.0,
            confidence=0.9,
            words=[],
        )
    )
    notifier.publish(
        TranscriptFinal(
            call_id=call_id,
            leg="agent",
            text=texts["agent_said"],
            start=3.5,
            end=6.0,
            confidence=0.9,
            words=[],
        )
    )
    notifier.publish(
        QaAlert(
            call_id=call_id,
            rule="no-profit-guarantee",
            kind="forbidden",
            severity="high",
            leg="agent",
            text=texts["agent_said"],
            start=3.5,
            end=6.0,
            score=0.8,
            agent=None,
        )
    )
    notifier.publish(
        QaSuggestion(
            call_id=call_id,
            language="en",
            for_text=texts["caller_said"],
            suggestions=[
                {
                    "article": 1,
                    "title": texts["kb_title"],
                    "snippet": texts["kb_body"],
                    "source": "kb",
                    "rank": 1,
                    "score": 0.9,
                }
            ],
            actions=[{"intent": "refund", "label": "Open a refund ticket", "action": "ticket.create:refund"}],
        )
    )
    lines = page.locator(".transcript .line")
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_have_text(f"{texts['caller']}{texts['caller_said']}")
    expect(lines.nth(1)).to_have_text(f"{texts['agent']}{texts['agent_said']}")
    expect(page.locator(".transcript .partial")).to_have_count(0)
    expect(page.locator(".alerts li.forbidden")).to_contain_text("no-profit-guarantee")
    expect(page.locator("#assist .assist-card")).to_contain_text(texts["kb_title"])


def _forget(redis_url: str, call_id: str, agent_id: str) -> None:
    keys, client = TelephonyKeys("voxdesk"), redis.Redis.from_url(redis_url)
    client.delete(keys.call(call_id), keys.agent(agent_id))
    client.srem(keys.agents, agent_id)
    client.srem(keys.live_calls, call_id)


ENGLISH: dict[str, Any] = {
    "send_anyway": "Send anyway",
    "kb_query": "refunds",
    "kb_title": "Refunds for damaged parcels",
    "kb_body": "5 working days",
    "phone_shown": "+1 415-555-",
    "ivr_said": "my parcel arrived damaged",
    "partial": "I want my",
    "caller_said": "I want my money back",
    "agent_said": "I guarantee you will make a profit",
    "caller": "Caller",
    "agent": "Agent",
    "state": "On a call",
    "refund_ticket": "Open a refund ticket",
    "lang": "en",
    "notes": "Parcel damaged; refund agreed.",
    "saved": "saved",
    "disposition_saved": "Disposition saved.",
    "available": "Available",
    "pause": "Pause",
    "paused": "Paused",
    "meeting": "Reason: Meeting",
    "ended": "Call ended",
    "wrap_up": "Wrap-up",
    "wrap_up_for": re.compile(r"^for 00:0[0-9]$"),
}
CHINESE: dict[str, Any] = {
    "send_anyway": "仍然发送",
    "kb_query": "退款",
    "kb_title": "退款政策",
    "kb_body": "5个工作日",
    "phone_shown": "+1 415-555-",
    "ivr_said": "包裹坏了",
    "partial": "我要",
    "caller_said": "我要退款",
    "agent_said": "我保证您一定能赚钱",
    "caller": "客户",
    "agent": "坐席",
    "state": "通话中",
    "refund_ticket": "创建退款工单",
    "lang": "zh",
    "notes": "包裹损坏，同意退款。",
    "saved": "已保存",
    "disposition_saved": "处理结果已保存。",
    "available": "空闲",
    "pause": "小休",
    "paused": "小休",
    "meeting": "原因：会议",
    "ended": "通话已结束",
    "wrap_up": "话后处理",
    "wrap_up_for": re.compile(r"^持续 00:0[0-9]$"),
}


@pytest.mark.parametrize(("page", "language"), [("en", "en"), ("zh", "zh")], indirect=["page"])
def test_an_agent_works_the_inbox_and_a_live_call_without_a_reload(
    page: Page, language: str, live_app: Any, redis_url: str, knowledge: None
) -> None:
    texts = ENGLISH if language == "en" else CHINESE
    desk = _desk(live_app, language)
    ran = _watch_for_scripts(page)
    _sign_in(page, live_app, desk)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN" if language == "zh" else "en")
    expect(page.locator("#agent-state .live-dot.open")).to_be_visible()
    # The feed subscribes to Redis after the socket opens: events count from its "subscribed".
    expect(page.locator("body")).to_have_attribute("data-feed", "subscribed")
    expect(page.locator("#softphone")).to_be_visible()
    _pause_for_a_meeting(page, redis_url, desk, texts)
    _inbox_reply_kb_customer(page, desk, texts)
    _shot(page, f"agent-inbox-{language}.png")

    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    notifier, call_id = _live_call(live_app, redis_url, desk, texts)
    try:
        expect(page.locator("#agent-state .state-pill")).to_have_text(texts["state"])
        expect(page.locator("#call-panel .call-who")).to_have_text(desk.customer_name)
        expect(page.locator("#call-panel .call-phone")).to_contain_text(f"+1 415-555-{desk.phone[-4:]}")
        expect(page.locator("#tab-call")).to_have_attribute("aria-selected", "true")
        expect(page.locator("#call-panel .ivr-said")).to_have_text(texts["ivr_said"])
        expect(page.locator("#customer .customer-name")).to_have_text(desk.customer_name)
        _talk(page, notifier, call_id, texts)
        assert page.evaluate("window.__sameDocument") is True
        _shot(page, f"agent-call-{language}.png")
        # The assist action opens the call's ticket through the API.
        page.locator("#assist .assist-actions button").first.click()
        expect(page.locator("#call-panel .ticket-current")).to_be_visible()
        expect(page.locator("#customer")).to_contain_text(texts["refund_ticket"])
        page.locator("#call-panel textarea[name=description]").fill(texts["notes"])
        page.locator("#call-panel .ticket-form form").first.locator("button[type=submit]").click()
        expect(page.locator("#call-panel .form-note.ok")).to_contain_text(texts["saved"])
        page.select_option("#call-disposition", "follow_up")
        page.locator("#call-panel .disposition-form button[type=submit]").click()
        expect(page.locator("#call-panel .form-note.ok")).to_have_text(texts["disposition_saved"])
        with live_app.session_factory() as session:
            link = find_call_link(session, call_id)
            assert link is not None and link.disposition == "follow_up"
            notes = session.scalars(
                select(Ticket.description).where(Ticket.conversation_id == link.conversation_id)
            )
            assert texts["notes"] in list(notes)
        # The caller hangs up: the call shows as ended and the wrap-up timer counts.
        notifier.publish(
            CallEnded(call_id=call_id, agent_id=desk.username, queue_id="support", disposition="completed")
        )
        notifier.publish(
            AgentStateChanged(
                agent_id=desk.username, status="wrap_up", previous_status="on_call", call_id=call_id
            )
        )
        expect(page.locator("#call-panel .call-state")).to_have_text(texts["ended"])
        expect(page.locator("#agent-state .state-pill")).to_have_text(texts["wrap_up"])
        expect(page.locator("#agent-state .state-since")).to_have_text(texts["wrap_up_for"])
        expect(page.locator("#agent-state .state-controls button")).to_have_count(
            3
        )  # available, pause, log out
        assert page.evaluate("window.__sameDocument") is True
    finally:
        _forget(redis_url, call_id, desk.username)
    assert ran == []
