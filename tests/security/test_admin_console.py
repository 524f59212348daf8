"""The admin page and the routes it added: admins only, broken YAML a clear 422 (never a 500), the
admin's text escaped wherever it is shown, and the page itself only for admins."""

from __future__ import annotations

from pathlib import Path

import pytest
from security_helpers import SecureApp

from qa.compliance.store import DEFAULT_RULES_FILE

ROUTING_RULES = "default_queue: general\nrules: []\n"
NOT_ADMINS = ("supervisor", "agent1", "qa")
NEW_ROUTES = [
    ("post", "/api/admin/compliance-rules/check",
     {"yaml": "rules: []\n", "text": "hello", "speaker": "agent", "channel": "webchat"}),
    ("post", "/api/routing/rules/validate", {"yaml": ROUTING_RULES}),
    ("post", "/api/ivr/flows/main/validate", {"yaml": "name: main\n"}),
    ("get", "/api/admin/users", None),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body"), NEW_ROUTES)
def test_only_admins_reach_the_admin_pages_routes(
    secure_app: SecureApp, method: str, path: str, body: object
) -> None:
    for user in NOT_ADMINS:
        answer = getattr(secure_app.client, method)(
            path, headers=secure_app.bearer(user), **({} if body is None else {"json": body})
        )
        assert answer.status_code == 403, (user, path, answer.text)
    anonymous = getattr(secure_app.client, method)(path, **({} if body is None else {"json": body}))
    assert anonymous.status_code == 401


def test_the_admin_page_is_forbidden_to_other_roles_and_home_for_admins(secure_app: SecureApp) -> None:
    for user in NOT_ADMINS:
        page = secure_app.client.get("/admin", headers=secure_app.bearer(user))
        assert page.status_code == 403, user
    admin = secure_app.bearer("admin")
    page = secure_app.client.get("/admin", headers=admin)
    assert page.status_code == 200 and 'src="/static/console/admin.js"' in page.text
    assert "<script>" not in page.text.split("</head>")[1]  # no inline script (the CSP forbids it)
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert secure_app.client.get("/", headers=admin, follow_redirects=False).headers["location"] == "/admin"
    chinese = secure_app.client.get("/admin", headers={**admin, "accept-language": "zh-CN"})
    assert "合规规则" in chinese.text and "审计日志" in chinese.text


@pytest.mark.parametrize(
    "text",
    ["rules: [", "rules:\n  - id: x\n    kind: forbidden\n", "\x00", "rules: 5", "- just a list", "a: b: c"],
)
def test_broken_compliance_yaml_in_the_try_box_is_a_clear_422(secure_app: SecureApp, text: str) -> None:
    answer = secure_app.client.post(
        "/api/admin/compliance-rules/check",
        json={"yaml": text, "text": "hello", "speaker": "agent"},
        headers=secure_app.bearer("admin"),
    )
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail["problems"] and all(isinstance(p, str) and p for p in detail["problems"])


def test_the_try_box_checks_rules_that_are_not_saved_and_saves_nothing(secure_app: SecureApp) -> None:
    rules = (
        "rules:\n  - id: no-free-upgrades\n    kind: forbidden\n    action: block\n"
        "    examples: [I will give you a free upgrade to business class]\n"
    )
    answer = secure_app.client.post(
        "/api/admin/compliance-rules/check",
        json={
            "yaml": rules,
            "text": "I can give you a free upgrade to business class.",
            "channel": "webchat",
        },
        headers=secure_app.bearer("admin"),
    )
    assert answer.status_code == 200, answer.text
    assert [(f["rule_id"], f["action"]) for f in answer.json()] == [("no-free-upgrades", "block")]
    assert not (secure_app.data_dir / "compliance_rules.yaml").exists()
    in_effect = secure_app.client.get("/api/admin/compliance-rules", headers=secure_app.bearer("admin"))
    assert in_effect.json()["yaml"] == DEFAULT_RULES_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "body",
    ['{"yaml": "rules: ["}', '{"yaml": "default_queue: nowhere\\nrules: []"}', '{"yaml": "\\udcff"}',
     '{"yaml": "rules: {}"}', '{"yaml": "rules: []\\n\\u0000"}'],
)  # fmt: skip
def test_broken_routing_yaml_is_a_clear_422(secure_app: SecureApp, body: str) -> None:
    headers = {**secure_app.bearer("admin"), "content-type": "application/json"}
    answer = secure_app.client.post("/api/routing/rules/validate", content=body, headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]


def test_a_valid_routing_file_validates_with_its_queues(secure_app: SecureApp) -> None:
    answer = secure_app.client.post(
        "/api/routing/rules/validate", json={"yaml": ROUTING_RULES}, headers=secure_app.bearer("admin")
    )
    assert answer.status_code == 200 and "general" in answer.json()["queues"]


def test_broken_ivr_yaml_is_a_clear_422_naming_the_node(secure_app: SecureApp) -> None:
    admin = secure_app.bearer("admin")
    flow = secure_app.client.get("/api/ivr/flows/main", headers=admin).json()["yaml"]
    broken = flow.replace("next: choose_language", "next: nowhere", 1)
    answer = secure_app.client.post("/api/ivr/flows/main/validate", json={"yaml": broken}, headers=admin)
    assert answer.status_code == 422
    assert {"node": "welcome", "reason": "next goes to 'nowhere', which is not a node"} in answer.json()[
        "detail"
    ]["problems"]
    for text in ("nodes: [", "\x00", "name: main\nstart: a\nnodes: {a: {type: menu}}\n"):
        answer = secure_app.client.post("/api/ivr/flows/main/validate", json={"yaml": text}, headers=admin)
        assert answer.status_code == 422, (text, answer.text)


def test_the_flow_diagram_carries_node_ids_as_data_for_the_page_to_write_as_text(
    secure_app: SecureApp,
) -> None:
    """A node id or keyword with markup comes back as plain JSON data; the page draws it with
    textContent (never innerHTML), so it shows as text."""
    admin = secure_app.bearer("admin")
    flow = secure_app.client.get("/api/ivr/flows/main", headers=admin).json()["yaml"]
    markup = "<img src=x onerror=alert(1)>"
    sneaky = flow.replace("keywords: [message, voicemail, mensaje]", f'keywords: ["{markup}"]')
    assert sneaky != flow
    answer = secure_app.client.post("/api/ivr/flows/main/validate", json={"yaml": sneaky}, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    diagram = answer.json()["diagram"]
    assert diagram["start"] == "welcome" and any(n["id"] == "opening_hours" for n in diagram["nodes"])
    option = next(e for e in diagram["edges"] if e["source"] == "closed_menu" and e["dtmf"] == "1")
    assert option["keywords"] == [markup] and option["target"] == "leave_message"


def test_the_user_list_names_every_user_and_never_a_secret(secure_app: SecureApp) -> None:
    answer = secure_app.client.get("/api/admin/users", headers=secure_app.bearer("admin"))
    assert answer.status_code == 200
    users = answer.json()
    assert {u["username"] for u in users} >= {"admin", "supervisor", "agent1", "agent2", "qa"}
    assert set(users[0]) == {"id", "username", "display_name", "role", "is_active"}
    assert "hash" not in answer.text and "argon" not in answer.text


def test_admin_js_never_writes_html_from_data() -> None:
    static = Path(__file__).resolve().parents[2] / "web" / "console" / "static"
    for script in static.glob("admin*.js"):
        code = script.read_text(encoding="utf-8")
        assert "innerHTML" not in code and "insertAdjacentHTML" not in code and "outerHTML" not in code, (
            script
        )
