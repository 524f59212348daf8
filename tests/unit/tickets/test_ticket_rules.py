"""Ticket rules: parsing with clear errors, matching per IVR choice, queue and disposition, reload."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tickets.desk.models import TicketPriority
from tickets.rules import (
    ContactFacts,
    RuleFileError,
    TicketRuleBook,
    combine,
    match,
    parse_rules,
)
from tickets.rules.store import DEFAULT_RULES_FILE

RULES = parse_rules(
    """
rules:
  - name: billing-calls
    when: {channel: voice, ivr_choice: billing}
    then: {group: Billing, category: Refund}
  - name: vip-support
    when: {queue: [support, vip], segment: vip}
    then: {priority: urgent, tags: [vip]}
  - name: follow-up
    when: {channel: voice, disposition: follow-up}
    then: {group: Support, category: Follow-up, priority: high}
  - name: any-email
    when: {channel: email}
    then: {group: Mail}
    stop: false
  - name: billing-mailbox
    when: {channel: email, address: billing@example.com}
    then: {category: Invoice, tags: [mailbox]}
"""
)


def names(contact: ContactFacts) -> list[str]:
    return [a.rule for a in match(contact, RULES)]


def test_billing_calls_open_a_ticket_in_group_billing_with_category_refund() -> None:
    actions = match(ContactFacts(channel="voice", ivr_choice="billing", queue="billing"), RULES)
    assert [(a.rule, a.group, a.category) for a in actions] == [("billing-calls", "Billing", "Refund")]
    assert actions[0].all_tags == ["Refund"]


def test_a_sales_call_matches_no_rule() -> None:
    assert names(ContactFacts(channel="voice", ivr_choice="sales", queue="sales")) == []


def test_a_disposition_rule_waits_for_the_agents_disposition() -> None:
    at_hang_up = ContactFacts(channel="voice", ivr_choice="agent")
    assert names(at_hang_up) == []
    assert names(ContactFacts(channel="voice", ivr_choice="agent", disposition="follow_up")) == ["follow-up"]


def test_only_disposition_rules_fire_when_the_disposition_is_set() -> None:
    billing_follow_up = ContactFacts(channel="voice", ivr_choice="billing", disposition="follow_up")
    assert names(billing_follow_up) == ["follow-up"]
    assert names(ContactFacts(channel="voice", ivr_choice="billing", disposition="resolved")) == []


def test_every_condition_must_hold_and_a_missing_fact_never_matches() -> None:
    assert names(ContactFacts(channel="voice", queue="support", segment="VIP")) == ["vip-support"]
    assert names(ContactFacts(channel="voice", queue="support")) == []
    assert names(ContactFacts(channel="voice", queue="general", segment="vip")) == []


def test_stop_false_lets_later_rules_add_to_the_same_ticket() -> None:
    actions = match(ContactFacts(channel="email", address="Billing@Example.com"), RULES)
    assert [a.rule for a in actions] == ["any-email", "billing-mailbox"]
    merged = combine(actions)
    assert merged is not None
    assert (merged.group, merged.category, merged.tags) == ("Mail", "Invoice", ("mailbox",))
    assert merged.rule == "any-email,billing-mailbox"


def test_combine_keeps_the_highest_priority_and_nothing_gives_none() -> None:
    rules = parse_rules(
        """
rules:
  - {name: a, when: {channel: sms}, then: {priority: low}, stop: false}
  - {name: b, when: {channel: sms}, then: {priority: high, group: G}, stop: false}
"""
    )
    merged = combine(match(ContactFacts(channel="sms"), rules))
    assert merged is not None and merged.priority is TicketPriority.HIGH and merged.group == "G"
    assert combine([]) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("rules: [", "not valid YAML at line"),
        ("- just a list", "must be a mapping"),
        ("rules:\n  - name: x\n    then: {group: B}\n    when: {channel: fax}", "rules[0].when.channel"),
        ("rules:\n  - name: x\n    then: {priority: whenever}", "rules[0].then.priority"),
        ("rules:\n  - name: x\n    then: {group: B}\n    when: {queue: []}", "an empty list can never match"),
        ("rules:\n  - name: x\n    then: {grup: B}", "rules[0].then.grup: Extra inputs"),
        ("rules:\n  - name: x\n    when: {channel: sms}", "rules[0].then: Field required"),
        ("rules:\n  - {name: x, then: {}}\n  - {name: x, then: {}}", "two rules are named 'x'"),
    ],
)
def test_invalid_rules_are_refused_with_where_and_why(text: str, problem: str) -> None:
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text)
    assert problem in str(caught.value)


def test_the_packaged_default_rules_are_valid() -> None:
    rules = parse_rules(DEFAULT_RULES_FILE.read_text())
    assert {r.name for r in rules.rules} >= {"billing-calls", "follow-up-calls"}


def test_the_rule_book_uses_the_default_until_saved_and_reloads_a_changed_file(tmp_path: Path) -> None:
    book = TicketRuleBook(tmp_path / "ticket_rules.yaml")
    billing = ContactFacts(channel="voice", ivr_choice="billing")
    assert [a.rule for a in book.match(billing)] == ["billing-calls"]

    book.replace("rules:\n  - {name: sales, when: {ivr_choice: sales}, then: {group: Sales}}\n")
    assert book.match(ContactFacts(channel="voice", ivr_choice="billing")) == []
    assert book.match(ContactFacts(channel="voice", ivr_choice="sales"))[0].group == "Sales"

    # Another process (or an admin with an editor) changes the file: the next match sees it.
    (tmp_path / "ticket_rules.yaml").write_text("rules:\n  - {name: s2, when: {channel: voice}, then: {}}\n")
    os.utime(tmp_path / "ticket_rules.yaml", (1, 2_000_000_000))
    assert [a.rule for a in book.match(ContactFacts(channel="voice"))] == ["s2"]


def test_a_refused_replacement_and_a_file_broken_by_hand_keep_the_rules_in_use(tmp_path: Path) -> None:
    path = tmp_path / "ticket_rules.yaml"
    book = TicketRuleBook(path)
    book.replace("rules:\n  - {name: s, when: {ivr_choice: sales}, then: {group: Sales}}\n")
    with pytest.raises(RuleFileError):
        book.replace("rules:\n  - {name: s, then: {group: 5}, when: {bogus: 1}}\n")
    assert "name: s," in path.read_text()
    path.write_text("rules: [")
    os.utime(path, (1, 2_000_000_000))
    assert book.match(ContactFacts(channel="voice", ivr_choice="sales"))[0].group == "Sales"


def test_a_file_broken_before_any_good_read_is_refused_with_its_problem(tmp_path: Path) -> None:
    path = tmp_path / "ticket_rules.yaml"
    path.write_text("rules:\n  - {name: s, then: {priority: soon}}\n")
    with pytest.raises(RuleFileError, match=r"rules\[0\]\.then\.priority"):
        TicketRuleBook(path).match(ContactFacts(channel="voice"))
