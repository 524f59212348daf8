"""An admin works the admin page in real Chromium against the real app: edits a compliance rule (a
broken version is refused naming where and why), tries it on a sample before saving, saves it, and
the next chat reply an agent sends through the API is blocked by it; the IVR flow is drawn beside
its YAML. Screenshots at 1366x768 in English and Chinese go to $VOXDESK_ARTIFACTS."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from config.accounts import create_user
from config.models import Role, User
from config.sessions import open_session_for
from tickets.conversations.models import Channel
from tickets.conversations.services import open_conversation
from tickets.customers.models import IdentityKind
from tickets.customers.services import find_or_create_customer

pytestmark = pytest.mark.browser
PASSWORD = "admin-Vox-7rq-long-pass"
ARTIFACTS = Path(
    os.environ.get("VOXDESK_ARTIFACTS") or Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
)
REFERRAL = "You should buy from Acme Telecom instead, they are cheaper."
NEW_RULE = """
  - id: no-competitor-referral
    kind: {kind}
    speaker: agent
    severity: medium
    action: block
    description: Agents do not send customers to a competitor.
    examples:
      - you should buy from Acme Telecom instead
"""


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    try:
        yield context.new_page()
    finally:
        context.close()


def _user(live_app: Any, role: Role) -> tuple[str, int]:
    name = f"{role.value}-{uuid.uuid4().hex[:6]}"
    with live_app.session_factory() as session:
        user_id = create_user(session, name, name.title(), role, PASSWORD).id
        session.commit()
    return name, user_id


def _bearer(live_app: Any, user_id: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {open_session_for(live_app.session_factory, user_id)}"}


def _chat_of(live_app: Any, agent_id: int) -> int:
    """A new web-chat visitor's conversation, assigned to the agent."""
    visitor = f"visitor-{uuid.uuid4().hex[:12]}"
    with live_app.session_factory() as session:
        customer = find_or_create_customer(session, IdentityKind.WEBCHAT, visitor, "US")
        conversation = open_conversation(session, customer.id, Channel.WEBCHAT, external_ref=visitor,
                                         subject="Web chat")  # fmt: skip
        conversation.assigned_agent_id = agent_id
        session.commit()
        return conversation.id


def _reply(live_app: Any, headers: dict[str, str], chat_id: int, text: str) -> httpx.Response:
    return httpx.post(f"{live_app.base_url}/api/conversations/{chat_id}/replies", headers=headers,
                      json={"body": text, "acknowledge_alerts": True}, timeout=30)  # fmt: skip


