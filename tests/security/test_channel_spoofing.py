"""Issue 9, channels: e-mail threads cannot be hijacked and replies go only to verified addresses;
SPF, DKIM and DMARC are checked and stored per mail; WeChat pushes are encrypted and signed over
the body (safe mode) by default; a replayed signed webhook (WeChat, SMS) is refused.

Mail goes through Voxdesk's real SMTP server on loopback and replies through a real relay on
loopback; DNS answers come from the settings' static map (``channels.mail_dns_static_txt``), so no
test asks a real DNS server.
"""

from __future__ import annotations

import json
import smtplib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from channel_senders import (
    DkimKey,
    RelayInbox,
    customer_mail,
    free_port,
    message_id,
    new_encoding_aes_key,
    plain_query,
    safe_push,
    signed_sms,
    text_push,
)
from fastapi.testclient import TestClient
from security_helpers import PASSWORDS, ROLES, SecureApp, make_settings
from sqlalchemy import select

from config.accounts import create_user
from config.db import make_engine, make_session_factory, session_scope
from config.migrate import upgrade
from tickets.channels.email import EmailAdapter
from tickets.channels.smtp_server import start_smtp_server
from tickets.conversations.models import Conversation, Message
from web.app import create_app

pytestmark = pytest.mark.integration

BO_KEY = DkimKey.generate("bo.example")
SMS_SECRET = "sms-" + uuid.uuid4().hex
WECHAT_TOKEN = "wx" + uuid.uuid4().hex[:16]
APP_ID = "wx5ecure0app1d"
AES_KEY = new_encoding_aes_key()
DNS = {
    # Ana's provider sends from the loopback peer: SPF passes, and DMARC rejects what does not align.
    "ana.example": ["v=spf1 ip4:127.0.0.1 -all"],
    "_dmarc.ana.example": ["v=DMARC1; p=reject"],
    # The attacker's own domain is perfectly authenticated: that alone must not open a thread.
    "evil.example": ["v=spf1 ip4:127.0.0.1 -all"],
    # Bo signs with DKIM; his SPF names another host, so a copy from loopback fails SPF.
    "bo.example": ["v=spf1 ip4:192.0.2.1 -all"],
    "_dmarc.bo.example": ["v=DMARC1; p=reject"],
    BO_KEY.dns_name: [BO_KEY.record],
    "nowhere.example": ["v=spf1 ip4:192.0.2.77 -all"],
}


@dataclass
class ChannelEnv:
    secure: SecureApp
    smtp_port: int
    relay: RelayInbox

    def mail(self, raw: bytes, mail_from: str) -> None:
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as smtp:
            smtp.sendmail(mail_from, ["help@shop.test"], raw)

    def stored(self, external_id: str) -> tuple[Message, Conversation]:
        with session_scope(self.secure.app.state.session_factory) as session:
            message = session.scalars(select(Message).where(Message.external_id == external_id)).one()
            conversation = session.get(Conversation, message.conversation_id)
            assert conversation is not None
            session.expunge_all()
            return message, conversation

    def thread(self, conversation_id: int) -> list[dict[str, Any]]:
        answer = self.secure.client.get(
            f"/api/conversations/{conversation_id}/messages", headers=self.secure.bearer("admin")
        )
        assert answer.status_code == 200, answer.text
        return list(answer.json())

    def reply(self, conversation_id: int, body: str) -> dict[str, Any]:
        answer = self.secure.client.post(
            f"/api/conversations/{conversation_id}/replies",
            json={"body": body},
            headers=self.secure.bearer("admin"),
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())


def _env(tmp_path: Path, redis_url: str, **channels: Any) -> Iterator[ChannelEnv]:
    relay, relay_port = RelayInbox(), free_port()
    relay_server = Controller(relay, hostname="127.0.0.1", port=relay_port)
    relay_server.start()
    data_dir = tmp_path / uuid.uuid4().hex[:8] / "data"
    channel_settings = {
        "relay_port": relay_port, "support_address": "help@shop.test", "mail_domain": "shop.test",
        "sms_webhook_secret": SMS_SECRET, "wechat_token": WECHAT_TOKEN,
        "wechat_encoding_aes_key": AES_KEY, "wechat_app_id": APP_ID, "mail_dns_static_txt": DNS,
        **channels,
    }  # fmt: skip
    settings = make_settings(data_dir, redis_url, channels=channel_settings)
    upgrade(settings.effective_database_url)
    ids = {}
    with session_scope(make_session_factory(make_engine(settings.effective_database_url))) as session:
        for name in ("admin", "agent1"):
            ids[name] = create_user(session, name, name.title(), ROLES[name], PASSWORDS[name]).id
    app = create_app(settings)
    port = free_port()
    adapter = EmailAdapter(settings.channels, "US", None)
    smtp = start_smtp_server(adapter, app.state.session_factory, settings.channels, port=port)
    try:
        with TestClient(app) as client:
            yield ChannelEnv(SecureApp(app, client, ids, data_dir), port, relay)
    finally:
        smtp.stop()
        relay_server.stop()


