"""Forged signatures, replays, malformed JSON/XML, unknown fields and huge bodies get 4xx and store
nothing. WeChat pushes are in safe mode (encrypted, signed over the body), the default."""

from __future__ import annotations

import json
import time
import uuid

import phonenumbers
import pytest
from channel_senders import safe_push, sha1_sorted, text_push
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tickets.channels.signing import webhook_signature
from tickets.conversations.models import Message
from tickets.customers.models import Customer

pytestmark = pytest.mark.integration


def counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count(Message.id))) or 0,
        session.scalar(select(func.count(Customer.id))) or 0,
    )


def signed(secret: str, body: bytes, ts: str | None = None) -> dict[str, str]:
    ts = ts or str(int(time.time()))
    return {
        "x-voxdesk-timestamp": ts,
        "x-voxdesk-signature": webhook_signature(secret, ts, body),
        "content-type": "application/json",
    }


def sms_body(**extra: object) -> bytes:
    while True:
        number = f"+1 312 {uuid.uuid4().int % 8_000_000 + 2_000_000}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number, "US")):
            break
    return json.dumps(
        {"from": number, "to": "+18005550100", "body": "hello", "id": uuid.uuid4().hex, **extra}
    ).encode()


def test_signed_sms_is_stored_once_even_when_the_gateway_retries(
    client: TestClient, session: Session, tickets_settings
) -> None:  # type: ignore[no-untyped-def]
    secret = tickets_settings.channels.sms_webhook_secret
    body = sms_body()
    before = counts(session)
    now = int(time.time())
    first = client.post("/api/channels/sms/inbound", content=body, headers=signed(secret, body, str(now)))
    # A retry is signed again (another timestamp): the same signed request twice is a replay. Taken
    # from before the first, not from the clock after it: a slow first answer (the FAQ bot loading its
    # model) made "a second ago" the first request's own timestamp.
    retry = client.post("/api/channels/sms/inbound", content=body, headers=signed(secret, body, str(now - 1)))
    assert first.status_code == 200 and retry.json() == first.json()
    assert counts(session) == (before[0] + 1, before[1] + 1)


@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("forged", 401, "signature does not match"),
        ("unsigned", 401, "missing signature"),
        ("stale", 401, "5 minutes"),
        ("not-json", 400, "not JSON"),
        ("unknown-field", 400, "Extra inputs"),
        ("huge", 413, "larger than"),
    ],
)
def test_bad_sms_webhooks_get_a_clear_4xx_and_nothing_is_stored(
    client: TestClient,
    session: Session,
    tickets_settings,
    case: str,
    status: int,
    words: str,  # type: ignore[no-untyped-def]
) -> None:
    secret = tickets_settings.channels.sms_webhook_secret
    body = {
        "not-json": b"{from: nope",
        "unknown-field": sms_body(priority="urgent"),
        "huge": sms_body(pad="x" * 10_000),
    }.get(case, sms_body())
    headers = {
        "forged": signed("not-the-secret", body),
        "unsigned": {"content-type": "application/json"},
        "stale": signed(secret, body, ts=str(int(time.time()) - 3600)),
    }.get(case, signed(secret, body))
    before = counts(session)
    response = client.post("/api/channels/sms/inbound", content=body, headers=headers)
    assert response.status_code == status and words in response.json()["detail"]
    assert counts(session) == before


def wechat_query(token: str, ts: str | None = None) -> str:
    ts, nonce = ts or str(int(time.time())), uuid.uuid4().hex[:10]
    return f"signature={sha1_sorted(token, ts, nonce)}&timestamp={ts}&nonce={nonce}"


def push(openid: str, content: str = "ni hao", msg_id: str = "1") -> bytes:
    return text_push(openid, content, msg_id)


def test_wechat_url_check_echoes_only_for_a_valid_signature(client: TestClient, tickets_settings) -> None:  # type: ignore[no-untyped-def]
    token = tickets_settings.channels.wechat_token
    query = wechat_query(token)
    ok = client.get(f"/api/channels/wechat?{query}&echostr=abc123")
    assert ok.status_code == 200 and ok.text == "abc123"
    assert client.get(f"/api/channels/wechat?{wechat_query('wrong')}&echostr=abc123").status_code == 401
    assert client.get(f"/api/channels/wechat?{query}&echostr=abc123").status_code == 409  # replay


def test_wechat_text_push_is_stored_once_per_msgid(
    client: TestClient, session: Session, tickets_settings
) -> None:  # type: ignore[no-untyped-def]
    ch = tickets_settings.channels
    openid, msg_id = f"o{uuid.uuid4().hex}", str(uuid.uuid4().int)[:18]
    before = counts(session)
    for _ in range(2):  # WeChat retries with a new nonce; the MsgId says it is the same message
        sent = safe_push(
            ch.wechat_token, ch.wechat_encoding_aes_key, ch.wechat_app_id, push(openid, msg_id=msg_id)
        )
        response = client.post(f"/api/channels/wechat?{sent.query}", content=sent.body)
        assert response.status_code == 200 and response.text == "success"
    assert counts(session) == (before[0] + 1, before[1] + 1)


@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("forged", 401, "msg_signature"),
        ("other-app", 401, "AppID"),
        ("plain", 401, "safe mode"),
        ("malformed", 400, "malformed XML"),
        ("entities", 400, "malformed XML"),
        ("unknown-field", 400, "unknown field <Admin>"),
        ("huge", 413, "larger than"),
    ],
)
def test_bad_wechat_pushes_get_a_clear_4xx_and_nothing_is_stored(
    client: TestClient,
    session: Session,
    tickets_settings,
    case: str,
    status: int,
    words: str,  # type: ignore[no-untyped-def]
) -> None:
    ch = tickets_settings.channels
    openid = f"o{uuid.uuid4().hex}"
    token, key, app_id = ch.wechat_token, ch.wechat_encoding_aes_key, ch.wechat_app_id
    xml = (
        push(openid).replace(b"</xml>", b"<Admin>1</Admin></xml>")
        if case == "unknown-field"
        else push(openid)
    )
    sent = safe_push(
        "forged-token" if case == "forged" else token, key, "wxother" if case == "other-app" else app_id, xml
    )
    query, body = sent.query, sent.body
    if case == "plain":
        query, body = wechat_query(token), xml
    body = {
        "malformed": b"<xml><ToUserName>gh</ToUserName><Encrypt>",
        "entities": b'<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<xml><Encrypt>&b;</Encrypt></xml>",
        "huge": b"<xml><Encrypt>" + b"x" * 10_000 + b"</Encrypt></xml>",
    }.get(case, body)
    before = counts(session)
    response = client.post(f"/api/channels/wechat?{query}", content=body)
    assert response.status_code == status and words in response.json()["detail"]
    assert counts(session) == before
