"""Webhook signatures, WeChat XML, SMS JSON and e-mail parsing refuse what they must."""

from __future__ import annotations

import hashlib
import time

import pytest

from tickets.channels.email import parse_email
from tickets.channels.exceptions import PayloadError, SignatureError
from tickets.channels.signing import read_token, sign_token, verify_webhook, webhook_signature
from tickets.channels.sms import parse_sms_webhook
from tickets.channels.wechat import build_reply_xml, parse_wechat_xml, verify_wechat_signature


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
