"""Webhook signatures, WeChat XML and safe mode, SMS JSON, e-mail parsing and authentication refuse
what they must."""

from __future__ import annotations

import hashlib
import time

import pytest
from channel_senders import DkimKey, new_encoding_aes_key, safe_push, text_push

from tickets.channels.email import parse_email
from tickets.channels.exceptions import PayloadError, SignatureError
from tickets.channels.mail_auth import authenticate_mail
from tickets.channels.mail_dns import DnsTemporaryError, StaticResolver
from tickets.channels.signing import read_token, sign_token, verify_webhook, webhook_signature
from tickets.channels.sms import parse_sms_webhook
from tickets.channels.wechat import (
    WeChatAccount,
    build_reply_xml,
    open_wechat_push,
    parse_wechat_xml,
    verify_wechat_signature,
)
from tickets.channels.wechat_crypto import (
    aes_key_of,
    encrypted_part,
    generate_encoding_aes_key,
    msg_signature,
)


def test_webhook_signature_round_trips_and_a_changed_body_fails() -> None:
    ts = str(int(time.time()))
    sig = webhook_signature("s3cret", ts, b'{"a":1}')
    verify_webhook("s3cret", ts, sig, b'{"a":1}')
    with pytest.raises(SignatureError):
        verify_webhook("s3cret", ts, sig, b'{"a":2}')


def test_old_webhook_timestamps_are_refused_even_when_signed() -> None:
    old = str(int(time.time()) - 3600)
    with pytest.raises(SignatureError, match="5 minutes"):
        verify_webhook("s3cret", old, webhook_signature("s3cret", old, b"x"), b"x")


def test_tokens_are_bound_to_their_purpose_and_expire() -> None:
    token = sign_token("k", "webchat-visitor", "abc", 60)
    assert read_token("k", "webchat-visitor", token) == "abc"
    with pytest.raises(SignatureError):
        read_token("k", "csat-survey", token)
    with pytest.raises(SignatureError, match="expired"):
        read_token("k", "webchat-visitor", token, now=time.time() + 120)


def test_wechat_signature_is_sha1_of_sorted_token_timestamp_nonce() -> None:
    ts, nonce = str(int(time.time())), "n0nce"
    expected = hashlib.sha1("".join(sorted(["tok", ts, nonce])).encode()).hexdigest()  # noqa: S324 - WeChat defines sha1
    verify_wechat_signature("tok", expected, ts, nonce)
    with pytest.raises(SignatureError):
        verify_wechat_signature("other", expected, ts, nonce)


def test_wechat_text_push_is_read() -> None:
    push = parse_wechat_xml(
        b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser123]]></FromUserName>"
        b"<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi <b>]]></Content>"
        b"<MsgId>42</MsgId></xml>"
    )
    assert (push.from_user, push.content, push.msg_id) == ("oUser123", "hi <b>", "42")


@pytest.mark.parametrize(
    "raw",
    [
        b"<xml><ToUserName>a",
        b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><ToUserName>&a;</ToUserName></xml>',
        b"<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><MsgType>text</MsgType>"
        b"<Content>x</Content><Surprise>1</Surprise></xml>",
        b"<notxml/>",
    ],
)
def test_malformed_xml_entities_and_unknown_fields_are_refused(raw: bytes) -> None:
    with pytest.raises(PayloadError):
        parse_wechat_xml(raw)


def test_reply_xml_cannot_be_broken_out_of_by_content() -> None:
    xml = build_reply_xml("oUser", "gh_1", "a]]><evil/>")
    push = parse_wechat_xml(xml.encode())
    assert push.content == "a]]><evil/>" and push.to_user == "oUser"


def test_sms_webhook_with_an_unknown_field_names_it() -> None:
    with pytest.raises(PayloadError, match="admin: Extra inputs"):
        parse_sms_webhook(b'{"from": "+14155552671", "to": "1", "body": "x", "id": "1", "admin": true}')
    with pytest.raises(PayloadError, match="JSON"):
        parse_sms_webhook(b"{not json")


def test_email_threading_headers_are_kept_nearest_parent_first() -> None:
    raw = (
        b"From: Ana <ana@example.com>\r\nTo: support@voxdesk.localhost\r\nSubject: Re: order\r\n"
        b"Message-ID: <c@x>\r\nIn-Reply-To: <b@x>\r\nReferences: <a@x> <b@x>\r\n\r\nStill waiting.\r\n"
    )
    inbound = parse_email(raw)
    assert inbound.sender == "ana@example.com" and inbound.external_id == "<c@x>"
    assert inbound.thread_ids == ("<b@x>", "<a@x>")
    assert inbound.body == "Still waiting."