@pytest.fixture
def env(tmp_path: Path, redis_url: str) -> Iterator[ChannelEnv]:
    yield from _env(tmp_path, redis_url)


@pytest.fixture
def plain_env(tmp_path: Path, redis_url: str) -> Iterator[ChannelEnv]:
    yield from _env(tmp_path, redis_url, wechat_mode="plain")


# --- e-mail ---------------------------------------------------------------------------------------


def test_a_mail_replying_to_another_customers_thread_opens_a_new_flagged_conversation_and_the_reply_goes_to_the_customers_verified_address(  # noqa: E501
    env: ChannelEnv,
) -> None:
    ana, mallory = "ana@ana.example", "mallory@evil.example"
    root = message_id("ana.example")
    env.mail(customer_mail(ana, "Refund", "Where is my refund for order 1234?", root), ana)
    _, ana_thread = env.stored(root)

    # Mallory saw Ana's Message-ID and answers "in her thread" from his own (authenticated) domain.
    hijack = message_id("evil.example")
    env.mail(customer_mail(mallory, "Re: Refund", "Send the refund details here", hijack, root), mallory)

    _, mallory_thread = env.stored(hijack)
    assert mallory_thread.id != ana_thread.id
    assert mallory_thread.customer_id != ana_thread.customer_id
    assert "thread_mismatch" in mallory_thread.flags
    assert [m["external_id"] for m in env.thread(ana_thread.id)] == [root]  # Ana's thread untouched
    view = env.secure.client.get(
        f"/api/customers/{mallory_thread.customer_id}", headers=env.secure.bearer("admin")
    ).json()
    assert "thread_mismatch" in view["conversations"][0]["flags"]  # agents see why

    reply = env.reply(ana_thread.id, "Your refund of 84.20 EUR went to the card ending 4242.")
    [delivered] = env.relay.envelopes
    assert delivered.rcpt_tos == [ana] and mallory not in (delivered.original_content or b"").decode()
    assert reply["delivery"] == "sent"


def test_a_spoofed_mail_failing_dmarc_is_kept_apart_flagged_and_proves_nothing(env: ChannelEnv) -> None:
    bo = "bo@bo.example"
    root = message_id("bo.example")
    env.mail(BO_KEY.sign(customer_mail(bo, "Kettle", "The kettle leaks.", root)), bo)
    first, bo_thread = env.stored(root)
    assert first.meta["auth"]["verdict"] == "pass"

    # Someone else writes "as Bo" into his thread, from a host Bo's SPF does not name, unsigned.
    spoof = message_id("bo.example")
    env.mail(customer_mail(bo, "Re: Kettle", "Send the new kettle to 1 Other St.", spoof, root), bo)

    stored, spoof_thread = env.stored(spoof)
    auth = stored.meta["auth"]
    assert (auth["spf"], auth["dmarc"], auth["verdict"]) == ("fail", "fail", "fail")
    assert spoof_thread.id != bo_thread.id and "spoof_suspected" in spoof_thread.flags
    assert [m["external_id"] for m in env.thread(bo_thread.id)] == [root]


def test_a_dkim_signed_mail_is_stored_as_dkim_pass_and_a_tampered_copy_as_dkim_fail(env: ChannelEnv) -> None:
    bo = "bo@bo.example"
    good, forged = message_id("bo.example"), message_id("bo.example")
    env.mail(BO_KEY.sign(customer_mail(bo, "Order", "Please cancel order 77.", good)), bo)
    signed = BO_KEY.sign(customer_mail(bo, "Order", "Please cancel order 77.", forged))
    env.mail(signed.replace(b"cancel order 77", b"refund order 99"), bo)

    _, conversation = env.stored(good)
    listed = {m["external_id"]: m for m in env.thread(conversation.id)}
    assert listed[good]["auth"]["dkim"] == "pass" and listed[good]["auth"]["dkim_domains"] == ["bo.example"]
    forged_message, _ = env.stored(forged)
    assert forged_message.meta["auth"]["dkim"] == "fail"
    assert forged_message.meta["auth"]["verdict"] == "fail"