def _texts(page: Page, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def _sign_in(page: Page, live_app: Any, username: str) -> None:
    page.goto(f"{live_app.base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.locator("h1", has_text="Administration").wait_for(timeout=10_000)  # an admin's home is /admin


def _edit_compliance_rules(page: Page) -> None:
    """Break the rule first (refused with where and why), then try the fixed rule, then save it."""
    editor = page.locator("#compliance-yaml")
    page.locator("#compliance-status.ok", has_text="Loaded").wait_for(timeout=10_000)
    saved = editor.input_value()
    assert "no-profit-guarantee" in saved
    page.fill("#try-text", REFERRAL)
    page.click("#try-run")  # the rules as they are: nothing flags a competitor referral yet
    page.locator("#try-status.ok", has_text="No rule would flag").wait_for(timeout=30_000)

    editor.fill(saved.rstrip("\n") + NEW_RULE.format(kind="forbiden"))
    page.click("#compliance-save")
    page.locator("#compliance-status.bad", has_text="Refused").wait_for(timeout=10_000)
    problems = _texts(page, "#compliance-problems li")
    assert any(p.startswith("rules[5].kind:") and "'forbidden'" in p for p in problems), problems
    editor.fill(saved.rstrip("\n") + NEW_RULE.format(kind="forbidden") + "    within_s: [\n")
    page.click("#compliance-save")
    page.locator("#compliance-problems li", has_text="not valid YAML").wait_for(timeout=10_000)

    editor.fill(saved.rstrip("\n") + NEW_RULE.format(kind="forbidden"))
    page.click("#try-run")  # the editor's rules, not saved yet
    flagged = page.locator("#try-results li[data-rule='no-competitor-referral']")
    flagged.wait_for(timeout=30_000)
    assert "Blocks the reply" in flagged.inner_text()
    _shot(page, "admin-compliance-en.png")
    page.click("#compliance-save")
    page.locator("#compliance-status.ok", has_text="Saved 6 rules").wait_for(timeout=30_000)
    assert _texts(page, "#compliance-problems li") == []


def _ivr_diagram(page: Page) -> None:
    page.click("#tab-ivr")
    page.locator("#ivr-diagram svg [data-node='welcome']").wait_for(timeout=15_000)
    assert page.locator("#ivr-diagram [data-node='welcome']").get_attribute("class") == "node start"
    menu_edge = page.locator("#ivr-diagram [data-edge='closed_menu->leave_message'][data-kind=dtmf] text")
    assert (menu_edge.text_content() or "").startswith("1 · “message”")
    title = page.locator("#ivr-diagram [data-edge='closed_menu->leave_message'][data-kind=dtmf] title")
    assert title.text_content() == "closed_menu → leave_message: 1 · “message”, “voicemail”"
    failure = page.locator("#ivr-diagram [data-edge='closed_menu->leave_message'][data-kind=failure] text")
    assert failure.text_content() == "on_failure"
    editor = page.locator("#ivr-yaml")
    flow = editor.input_value()
    markup = "<img src=x onerror=document.title='pwned'>"
    editor.fill(flow.replace("keywords: [message, voicemail, mensaje]", f'keywords: ["{markup}"]'))
    page.click("#ivr-validate")
    page.locator("#ivr-status.ok", has_text="Valid").wait_for(timeout=10_000)
    label = menu_edge.text_content() or ""
    assert label.startswith("1 · “<img src=x")  # shown as text, never parsed as markup
    assert page.locator("#ivr-diagram img").count() == 0 and page.title() != "pwned"
    editor.fill(flow.replace("next: choose_language", "next: nowhere", 1))
    page.click("#ivr-validate")
    page.locator("#ivr-status.bad", has_text="Refused").wait_for(timeout=10_000)
    assert "welcome: next goes to 'nowhere', which is not a node" in _texts(page, "#ivr-problems li")
    editor.fill(flow)
    page.click("#ivr-validate")
    page.locator("#ivr-status.ok", has_text="Valid").wait_for(timeout=10_000)


def test_an_admin_edits_a_compliance_rule_and_the_next_chat_reply_is_checked_by_it(
    page: Page, live_app: Any
) -> None:
    admin, admin_id = _user(live_app, Role.ADMIN)
    _agent, agent_id = _user(live_app, Role.AGENT)
    agent = _bearer(live_app, agent_id)
    before = _reply(live_app, agent, _chat_of(live_app, agent_id), REFERRAL)
    assert before.status_code == 201, before.text  # the packaged rules let it through
    admin_headers = _bearer(live_app, admin_id)
    original = httpx.get(f"{live_app.base_url}/api/admin/compliance-rules", headers=admin_headers).json()
    try:
        _sign_in(page, live_app, admin)
        _edit_compliance_rules(page)

        chat_id = _chat_of(live_app, agent_id)
        refused = _reply(live_app, agent, chat_id, "Honestly, you should buy from Acme Telecom instead.")
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"]["rules"] == ["no-competitor-referral"]
        assert _reply(live_app, agent, chat_id, "Your order ships tomorrow.").status_code == 201

        _ivr_diagram(page)
        _shot(page, "admin-ivr-en.png")
        page.click("#tab-audit")
        page.locator("#audit-rows tr", has_text="PUT /api/admin/compliance-rules").first.wait_for(
            timeout=10_000
        )

        page.goto(f"{live_app.base_url}/lang/zh?next=/admin%23compliance")
        page.locator("h1", has_text="系统管理").wait_for(timeout=10_000)
        page.locator("#compliance-status.ok", has_text="已载入").wait_for(timeout=10_000)
        assert "no-competitor-referral" in page.locator("#compliance-yaml").input_value()  # saved
        page.fill("#try-text", "我建议您去别家买，Acme Telecom 更便宜")
        page.click("#try-run")
        page.locator("#try-status:is(.ok, .warn)", has_text="规则").wait_for(timeout=30_000)
        _shot(page, "admin-compliance-zh.png")
        page.click("#tab-ivr")
        page.locator("#ivr-diagram svg [data-node='welcome']").wait_for(timeout=15_000)
        assert (
            page.locator("#ivr-diagram figcaption, .diagram figcaption")
            .first.inner_text()
            .startswith("流程图")
        )
        _shot(page, "admin-ivr-zh.png")
    finally:
        restored = httpx.put(f"{live_app.base_url}/api/admin/compliance-rules", headers=admin_headers,
                             json={"yaml": original["yaml"]}, timeout=30)  # fmt: skip
        assert restored.status_code == 200, restored.text  # the other browser tests get the rules back


def test_an_admin_adds_a_user_puts_them_in_a_group_publishes_an_article_and_finds_it_all_audited(
    page: Page, live_app: Any
) -> None:
    admin, admin_id = _user(live_app, Role.ADMIN)
    suffix = uuid.uuid4().hex[:6]
    newcomer, group, title = f"nina-{suffix}", f"Billing {suffix}", f"Gift wrapping {suffix}"
    _sign_in(page, live_app, admin)

    page.click("#tab-users")
    page.locator(f"#user-rows tr[data-user='{admin}']").wait_for(timeout=10_000)
    assert page.locator(f"#user-rows tr[data-user='{admin}'] select").is_disabled()  # not their own role
    form = page.locator("#user-create")
    form.locator("[name=username]").fill(newcomer)
    form.locator("[name=display_name]").fill("<b>Nina</b> Agent")
    form.locator("[name=role]").select_option("agent")
    form.locator("[name=password]").fill("nina-Vox-7rq-long-pass")
    form.locator("button[type=submit]").click()
    page.locator("#user-status.ok", has_text=f"Added {newcomer}").wait_for(timeout=10_000)
    assert "SIP password (shown only now)" in page.locator("#user-status").inner_text()
    row = page.locator(f"#user-rows tr[data-user='{newcomer}']")
    row.wait_for(timeout=10_000)
    assert "<b>Nina</b> Agent" in row.inner_text() and row.locator("b").count() == 0  # text, not markup

    page.click("#tab-groups")
    page.locator("#group-create [name=lead_id] option", has_text=admin).first.wait_for(state="attached")
    create = page.locator("#group-create")
    create.locator("[name=name]").fill(group)
    create.locator("[name=lead_id]").select_option(str(admin_id))
    create.locator("button[type=submit]").click()
    page.locator("#group-status.ok", has_text=group).wait_for(timeout=10_000)
    group_row = page.locator(f"#group-rows tr[data-group='{group}']")
    group_row.locator(".add-member select").select_option(label=f"<b>Nina</b> Agent ({newcomer})")
    group_row.locator(".add-member button").click()
    page.locator("#group-status.ok", has_text="joined").wait_for(timeout=10_000)
    member = page.locator(f"#group-rows tr[data-group='{group}'] .members li", has_text=f"({newcomer})")
    assert member.count() == 1  # the status is shown once the table is drawn again

    page.click("#tab-users")
    page.locator(f"#user-rows tr[data-user='{newcomer}'] select").select_option("supervisor")
    page.locator("#user-status.ok", has_text=f"Changed {newcomer}").wait_for(timeout=10_000)
    page.locator(f"#user-rows tr[data-user='{newcomer}'] button", has_text="Disable").click()
    page.locator(f"#user-rows tr[data-user='{newcomer}'] .badge", has_text="Disabled").wait_for(
        timeout=10_000
    )
    assert page.locator(f"#user-rows tr[data-user='{newcomer}'] select").input_value() == "supervisor"
    with live_app.session_factory() as session:  # stored: the user can no longer sign in
        stored = session.scalars(select(User).where(User.username == newcomer)).one()
        assert (stored.role, stored.is_active) == (Role.SUPERVISOR, False)

    page.click("#tab-kb")
    page.locator("#kb-form [name=title]").fill(title)
    page.locator("#kb-form [name=body]").fill("Gift wrapping costs three dollars an item.")
    page.locator("#kb-form [name=tags]").fill("gifts, wrapping")
    page.locator("#kb-form [name=status]").select_option("published")
    page.locator("#kb-form button[type=submit]").click()
    page.locator("#kb-status.ok", has_text="version 1").wait_for(timeout=10_000)
    page.locator("#kb-form [name=title]").fill(title + " (cards)")
    page.locator("#kb-form button[type=submit]").click()
    page.locator("#kb-status.ok", has_text="version 2").wait_for(timeout=10_000)
    page.locator("#kb-rows tr", has_text=f"{title} (cards)").wait_for(timeout=10_000)
    found = httpx.get(f"{live_app.base_url}/api/kb/search", params={"q": f"Gift wrapping {suffix}"},
                      headers=_bearer(live_app, admin_id), timeout=10).json()  # fmt: skip
    assert f"{title} (cards)" in str(found)
    _shot(page, "admin-kb-en.png")
    page.locator("#kb-form [name=status]").select_option(
        "archived"
    )  # the other tests' searches stay as they were
    page.locator("#kb-form button[type=submit]").click()
    page.locator("#kb-status.ok", has_text="version 3").wait_for(timeout=10_000)

    page.click("#tab-audit")
    audit = page.locator("#audit-filter")
    audit.locator("[name=actor]").fill(admin)
    audit.locator("[name=action]").fill("PATCH /api/admin/users")
    audit.locator("button[type=submit]").click()
    poll_rows = page.locator("#audit-rows tr[data-audit]")
    poll_rows.first.wait_for(timeout=10_000)
    actions = poll_rows.all_inner_texts()
    assert len(actions) == 2 and all("PATCH /api/admin/users" in a and "200" in a for a in actions), actions

    page.goto(f"{live_app.base_url}/lang/zh?next=/admin%23groups")
    page.locator(f"#group-rows tr[data-group='{group}']").wait_for(timeout=10_000)
    assert page.locator("#tab-groups").inner_text() == "小组"
    _shot(page, "admin-groups-zh.png")