SAFE = WeChatAccount(token="tok", mode="safe", encoding_aes_key=new_encoding_aes_key(), app_id="wxapp1")


def test_a_safe_mode_push_encrypted_the_way_wechat_does_it_opens_to_its_xml() -> None:
    xml = text_push("oUser", "ni hao")
    push = safe_push(SAFE.token, SAFE.encoding_aes_key, "wxapp1", xml)
    query = dict(part.split("=", 1) for part in push.query.split("&"))
    opened = open_wechat_push(
        SAFE,
        push.body,
        signature=query["signature"],
        msg_signature=query["msg_signature"],
        timestamp=query["timestamp"],
        nonce=query["nonce"],
    )
    assert opened == xml and parse_wechat_xml(opened).content == "ni hao"


@pytest.mark.parametrize(
    ("change", "words"),
    [("token", "msg_signature"), ("app", "AppID"), ("key", "decrypt"), ("plain", "safe mode")],
)
def test_a_safe_mode_push_with_the_wrong_token_key_or_appid_or_none_at_all_is_refused(
    change: str, words: str
) -> None:
    xml = text_push("oUser", "ni hao")
    push = safe_push(
        "forged" if change == "token" else SAFE.token,
        new_encoding_aes_key() if change == "key" else SAFE.encoding_aes_key,
        "wxother" if change == "app" else "wxapp1",
        xml,
    )
    query = dict(part.split("=", 1) for part in push.query.split("&"))
    if change == "key":  # signed right, encrypted with another key
        query["msg_signature"] = msg_signature(
            SAFE.token, query["timestamp"], query["nonce"], encrypted_part(push.body)
        )
    with pytest.raises(SignatureError, match=words):
        open_wechat_push(
            SAFE,
            xml if change == "plain" else push.body,
            signature=query["signature"],
            msg_signature=None if change == "plain" else query["msg_signature"],
            timestamp=query["timestamp"],
            nonce=query["nonce"],
        )


def test_a_generated_encoding_aes_key_is_43_letters_and_digits_for_32_bytes() -> None:
    key = generate_encoding_aes_key()
    assert len(key) == 43 and key.isalnum() and len(aes_key_of(key)) == 32


def test_mail_authentication_asks_only_its_resolver_and_a_dns_timeout_is_a_temperror() -> None:
    class TimingOut:
        def lookup(self, name: str, rdtype: str) -> list[str]:
            raise DnsTemporaryError(f"{rdtype} {name} timed out")

    key = DkimKey.generate("shop.example")
    raw = key.sign(b"From: a@shop.example\r\nTo: help@shop.test\r\nSubject: hi\r\n\r\nhi\r\n")
    timed_out = authenticate_mail(
        raw, "a@shop.example", TimingOut(), peer_ip="192.0.2.1", mail_from="a@shop.example", helo="mx"
    )
    assert (timed_out.spf, timed_out.dkim, timed_out.dmarc) == ("temperror", "temperror", "temperror")
    assert timed_out.verdict == "none"  # unproved, not refuted: kept, but it joins no thread
    static = StaticResolver({"shop.example": ["v=spf1 ip4:192.0.2.1 -all"], key.dns_name: [key.record]})
    passed = authenticate_mail(
        raw, "a@shop.example", static, peer_ip="192.0.2.1", mail_from="a@shop.example", helo="mx"
    )
    assert (passed.spf, passed.dkim, passed.verdict) == ("pass", "pass", "pass")
    assert {("shop.example", "TXT"), (key.dns_name, "TXT")} <= set(static.questions)


@pytest.mark.parametrize(("record", "dmarc", "verdict"), [
    ("v=DMARC1; p=none; sp=reject", "pass", "pass"),  # relaxed: shop.example aligns with mail.shop.example
    ("v=DMARC1; p=none; sp=reject; aspf=s", "fail", "fail"),  # strict: only the exact domain aligns
])  # fmt: skip
def test_dmarc_of_a_subdomain_uses_its_organisations_record_with_sp_and_alignment_mode(
    record: str, dmarc: str, verdict: str
) -> None:
    resolver = StaticResolver(
        {"shop.example": ["v=spf1 ip4:192.0.2.1 -all"], "_dmarc.shop.example": [record]}
    )
    raw = b"From: a@mail.shop.example\r\nSubject: hi\r\n\r\nhi\r\n"
    result = authenticate_mail(
        raw, "a@mail.shop.example", resolver, peer_ip="192.0.2.1", mail_from="bounce@shop.example", helo="mx"
    )
    assert (result.spf, result.dmarc, result.dmarc_policy, result.verdict) == (
        "pass",
        dmarc,
        "reject",
        verdict,
    )
