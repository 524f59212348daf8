"""Signing in to the console in Chromium, per role, in English and Chinese: each role lands on its own
page, a page of another role shows the forbidden page (403), a wrong password says so, and signing out
ends the session (the page asks to sign in again)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from config.accounts import create_user
from config.models import Role

PASSWORD = "console-Sign-in-9x-long"
ARTIFACTS = Path(os.environ.get("VOXDESK_ARTIFACTS", Path(__file__).parents[2] / "artifacts")) / "screenshots"
HOMES = {Role.AGENT: "/agent", Role.SUPERVISOR: "/supervisor", Role.QA_MANAGER: "/qa",
         Role.ADMIN: "/admin"}  # fmt: skip
WRONG_PAGE = {Role.AGENT: "/supervisor", Role.SUPERVISOR: "/agent", Role.QA_MANAGER: "/agent",
              Role.ADMIN: "/agent"}  # fmt: skip
FORBIDDEN = {"en": "This page is not for your role", "zh": "您的角色无权打开此页面"}
SIGN_IN = {"en": "Sign in to Voxdesk", "zh": "登录 Voxdesk"}
WRONG = {"en": "Wrong username or password.", "zh": "用户名或密码错误。"}


def _user(live_app: Any, role: Role) -> str:
    username = f"{role.value}-{uuid.uuid4().hex[:6]}"
    with live_app.session_factory() as session:
        create_user(session, username, username, role, PASSWORD)
        session.commit()
    return username


@pytest.fixture(params=["en", "zh"])
def page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1366, "height": 768},
                                   locale="zh-CN" if request.param == "zh" else "en-US")  # fmt: skip
    try:
        yield context.new_page()
    finally:
        context.close()


def _language(page: Page) -> str:
    return "zh" if page.context.pages[0].evaluate("navigator.language").startswith("zh") else "en"


def _sign_in(page: Page, username: str, password: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.keyboard.press("Enter")  # the form works from the keyboard


@pytest.mark.parametrize("role", list(Role))
def test_each_role_signs_in_to_its_page_and_meets_the_forbidden_page_elsewhere(
    live_app: Any, page: Page, role: Role
) -> None:
    language = _language(page)
    username = _user(live_app, role)
    page.goto(f"{live_app.base_url}/")
    page.get_by_role("heading", name=SIGN_IN[language]).wait_for()
    if role is Role.AGENT:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"login-{language}.png"))
    _sign_in(page, username, "not-the-password-at-all")
    page.get_by_text(WRONG[language]).wait_for()
    _sign_in(page, username, PASSWORD)
    page.wait_for_url(f"**{HOMES[role]}")

    answer = page.goto(f"{live_app.base_url}{WRONG_PAGE[role]}")
    assert answer is not None and answer.status == 403
    page.get_by_role("heading", name=FORBIDDEN[language]).wait_for()
    if role is Role.SUPERVISOR:
        page.screenshot(path=str(ARTIFACTS / f"forbidden-{language}.png"))
    page.get_by_role("link", name={"en": "Go to my page", "zh": "返回我的页面"}[language]).click()
    page.wait_for_url(f"**{HOMES[role]}")

    page.get_by_role("link", name={"en": "Sign out", "zh": "退出登录"}[language]).click()
    page.get_by_text({"en": "You are signed out.", "zh": "您已退出登录。"}[language]).wait_for()
    page.goto(f"{live_app.base_url}{HOMES[role]}")
    page.get_by_role("heading", name=SIGN_IN[language]).wait_for()  # the session is gone