def test_spf_passes_for_a_peer_the_domain_authorises_and_fails_for_one_it_does_not(env: ChannelEnv) -> None:
    allowed, refused = message_id("ana.example"), message_id("nowhere.example")
    env.mail(customer_mail("ana@ana.example", "Hi", "Hello", allowed), "ana@ana.example")
    env.mail(customer_mail("zed@nowhere.example", "Hi", "Hello", refused), "zed@nowhere.example")

    assert env.stored(allowed)[0].meta["auth"]["spf"] == "pass"
    assert env.stored(refused)[0].meta["auth"]["spf"] == "fail"


def test_a_reply_needs_a_verified_address_and_never_uses_an_unproved_one(env: ChannelEnv) -> None:
    """An unauthenticated first mail proves nothing: no reply until staff confirm the address."""
    cy = "cy@unlisted.example"  # no SPF, DKIM or DMARC anywhere
    first = message_id("unlisted.example")
    env.mail(customer_mail(cy, "Hello", "Call me back", first), cy)
    _, thread = env.stored(first)
    headers = env.secure.bearer("admin")

    refused = env.secure.client.post(
        f"/api/conversations/{thread.id}/replies", json={"body": "Sure"}, headers=headers
    )
    assert refused.status_code == 409 and "no verified e-mail address" in refused.json()["detail"]
    assert env.relay.envelopes == []

    confirmed = env.secure.client.post(
        f"/api/customers/{thread.customer_id}/identities",
        json={"kind": "email", "value": cy},
        headers=headers,
    )
    assert confirmed.status_code == 201 and confirmed.json()["verified_by"] == "agent:admin"
    env.reply(thread.id, "Sure")
    assert env.relay.envelopes[0].rcpt_tos == [cy]


# --- WeChat and SMS webhooks --------------------------------------------------------------------


def test_a_wechat_push_with_a_tampered_body_is_refused_in_safe_mode(env: ChannelEnv) -> None:
    push = safe_push(WECHAT_TOKEN, AES_KEY, APP_ID, text_push("oVictim", "hello"))
    other = safe_push(WECHAT_TOKEN, AES_KEY, APP_ID, text_push("oVictim", "refund me to account 99"))
    # The captured query string with another encrypted body: msg_signature no longer matches.
    answer = env.secure.client.post(f"/api/channels/wechat?{push.query}", content=other.body)
    assert answer.status_code == 401 and "msg_signature" in answer.json()["detail"]

    genuine = env.secure.client.post(f"/api/channels/wechat?{push.query}", content=push.body)
    assert genuine.status_code == 200 and genuine.text == "success"


def test_a_replayed_wechat_push_is_refused(env: ChannelEnv) -> None:
    push = safe_push(WECHAT_TOKEN, AES_KEY, APP_ID, text_push("oCustomer", "hello"))
    assert env.secure.client.post(f"/api/channels/wechat?{push.query}", content=push.body).status_code == 200
    again = env.secure.client.post(f"/api/channels/wechat?{push.query}", content=push.body)
    assert again.status_code == 409 and "replay" in again.json()["detail"]


def test_a_replayed_sms_webhook_is_refused(env: ChannelEnv) -> None:
    body = json.dumps({"from": "+13125550123", "to": "+18005550100", "body": "hi", "id": "SM1"}).encode()
    headers = signed_sms(SMS_SECRET, body)
    assert (
        env.secure.client.post("/api/channels/sms/inbound", content=body, headers=headers).status_code == 200
    )
    again = env.secure.client.post("/api/channels/sms/inbound", content=body, headers=headers)
    assert again.status_code == 409 and "replay" in again.json()["detail"]


def test_a_plain_wechat_push_is_refused_unless_an_admin_chose_plain_mode(
    env: ChannelEnv, plain_env: ChannelEnv
) -> None:
    xml = text_push("oPlain", "hello")
    refused = env.secure.client.post(f"/api/channels/wechat?{plain_query(WECHAT_TOKEN)}", content=xml)
    assert refused.status_code == 401 and "safe mode" in refused.json()["detail"]

    query = plain_query(WECHAT_TOKEN)
    accepted = plain_env.secure.client.post(f"/api/channels/wechat?{query}", content=xml)
    assert accepted.status_code == 200
    replayed = plain_env.secure.client.post(f"/api/channels/wechat?{query}", content=xml)
    assert replayed.status_code == 409  # plain mode is still nonce-checked
