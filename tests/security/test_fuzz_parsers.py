"""Issue 9, fuzzing: every parser of untrusted or admin-edited input parses or raises its documented error.

The targets and their structured inputs are in ``bench/fuzz_targets.py`` (``bench/fuzz.py`` runs
them for many more inputs). Here each runs a fixed, derandomized number of examples so CI is stable
and quick; the tests after the property name each crash the fuzzer found, now a documented error.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from security_helpers import SecureApp

from asr.media.rtp import RtpParseError, parse_rtp
from bench.fuzz_targets import QUEUES, ROUTING_RULES, TARGETS, FuzzTarget
from config.errors import MalformedRequestError, SignatureError, VoxdeskError
from routing.exceptions import RoutingConfigError
from telephony.admin_config import parse_routing
from telephony.ivr.exceptions import IvrFlowError
from telephony.ivr.flow import parse_flow
from tickets.channels.email import parse_email
from tickets.channels.exceptions import PayloadError
from tickets.channels.sms import parse_sms_webhook
from tickets.channels.wechat import parse_wechat_xml, verify_wechat_signature
from tickets.rules.exceptions import RuleFileError
from tickets.rules.store import parse_rules as parse_ticket_rules

# Examples per target: about 25 s in all (YAML and MIME inputs cost the most to build and parse).
EXAMPLES = {
    "ivr_flow_yaml": 200,
    "routing_queues_yaml": 200,
    "routing_rules_yaml": 200,
    "ticket_rules_yaml": 300,
    "email_mime": 150,
}
DEFAULT_EXAMPLES = 1000
QUEUES_DIR = Path("/fuzz")  # named in messages only; nothing is read
DEEP = 5000  # past Python's default recursion limit (1000) at every level of every parser


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_each_parser_parses_or_raises_only_its_documented_error(target: FuzzTarget) -> None:
    assert issubclass(target.documented, VoxdeskError)  # a leaf of the one error tree

    @settings(
        max_examples=EXAMPLES.get(target.name, DEFAULT_EXAMPLES),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(value=target.inputs)
    def parses_or_refuses(value: Any) -> None:
        try:
            target.parse(value)
        except target.documented:
            pass

    parses_or_refuses()


def test_deeply_nested_yaml_is_refused_by_every_admin_file_loader() -> None:
    nested = "a: " + "[" * DEEP + "]" * DEEP
    with pytest.raises(IvrFlowError, match="nested deeper"):
        parse_flow(nested, "deep")
    with pytest.raises(RoutingConfigError, match="nested deeper"):
        parse_routing(nested, ROUTING_RULES, QUEUES_DIR)
    with pytest.raises(RuleFileError):
        parse_ticket_rules("{a: " * DEEP + "1" + "}" * DEEP)


def test_a_yaml_alias_bomb_is_refused_before_a_validator_walks_it() -> None:
    # Six levels of nine aliases: 531,441 list items from seven short lines.
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 7)]
    bomb = "\n".join(lines) + "\nrules: *l6\n"
    started = time.perf_counter()
    with pytest.raises(RuleFileError) as refused:
        parse_ticket_rules(bomb)
    assert "aliases expand" in str(refused.value.__cause__)
    assert time.perf_counter() - started < 1
    with pytest.raises(IvrFlowError, match="refers to itself"):
        parse_flow("start: a\nfallback: a\nnodes: &n {a: *n}", "loop")


def test_an_ivr_flow_with_a_number_as_a_top_level_key_is_refused_with_its_problems() -> None:
    with pytest.raises(IvrFlowError, match="unknown flow key 1"):
        parse_flow("1: x\nextra: y\nstart: a\nfallback: a\nnodes: {a: {type: hangup}}", "numbers")


def test_yaml_holding_an_impossible_date_or_a_date_for_a_list_is_refused() -> None:
    # Found by bench/fuzz.py: PyYAML lets datetime's ValueError out; a date is not a list of languages.
    with pytest.raises(RuleFileError):
        parse_ticket_rules("rules: []\nwhen: 2021-02-30\n")
    with pytest.raises(IvrFlowError, match="languages"):
        parse_flow("languages: 2026-01-01 10:00:00\nstart: a\nfallback: a\nnodes: {a: {type: hangup}}", "d")


def test_routing_rules_whose_default_queue_is_a_list_are_refused_not_crashed() -> None:
    with pytest.raises(RoutingConfigError, match="default_queue"):
        parse_routing(QUEUES, "default_queue: [general]\nrules: []\n", QUEUES_DIR)


def test_routing_and_ticket_rules_holding_a_lone_surrogate_are_refused() -> None:
    with pytest.raises(RoutingConfigError):
        parse_routing(QUEUES + "# \ud800\n", ROUTING_RULES, QUEUES_DIR)
    with pytest.raises(RuleFileError):
        parse_ticket_rules("rules: []  # \ud800")


def test_an_email_nested_thousands_of_multiparts_deep_is_refused_as_unreadable() -> None:
    raw = b"From: a@example.com\r\n" + b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(1500)
    )
    with pytest.raises(PayloadError, match="unreadable"):
        parse_email(raw + b"Content-Type: text/plain\r\n\r\nhello\r\n")


def test_an_sms_webhook_nested_thousands_of_arrays_deep_is_refused_as_not_json() -> None:
    with pytest.raises(PayloadError, match="not JSON"):
        parse_sms_webhook(b"[" * DEEP + b"]" * DEEP)


def test_a_wechat_push_declaring_an_unknown_encoding_is_refused_as_malformed() -> None:
    with pytest.raises(PayloadError, match="malformed XML"):
        parse_wechat_xml(b'<?xml version="1.0" encoding="x-bogus"?><xml><MsgType>text</MsgType></xml>')


def test_wechat_signatures_with_superscript_digits_or_surrogates_are_refused() -> None:
    now = 1_750_000_000
    for timestamp, nonce in (("\u00b2", "n"), (str(now), "\ud800")):
        with pytest.raises(SignatureError):
            verify_wechat_signature("token", "00" * 20, timestamp, nonce, now=now)


def test_an_rtp_parse_error_is_a_malformed_request_in_the_error_tree() -> None:
    with pytest.raises(RtpParseError) as refused:
        parse_rtp(b"\x80")
    assert isinstance(refused.value, MalformedRequestError)


@pytest.mark.integration
def test_signed_webhooks_answer_401_to_non_ascii_signature_and_timestamp_headers(
    secure_app: SecureApp,
) -> None:
    client, now = secure_app.client, str(int(time.time()))
    odd_signature = {"X-Voxdesk-Timestamp": now.encode(), "X-Voxdesk-Signature": b"sha256=\xc9"}
    odd_timestamp = {"X-Voxdesk-Timestamp": b"\xb2", "X-Voxdesk-Signature": b"sha256=00"}  # '²'
    for path in ("/api/channels/sms/inbound", "/api/alerts/device"):
        for headers in (odd_signature, odd_timestamp):
            answer = client.post(path, content=b"{}", headers=headers)  # type: ignore[arg-type]
            assert answer.status_code == 401, (path, headers, answer.status_code, answer.text)
    answer = client.post(
        "/api/channels/wechat", params={"signature": "É", "timestamp": now, "nonce": "n"}, content=b"<xml/>"
    )
    assert answer.status_code == 401, answer.text
