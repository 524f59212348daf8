"""Hostile input to the new channel checks ends in a documented error or a verdict, never a crash."""

from __future__ import annotations

import base64

from channel_senders import new_encoding_aes_key, sha1_sorted
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tickets.channels.exceptions import PayloadError, SignatureError
from tickets.channels.mail_auth import authenticate_mail
from tickets.channels.mail_dns import StaticResolver
from tickets.channels.wechat_crypto import WeChatCrypto

RESOLVER = StaticResolver(
    {
        "a.example": ["v=spf1 include:%{d}x a mx ptr exists:%{i}.x -all"],
        "_dmarc.a.example": ["v=DMARC1; p=reject; sp=none; np=x"],
    }
)
HEADERS = st.text(max_size=300).map(
    lambda t: f"From: x@a.example\r\nDKIM-Signature: {t}\r\n\r\nbody".encode("utf-8", "surrogatepass")
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@FAST
@given(st.binary(max_size=400) | HEADERS, st.text(max_size=40), st.sampled_from(["127.0.0.1", "::1", "x"]))
def test_mail_authentication_gives_a_verdict_for_any_bytes(raw: bytes, sender: str, ip: str) -> None:
    result = authenticate_mail(raw, sender, RESOLVER, peer_ip=ip, mail_from=sender, helo=sender)
    assert result.verdict in ("pass", "fail", "none")


CRYPTO = WeChatCrypto("tok", new_encoding_aes_key(), "wxapp")


@FAST
@given(st.binary(max_size=600) | st.binary(max_size=96).map(base64.b64encode))
def test_a_safe_mode_push_of_any_bytes_is_refused_with_a_documented_error(data: bytes) -> None:
    encrypted = data.decode("latin-1")
    body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
    for raw in (data, body):
        try:
            CRYPTO.open_push(raw, sha1_sorted("tok", "1", "n", encrypted), "1", "n")
        except (SignatureError, PayloadError):
            continue
        raise AssertionError("random bytes decrypted to a push")
