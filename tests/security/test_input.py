"""Issue 9, input: ids in the database's range, no surrogates or non-finite numbers, strict write schemas."""

from __future__ import annotations

import re
from typing import Any

import pytest
from security_helpers import SecureApp

pytestmark = pytest.mark.integration

MAX_DB_ID = 2**31 - 1
# Signed webhooks that providers post to: their payloads grow fields we do not know, on purpose lenient.
PROVIDER_WEBHOOKS = re.compile(r"^/(api/)?(channels|webhooks/in|alerts/webhook)")


def _operations(secure_app: SecureApp) -> list[tuple[str, str, dict[str, Any]]]:
    spec = secure_app.client.get("/openapi.json").json()
    return [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def _schema(secure_app: SecureApp, ref: dict[str, Any]) -> dict[str, Any]:
    spec = secure_app.client.get("/openapi.json").json()
    if "$ref" not in ref:
        return ref
    return spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]  # type: ignore[no-any-return]


def test_every_id_parameter_is_bounded_to_the_databases_range(secure_app: SecureApp) -> None:
    unbounded = []
    for path, method, op in _operations(secure_app):
        for param in op.get("parameters", []):
            if not (param["name"] == "id" or param["name"].endswith("_id")):
                continue
            schema = param["schema"]
            options = schema.get("anyOf", [schema])
            ints = [s for s in options if s.get("type") == "integer"]
            if ints and not all(s.get("maximum", 2**63) <= MAX_DB_ID and "minimum" in s for s in ints):
                unbounded.append(f"{method.upper()} {path} {param['name']}")
    assert unbounded == [], "\n".join(unbounded)


def test_an_id_past_64_bits_answers_422_on_every_route(secure_app: SecureApp) -> None:
    headers = secure_app.bearer("admin")
    failures = []
    for path, method, op in _operations(secure_app):
        params = [p for p in op.get("parameters", []) if p["in"] == "path"]
        names = [p["name"] for p in params]
        ids = [p["name"] for p in params if p["schema"].get("type") == "integer"]
        if not ids or method not in {"get", "post", "put", "patch", "delete"}:
            continue
        url = path
        for name in names:
            url = url.replace("{" + name + "}", str(2**64) if name in ids else "x")
        answer = secure_app.client.request(method, url, headers=headers, json={})
        if answer.status_code != 422:
            failures.append(f"{method.upper()} {url} -> {answer.status_code}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("body", [
    '{"body": "refund \\ud800 please"}',
    '{"body": "\\udfff"}',
])  # fmt: skip
def test_a_lone_surrogate_in_text_is_refused_with_422(secure_app: SecureApp, body: str) -> None:
    headers = {**secure_app.bearer("admin"), "content-type": "application/json"}
    subject = body.replace('"body"', '"subject"')
    answer = secure_app.client.post("/api/tickets", content=subject, headers=headers)
    assert answer.status_code == 422, answer.text
    answer = secure_app.client.post("/api/conversations/1/replies", content=body, headers=headers)
    assert answer.status_code == 422, answer.text


def test_a_surrogate_pair_is_still_an_emoji(secure_app: SecureApp) -> None:
    headers = {**secure_app.bearer("admin"), "content-type": "application/json"}
    answer = secure_app.client.post("/api/tickets", content='{"subject": "broken \\ud83d\\ude00"}',
                                    headers=headers)  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert answer.json()["subject"] == "broken \U0001f600"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e999"])
def test_a_non_finite_number_is_refused_with_422(secure_app: SecureApp, number: str) -> None:
    headers = {**secure_app.bearer("admin"), "content-type": "application/json"}
    body = f'{{"name": "p", "first_response_minutes": {number}, "resolution_minutes": 60}}'
    answer = secure_app.client.post("/api/desk/sla/policies", content=body, headers=headers)
    assert answer.status_code == 422, answer.text
    body = f'{{"subject": "s", "custom_fields": {{"weight": {number}}}}}'  # a float with no bounds
    answer = secure_app.client.post("/api/tickets", content=body, headers=headers)
    assert answer.status_code == 422, answer.text


def test_every_write_schema_refuses_unknown_fields(secure_app: SecureApp) -> None:
    lenient = []
    for path, method, op in _operations(secure_app):
        if method not in {"post", "put", "patch"} or PROVIDER_WEBHOOKS.match(path):
            continue
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            continue
        schema = _schema(secure_app, content["schema"])
        if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
            lenient.append(f"{method.upper()} {path} ({schema.get('title')})")
    assert lenient == [], "\n".join(lenient)


def test_a_put_of_a_junk_body_does_not_erase_an_agents_skills_and_queues(secure_app: SecureApp) -> None:
    headers = secure_app.bearer("supervisor")
    url = f"/api/agents/{secure_app.ids['agent1']}/profile"
    answer = secure_app.client.put(url, json={"skilz": {"billing": 5}}, headers=headers)
    assert answer.status_code == 422, answer.text
    answer = secure_app.client.put(url, json={"skills": {"billing": 5}}, headers=headers)
    assert answer.status_code == 422, answer.text  # queues missing: a PUT replaces the whole profile
