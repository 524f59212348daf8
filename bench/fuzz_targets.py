"""Fuzz targets: every parser that reads what a stranger (or an admin's editor) sends, with its inputs.

Each target pairs a parser with the error its module documents (a leaf of ``config.errors``) and a
hypothesis strategy. The strategies are mostly structured (mutated valid packets, YAML, XML and
MIME, built from the shipped files) so inputs get past the first check; a share stays raw bytes.
The property: any input parses or raises the documented error, never anything else. Used by
``tests/security/test_fuzz_parsers.py`` (few, derandomized examples) and ``bench/fuzz.py`` (many).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from asr.media.rtp import RtpParseError, build_rtp, parse_rtp
from config.errors import VoxdeskError
from routing.exceptions import RoutingConfigError
from telephony.admin_config import parse_routing
from telephony.ivr.exceptions import IvrFlowError
from telephony.ivr.flow import parse_flow
from tickets.alerts.schemas import AlertPayloadError, parse_device_alert
from tickets.channels.email import parse_email
from tickets.channels.exceptions import PayloadError
from tickets.channels.signing import read_token, verify_webhook
from tickets.channels.sms import parse_sms_webhook
from tickets.channels.wechat import parse_wechat_xml, verify_wechat_signature
from tickets.desk.exceptions import SignatureError
from tickets.rules.exceptions import RuleFileError
from tickets.rules.store import parse_rules as parse_ticket_rules
from tickets.webhooks.signing import verify as verify_alert_signature

ROOT = Path(__file__).resolve().parents[1]
IVR_FLOW = (ROOT / "config" / "ivr" / "main.yaml").read_text(encoding="utf-8")
QUEUES = (ROOT / "config" / "routing" / "queues.yaml").read_text(encoding="utf-8")
ROUTING_RULES = (ROOT / "config" / "routing" / "rules.yaml").read_text(encoding="utf-8")
TICKET_RULES = (ROOT / "config" / "tickets" / "rules.yaml").read_text(encoding="utf-8")
NOW = 1_750_000_000.0  # a fixed clock: the signature targets check parsing, not the time of day


@dataclass(frozen=True)
class FuzzTarget:
    """A parser, the one error it documents, and the inputs to throw at it."""

    name: str
    inputs: st.SearchStrategy[Any]
    parse: Callable[[Any], object]
    documented: type[VoxdeskError]


# Values that have broken parsers elsewhere: huge and non-finite numbers, surrogates, NULs, odd types.
NASTY_TEXT = st.sampled_from(
    ["", " ", "\x00", "\ud800", "\udfff", "\u202e", "../../etc/passwd", "a" * 300, "%s%n", "${x}", "<x>",
     "]]>", "&amp;", "\r\n", "🙂", "24:00", "99:99-00:00", "-", "Europe/London", "America", "", "UTC\x00"]
)  # fmt: skip
SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63 - 2, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20), NASTY_TEXT,
    st.dates(), st.datetimes(),
)  # fmt: skip
JSONISH: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=10), NASTY_TEXT, st.integers()), inner, max_size=4),
    ),
    max_leaves=12,
)


# --- generic mutators ------------------------------------------------------------------------------


@st.composite
def mutated_text(draw: st.DrawFn, seed: str) -> str:
    """``seed`` with a few characters deleted, inserted, swapped or duplicated."""
    text = seed
    for _ in range(draw(st.integers(1, 6))):
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "cut"]))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif kind == "insert":
            text = text[:at] + draw(st.one_of(st.text(max_size=8), NASTY_TEXT)) + text[at:]
        elif kind == "replace":
            text = text[:at] + draw(st.sampled_from(list(":-[]{}&*!|>'\"#%@`,?\t\n "))) + text[at + 1 :]
        elif kind == "duplicate":
            end = min(len(text), at + draw(st.integers(1, 200)))
            text = text[:end] + text[at:end] + text[end:]
        else:
            text = text[:at]
    return text


@st.composite
def mutated_tree(draw: st.DrawFn, tree: Any) -> Any:
    """``tree`` (parsed YAML or JSON) with one node, somewhere, replaced by an odd value."""
    if isinstance(tree, dict) and tree and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(tree, key=str)))
        return {**tree, key: draw(mutated_tree(tree[key]))}
    if isinstance(tree, list) and tree and draw(st.booleans()):
        at = draw(st.integers(0, len(tree) - 1))
        return [*tree[:at], draw(mutated_tree(tree[at])), *tree[at + 1 :]]
    choice = draw(st.integers(0, 3))
    if choice == 0 and isinstance(tree, dict):  # an extra key of any type
        return {**tree, draw(st.one_of(st.text(max_size=8), st.integers())): draw(JSONISH)}
    if choice == 1 and isinstance(tree, dict) and tree:  # a key dropped
        key = draw(st.sampled_from(sorted(tree, key=str)))
        return {k: v for k, v in tree.items() if k != key}
    return draw(JSONISH)


def _yaml_dump(tree: Any) -> str:
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)


def yaml_inputs(seed: str) -> st.SearchStrategy[str]:
    """Mutated copies of a valid YAML file (as text and as a tree), odd trees, deep nesting, noise."""
    tree = yaml.safe_load(seed)
    return st.one_of(
        st.just(seed),
        mutated_text(seed),
        mutated_tree(tree).map(_yaml_dump),
        mutated_tree(tree).map(_yaml_dump).flatmap(mutated_text),
        JSONISH.map(_yaml_dump),
        st.integers(1, 3000).map(lambda depth: "a: " + "[" * depth + "]" * depth),
        st.integers(1, 3000).map(lambda depth: "{a: " * depth + "1" + "}" * depth),
        st.sampled_from(
            [
                "a: &x [*x]",
                "*x",
                "!!python/object:os.system {}",
                "? [a]\n: 1",
                "a: !!binary x",
                "--- 1\n--- 2",
                "\ufeffa: 1",
                "a: 1\x00",
                "%YAML 9.9\n---\na: 1",
            ]
        ),
        st.text(max_size=200),
    )


# --- RTP -------------------------------------------------------------------------------------------


@st.composite
def rtp_packets(draw: st.DrawFn) -> bytes:
    """A valid RTP packet whose first byte (CSRC count, extension, padding) and tail are then mangled."""
    packet = bytearray(
        build_rtp(
            draw(st.integers(0, 127)),
            draw(st.integers(0, 0xFFFF)),
            draw(st.integers(0, 0xFFFFFFFF)),
            draw(st.integers(0, 0xFFFFFFFF)),
            draw(st.binary(max_size=200)),
            draw(st.booleans()),
        )
    )
    packet[0] = draw(st.one_of(st.integers(0x80, 0xBF), st.integers(0, 255)))
    if draw(st.booleans()):
        packet[1] = draw(st.integers(0, 255))
    packet += draw(st.binary(max_size=8))  # extension header bytes, padding counts
    cut = draw(st.integers(0, len(packet)))
    return bytes(packet[:cut] if draw(st.booleans()) else packet)


# --- e-mail ----------------------------------------------------------------------------------------

HEADER_VALUES = st.one_of(
    st.text(max_size=60), NASTY_TEXT, st.sampled_from(
        ["<a@b>", "<a@b> <c@d>", "=?utf-8?b?w6k=?=", "=?x-unknown?q?a?=", "=?utf-8?q?=FF?=", "a@b, c@d",
         '"Name" <x@example.com>', "<>", "(comment) x@y", "=?utf-8?b?" + "A" * 100 + "?=", "@", "a@"]
    ),
)  # fmt: skip


@st.composite
def mime_mails(draw: st.DrawFn) -> bytes:
    """A mail built with the standard library (text, HTML, multipart, odd charsets), then mangled."""
    mail = EmailMessage()
    body = draw(st.text(max_size=200))
    kind = draw(st.sampled_from(["plain", "html", "alternative", "attachment"]))
    if kind == "plain":
        mail.set_content(body)
    elif kind == "html":
        mail.set_content(f"<p>{body}</p>", subtype="html")
    else:
        mail.set_content(body)
        if kind == "alternative":
            mail.add_alternative(f"<b>{body}</b>", subtype="html")
        else:
            mail.add_attachment(draw(st.binary(max_size=50)), maintype="application", subtype="pdf")
        mail.set_boundary("=fuzz=")  # the library's own boundary is random: inputs must replay
    # Headers written by hand, as a sender may: raw UTF-8, surrogates and all.
    raw = (
        b"".join(
            f"{header}: {draw(HEADER_VALUES)}\r\n".encode("utf-8", "surrogatepass")
            for header in ("From", "Subject", "Message-ID", "In-Reply-To", "References")
            if draw(st.integers(0, 4))
        )
        + mail.as_bytes()
    )
    headers = draw(st.lists(st.sampled_from([
        b"Content-Type: text/plain; charset=x-bogus\r\n", b"Content-Type: text/plain; charset=\"\"\r\n",
        b"Content-Transfer-Encoding: base64\r\n", b"Content-Transfer-Encoding: quoted-printable\r\n",
        b"Content-Type: multipart/mixed; boundary=\"\"\r\n", b"Content-Type: multipart/mixed\r\n",
        b"Content-Type: message/rfc822\r\n", b"From: \xff\xfe\r\n", b"Subject: =?utf-8?b?/w==?=\r\n",
        b"Content-Type: text/html; charset=utf-7\r\n", b"From: =?utf-8?q?a=40b?= <>\r\n",
    ]), max_size=3))  # fmt: skip
    raw = b"".join(headers) + raw
    if draw(st.booleans()):
        raw = draw(mutated_bytes(raw))
    return raw


@st.composite
def nested_multipart(draw: st.DrawFn) -> bytes:
    """Multiparts inside multiparts, deep enough to find recursion in the body walk."""
    depth = draw(st.integers(1, 1500))
    lines = [b"From: a@example.com\r\n"]
    for level in range(depth):
        lines.append(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level))
    lines.append(b"Content-Type: text/plain\r\n\r\nhello\r\n")
    return b"".join(lines)


@st.composite
def mutated_bytes(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 5))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.integers(0, 2))
        if kind == 0:
            data[at] = draw(st.integers(0, 255))
        elif kind == 1:
            del data[at : at + draw(st.integers(1, 30))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=10))
    return bytes(data)


# --- JSON webhooks (SMS, device alerts) -------------------------------------------------------------

SMS_VALID = {"from": "+447700900123", "to": "+442071838750", "body": "hello", "id": "SM1"}
ALERT_VALID = {
    "device_serial": "RTR-0001", "alert_code": "LINK_DOWN", "severity": "critical",
    "message": "the link is down", "occurred_at": "2026-01-01T10:00:00Z", "details": {"port": 1},
}  # fmt: skip


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, default=str, allow_nan=True).encode("utf-8", "surrogatepass")


def json_inputs(valid: dict[str, Any]) -> st.SearchStrategy[bytes]:
    as_bytes = _json_bytes(valid)
    return st.one_of(
        st.just(as_bytes),
        mutated_tree(valid).map(_json_bytes),
        mutated_bytes(as_bytes),
        JSONISH.map(_json_bytes),
        st.integers(1, 5000).map(lambda depth: b"[" * depth + b"]" * depth),
        st.sampled_from([b"NaN", b'{"from": 1e999}', b"\xff\xfe{}", b'{"body": "\\ud800"}', b"", b"null"]),
        st.binary(max_size=200),
    )


# --- WeChat XML ------------------------------------------------------------------------------------

WECHAT_FIELDS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event"]


@st.composite
def wechat_pushes(draw: st.DrawFn) -> bytes:
    """A push as WeChat sends it (CDATA fields), with odd fields, nesting, DTDs or bytes mixed in."""
    fields = {
        "ToUserName": "gh_123", "FromUserName": "oABC", "CreateTime": "1750000000", "MsgType": "text",
        "Content": "hello", "MsgId": "1234567890",
    }  # fmt: skip
    if draw(st.booleans()):
        fields[draw(st.sampled_from([*WECHAT_FIELDS, "Nested", "a:b", "x"]))] = draw(
            st.one_of(st.text(max_size=30), NASTY_TEXT)
        )
    if draw(st.booleans()):
        fields.pop(draw(st.sampled_from(WECHAT_FIELDS)), None)
    body = "".join(
        f"<{tag}><![CDATA[{value.replace(']]>', '')}]]></{tag}>" if tag.isidentifier() else f"<{tag}/>"
        for tag, value in fields.items()
    )
    prolog = draw(st.sampled_from([
        "", '<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="x-bogus"?>',
        '<?xml version="1.0" encoding="utf-16"?>', '<!DOCTYPE xml [<!ENTITY a "b">]>',
        '<!DOCTYPE xml SYSTEM "file:///etc/passwd">', '<?xml version="9.0"?>',
    ]))  # fmt: skip
    root = draw(st.sampled_from(["xml", "xml", "XML", "x:xml", "root"]))
    doc = f"{prolog}<{root}>{body}</{root}>"
    if draw(st.booleans()):
        doc = draw(mutated_text(doc))
    raw = doc.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 4)) == 0:
        raw = draw(mutated_bytes(raw))
    return raw


# --- signatures and signed tokens -------------------------------------------------------------------

HEADER_TEXT = st.one_of(
    st.none(), st.text(max_size=80), NASTY_TEXT, st.integers().map(str),
    st.sampled_from(["1750000000", "sha256=00", "-1", "1e9", "٣", "²", "+1750000000"]),
)  # fmt: skip


SIGNATURE_CHECKS: tuple[Callable[[str | None, str | None, str | None, bytes], object], ...] = (
    lambda timestamp, signature, _nonce, body: verify_alert_signature(
        "secret", timestamp, signature, body, now=NOW
    ),
    lambda timestamp, signature, _nonce, body: verify_webhook("secret", timestamp, signature, body, now=NOW),
    lambda timestamp, signature, nonce, _body: verify_wechat_signature(
        "secret", signature, timestamp, nonce, now=NOW
    ),
    lambda _timestamp, signature, _nonce, _body: read_token("secret", "chat", signature or "", now=NOW),
)


def check_signature(values: tuple[int, str | None, str | None, str | None, bytes]) -> object:
    """One of the signed-channel checks (alerts, SMS, WeChat, chat tokens) on odd header values."""
    which, *headers = values
    timestamp, signature, nonce, body = headers
    return SIGNATURE_CHECKS[which](timestamp, signature, nonce, body)  # type: ignore[arg-type]


# --- the targets -----------------------------------------------------------------------------------

TARGETS: tuple[FuzzTarget, ...] = (
    FuzzTarget(
        "rtp",
        st.one_of(rtp_packets(), st.binary(max_size=64)),
        parse_rtp,
        RtpParseError,
    ),
    FuzzTarget("ivr_flow_yaml", yaml_inputs(IVR_FLOW), lambda text: parse_flow(text, "fuzz"), IvrFlowError),
    FuzzTarget(
        "routing_queues_yaml",
        yaml_inputs(QUEUES),
        lambda text: parse_routing(text, ROUTING_RULES, Path("/fuzz")),
        RoutingConfigError,
    ),
    FuzzTarget(
        "routing_rules_yaml",
        yaml_inputs(ROUTING_RULES),
        lambda text: parse_routing(QUEUES, text, Path("/fuzz")),
        RoutingConfigError,
    ),
    FuzzTarget("ticket_rules_yaml", yaml_inputs(TICKET_RULES), parse_ticket_rules, RuleFileError),
    FuzzTarget(
        "email_mime",
        st.one_of(mime_mails(), nested_multipart(), st.binary(max_size=300)),
        parse_email,
        PayloadError,
    ),
    FuzzTarget("sms_webhook_json", json_inputs(SMS_VALID), parse_sms_webhook, PayloadError),
    FuzzTarget(
        "wechat_xml", st.one_of(wechat_pushes(), st.binary(max_size=200)), parse_wechat_xml, PayloadError
    ),
    FuzzTarget("device_alert_json", json_inputs(ALERT_VALID), parse_device_alert, AlertPayloadError),
    FuzzTarget(
        "webhook_signatures",
        st.tuples(
            st.integers(0, len(SIGNATURE_CHECKS) - 1),
            HEADER_TEXT,
            HEADER_TEXT,
            HEADER_TEXT,
            st.binary(max_size=40),
        ),
        check_signature,
        SignatureError,
    ),
)


def outcome(target: FuzzTarget, value: Any) -> tuple[str, BaseException | None]:
    """``("parsed" | "documented" | "crash", the exception)`` for one input, timing nothing."""
    try:
        target.parse(value)
    except target.documented:
        return "documented", None
    except Exception as exc:  # a crash is what the fuzzer is for
        return "crash", exc
    return "parsed", None
