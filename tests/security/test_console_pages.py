"""The console's pages: sign-in first, each role's home, the forbidden page, both languages, escaping."""

from __future__ import annotations

import json
from html.parser import HTMLParser

from security_helpers import PASSWORDS, SecureApp

from web.console.i18n import LANGUAGES, catalogue


class _Boot(HTMLParser):
    boot: dict[str, object] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.boot = json.loads(dict(attrs)["data-boot"] or "{}")


def boot_of(page: str) -> dict[str, object]:
    parser = _Boot()
    parser.feed(page)
    return parser.boot


def sign_in(app: SecureApp, username: str) -> None:
    answer = app.client.post("/api/auth/token", json={"username": username, "password": PASSWORDS[username]})
    assert answer.status_code == 200, answer.text


def test_a_visitor_is_sent_to_sign_in_and_back_to_the_page_they_asked_for(secure_app: SecureApp) -> None:
    answer = secure_app.client.get("/agent?x=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fagent%3Fx%3D1"
    login = secure_app.client.get(answer.headers["location"])
    assert login.status_code == 200 and 'data-next="/agent?x=1"' in login.text
    assert secure_app.client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_sign_in_never_redirects_off_the_site(secure_app: SecureApp) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        page = secure_app.client.get("/login", params={"next": target}).text
        assert 'data-next="/"' in page
    answer = secure_app.client.get("/lang/zh", params={"next": "//evil.example"}, follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_each_role_lands_on_its_own_page_and_a_wrong_role_gets_the_forbidden_page(
    secure_app: SecureApp,
) -> None:
    sign_in(secure_app, "agent1")
    assert secure_app.client.get("/", follow_redirects=False).headers["location"] == "/agent"
    forbidden = secure_app.client.get("/supervisor", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert forbidden.status_code == 403
    assert "您的角色无权打开此页面" in forbidden.text and "坐席" in forbidden.text
    assert boot_of(forbidden.text)["lang"] == "zh"


def test_the_language_follows_the_browser_and_the_switch_overrides_it(secure_app: SecureApp) -> None:
    page = secure_app.client.get("/login", headers={"accept-language": "fr-FR,zh;q=0.8,en;q=0.5"})
    assert page.headers["content-language"] == "zh" and "登录 Voxdesk" in page.text
    secure_app.client.get("/lang/en", follow_redirects=False)
    page = secure_app.client.get("/login", headers={"accept-language": "zh-CN"})
    assert page.headers["content-language"] == "en" and "Sign in to Voxdesk" in page.text


def test_both_catalogues_have_the_same_strings_with_the_same_placeholders() -> None:
    english, chinese = catalogue("en"), catalogue("zh")
    assert set(english) == set(chinese)
    for key, text in english.items():
        assert sorted(part.split("}")[0] for part in text.split("{")[1:]) == sorted(
            part.split("}")[0] for part in chinese[key].split("{")[1:]
        ), key
    assert LANGUAGES == ("en", "zh")


def test_the_boot_data_is_escaped_into_an_attribute(secure_app: SecureApp) -> None:
    page = secure_app.client.get("/login", params={"next": '/x"><script>alert(1)</script>'}).text
    assert "<script>alert(1)" not in page
    assert boot_of(page)["page"] == "login"
