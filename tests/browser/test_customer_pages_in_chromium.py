"""A customer on a phone (390x844) in real Chromium answers the CSAT survey from the link in the SMS
we sent, and follows their ticket from the progress link: the public reply shows, as text, and the
internal note never does; in English and Chinese. The app runs under uvicorn on PostgreSQL; the SMS
gateway is the only seam (it records the text instead of sending it to a phone).
Screenshots go to $VOXDESK_ARTIFACTS (default artifacts/screenshots/)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_polling import poll
from channel_senders import RecordingSmsProvider
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session

from config.settings import ChannelSettings
from tickets.channels.base import ChannelAdapter
from tickets.channels.email import EmailAdapter
from tickets.channels.replies import ChannelReplies
from tickets.channels.sms import SmsAdapter
from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction
from tickets.conversations.services import add_message, open_conversation
from tickets.csat.models import CsatSurvey
from tickets.csat.offers import offer_survey, send_survey
from tickets.customers.models import IdentityKind
from tickets.customers.services import find_or_create_customer
from tickets.desk import services
from tickets.desk.outbox import DeskRuntime, TicketMove
from tickets.desk.schemas import NoteCreate, TicketCreate, TicketUpdate
from tickets.desk.services import Actor
from tickets.progress.notices import send_progress_notice

pytestmark = pytest.mark.browser

OUTCOME = (
    "(() => { const o = document.getElementById('outcome'); return o.hidden ? null : o.dataset.outcome; })()"
)
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(
    os.environ.get("VOXDESK_ARTIFACTS") or Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
)
MARKUP = '<img src=x id=injected onerror="document.title=1"><b>bold?</b>'


@pytest.fixture
def phone(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US")
    try:
        yield context.new_page()
    finally:
        context.close()




def fits_the_phone(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def adapters(sms: RecordingSmsProvider) -> dict[Channel, ChannelAdapter]:
    return {
        Channel.SMS: SmsAdapter("US", sms, None),
        Channel.EMAIL: EmailAdapter(ChannelSettings(), "US", None),
    }


def sms_customer(session: Session, says: str) -> Conversation:
    number = f"+1202555{uuid.uuid4().int % 10_000:04d}"
    customer = find_or_create_customer(session, IdentityKind.PHONE, number, "US")
    conversation = open_conversation(session, customer.id, Channel.SMS, external_ref=number, subject="SMS")
    add_message(session, conversation, Direction.INBOUND, AuthorKind.CUSTOMER, says)
    return conversation


def survey_link(live_app: Any, sms: RecordingSmsProvider) -> tuple[int, str]:
    """A survey offered to a customer and sent by SMS; its id and the link the customer got."""
    with live_app.session_factory() as session:
        conversation = sms_customer(session, "Thanks for the refund")
        survey = offer_survey(session, conversation.id, enqueue=lambda *_: None)
        email = EmailAdapter(ChannelSettings(), "US", None)
        send_survey(session, survey.id, live_app.base_url, email, SmsAdapter("US", sms, None))
        return survey.id, sms.last_link()


def test_a_customer_answers_the_survey_from_the_link_in_the_sms_once(phone: Page, live_app: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sms = RecordingSmsProvider()
    survey_id, link = survey_link(live_app, sms)
    assert "/csat#token=" in link

    phone.goto(link)
    poll(phone, "document.getElementById('survey').hidden", False)
    assert "token" not in phone.url  # taken out of the address bar
    assert fits_the_phone(phone)
    phone.locator("label.score", has_text="4").click()
    phone.fill("textarea[name=comment]", "Quick and kind")
    phone.screenshot(path=str(ARTIFACTS / "customer-csat-en.png"), full_page=True)
    phone.click("#survey-submit")
    poll(phone, OUTCOME, "thanks")
    assert phone.text_content("#outcome-title") == "Thank you!"
    with live_app.session_factory() as session:
        survey = session.get(CsatSurvey, survey_id)
        assert survey is not None and survey.score == 4 and survey.comment == "Quick and kind"

    # The same link again, in Chinese: answered once, and the page says so.
    phone.goto(link.replace("/csat#", "/csat?lang=zh#"))
    poll(phone, "document.documentElement.lang", "zh-CN")
    phone.locator("label.score", has_text="5").click()
    phone.click("#survey-submit")
    poll(phone, OUTCOME, "answered")
    assert phone.text_content("#outcome-title") == "已经评价过了"


def test_a_survey_link_with_the_token_in_its_query_works_and_a_forged_one_says_so(
    phone: Page, live_app: Any
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sms = RecordingSmsProvider()
    survey_id, link = survey_link(live_app, sms)
    token = link.rsplit("#token=", 1)[1]

    phone.goto(f"{live_app.base_url}/csat?lang=zh&token={token}")
    poll(phone, "document.getElementById('survey').hidden", False)
    assert "token" not in phone.url and phone.url.endswith("/csat?lang=zh")
    assert phone.text_content("#survey-submit") == "提交评价"
    phone.locator("label.score", has_text="3").click()
    phone.screenshot(path=str(ARTIFACTS / "customer-csat-zh.png"), full_page=True)
    phone.click("#survey-submit")
    poll(phone, OUTCOME, "thanks")
    with live_app.session_factory() as session:
        survey = session.get(CsatSurvey, survey_id)
        assert survey is not None and survey.score == 3

    phone.goto(f"{live_app.base_url}/csat#token=forged-{uuid.uuid4().hex}")
    poll(phone, "document.getElementById('survey').hidden", False)
    phone.locator("label.score", has_text="1").click()
    phone.click("#survey-submit")
    poll(phone, OUTCOME, "invalid")
    assert phone.text_content("#outcome-title") == "This link does not work"


def solved_ticket_link(live_app: Any, says: str, subject: str, reply: str) -> tuple[int, str]:
    """A ticket with a public reply and an internal note, solved; the link in the SMS that told its
    customer (the job's body, run here); the ticket's id and that link."""
    sms = RecordingSmsProvider()
    runtime = DeskRuntime()
    with live_app.session_factory() as session:
        conversation = sms_customer(session, says)
        data = TicketCreate(
            subject=subject,
            channel="sms",
            customer_id=conversation.customer_id,
            conversation_id=conversation.id,
        )
        ticket = services.create_ticket(session, runtime, data, Actor("bot"))
        replies = ChannelReplies(adapters(sms))
        services.add_note(
            session, runtime, ticket.id, NoteCreate(body=reply, internal=False), Actor("agent"), replies
        )
        secret_note = NoteCreate(body="INTERNAL: refund approved by finance", internal=True)
        services.add_note(session, runtime, ticket.id, secret_note, Actor("agent"))
        services.update_ticket(session, runtime, ticket.id, TicketUpdate(status="solved"), Actor("agent"))
        solved = max(e.id for e in services.list_history(session, ticket.id) if e.action == "status_changed")
        move = TicketMove(ticket.id, "solved", solved)
        send_progress_notice(
            session, move, secret=live_app.secret, base_url=live_app.base_url, adapters=adapters(sms)
        )
    return ticket.id, sms.last_link()


def test_the_progress_page_shows_the_public_reply_as_text_and_never_the_internal_note(
    phone: Page, live_app: Any
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    reply = f"Your refund is on its way. {MARKUP}"
    ticket_id, link = solved_ticket_link(live_app, "Where is my refund?", "Refund for order 100234", reply)
    assert "/track?lang=en#token=" in link

    phone.goto(link)
    poll(phone, "document.getElementById('ticket-number').textContent", f"#{ticket_id}")
    assert "token" not in phone.url
    assert phone.text_content("#ticket-status") == "Solved"
    updates = phone.text_content("#ticket-updates") or ""
    assert "Your refund is on its way." in updates and MARKUP in updates  # markup shown as text
    assert "INTERNAL" not in (phone.text_content("body") or "")
    assert phone.evaluate("document.getElementById('injected') === null && document.title !== '1'")
    assert fits_the_phone(phone)
    phone.screenshot(path=str(ARTIFACTS / "customer-progress-en.png"), full_page=True)
    phone.click("nav.langs a[lang=zh]")  # the switch reloads the page; the tab still has the token
    poll(phone, "document.getElementById('ticket-status').textContent", "已解决")

    ticket_zh, link_zh = solved_ticket_link(
        live_app, "我的退款什么时候到账？", "订单 100235 退款", "退款已经处理，三个工作日内到账。"
    )
    assert "/track?lang=zh#token=" in link_zh
    phone.goto(link_zh)  # the same tab: only the fragment changes, and the page starts over with it
    poll(phone, "document.getElementById('ticket-number').textContent", f"#{ticket_zh}")
    assert phone.text_content("#ticket-status") == "已解决"
    assert "退款已经处理" in (phone.text_content("#ticket-updates") or "")
    assert "INTERNAL" not in (phone.text_content("body") or "")
    phone.screenshot(path=str(ARTIFACTS / "customer-progress-zh.png"), full_page=True)

    phone.goto(f"{live_app.base_url}/track#token=1.1.forged")
    poll(phone, OUTCOME, "invalid")
