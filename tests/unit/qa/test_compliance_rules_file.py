"""Compliance rules file: strict validation with every problem and its place, reload on change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.compliance.exceptions import ComplianceRuleFileError
from qa.compliance.model import RuleKind, Speaker
from qa.compliance.store import DEFAULT_RULES_FILE, ComplianceRuleBook, parse_rules, read_rules_file

GOOD = """
rules:
  - id: no-profit-guarantee
    kind: forbidden
    speaker: agent
    severity: high
    examples: [this is guaranteed to make money, 这个产品保证赚钱]
  - id: recording
    kind: required
    within_s: 30
    examples: [this call may be recorded]
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ComplianceRuleFileError) as caught:
        parse_rules(text)
    return caught.value.problems


def test_the_packaged_rules_are_valid_and_cover_english_and_chinese() -> None:
    rules = read_rules_file(DEFAULT_RULES_FILE)
    by_id = {r.id: r for r in rules.rules}
    assert by_id["no-profit-guarantee"].kind is RuleKind.FORBIDDEN
    assert any("保证赚钱" in e for e in by_id["no-profit-guarantee"].examples)
    assert by_id["recording-disclosure"].within_s == 30
    assert by_id["caller-threat-or-abuse"].speaker is Speaker.CALLER


def test_a_good_file_parses_with_defaults() -> None:
    rules = parse_rules(GOOD)
    assert [r.id for r in rules.rules] == ["no-profit-guarantee", "recording"]
    assert rules.rules[1].speaker is Speaker.AGENT and rules.rules[1].action == "warn"


def test_every_problem_is_listed_with_its_place() -> None:
    problems = problems_of(
        """
rules:
  - id: a
    kind: forbidden
    examples: []
    within_s: 10
  - id: b
    kind: required
    examples: [say this]
  - id: c
    kind: forbidden
    examples: [x]
    threshold: 1.5
    colour: red
"""
    )
    text = "\n".join(problems)
    assert "rules[0].examples" in text
    assert "rules[0].within_s: within_s is for required rules only" in text
    assert "rules[1].within_s: a required rule needs within_s" in text
    assert "rules[2].threshold" in text
    assert "rules[2].colour: Extra inputs are not permitted" in text


def test_within_s_on_a_forbidden_rule_is_refused() -> None:
    problems = problems_of("rules: [{id: a, kind: forbidden, examples: [x], within_s: 5}]")
    assert problems == [
        "rules[0].within_s: within_s is for required rules only; a forbidden rule applies all along"
    ]


def test_duplicate_ids_unknown_speaker_and_channel_are_refused() -> None:
    problems = problems_of(
        "rules: [{id: a, kind: forbidden, examples: [x], speaker: boss, channels: [fax]},"
        " {id: a, kind: forbidden, examples: [y]}]"
    )
    text = "\n".join(problems)
    assert "rules[0].speaker" in text and "rules[0].channels" in text
    problems = problems_of(
        "rules: [{id: a, kind: forbidden, examples: [x]}, {id: a, kind: forbidden, examples: [y]}]"
    )
    assert problems == ["rules: two rules have the id 'a'; ids must be unique"]


def test_broken_yaml_names_the_line() -> None:
    with pytest.raises(ComplianceRuleFileError, match="not valid YAML at line 3"):
        parse_rules("rules:\n  - id: [unclosed\n")


def test_a_file_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(ComplianceRuleFileError, match="mapping with a 'rules' list"):
        parse_rules("- just a list")


def test_the_book_uses_the_default_until_a_file_is_saved_and_reloads_on_change(tmp_path: Path) -> None:
    book = ComplianceRuleBook(tmp_path / "compliance_rules.yaml")
    assert "no-profit-guarantee" in [r.id for r in book.current()[0].rules]
    book.replace(GOOD)
    assert [r.id for r in book.current()[0].rules] == ["no-profit-guarantee", "recording"]
    # An edit by hand (another process) applies on the next read: the modification time changed.
    path = tmp_path / "compliance_rules.yaml"
    path.write_text("rules: [{id: only, kind: forbidden, examples: [x]}]\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert [r.id for r in book.current()[0].rules] == ["only"]
    # A file broken by hand keeps the last good rules in use.
    path.write_text("rules: [{id: only, kind: nonsense}]\n", encoding="utf-8")
    os.utime(path, (stat.st_atime, stat.st_mtime + 10))
    assert [r.id for r in book.current()[0].rules] == ["only"]


def test_replace_refuses_bad_rules_and_keeps_the_file(tmp_path: Path) -> None:
    book = ComplianceRuleBook(tmp_path / "compliance_rules.yaml")
    book.replace(GOOD)
    with pytest.raises(ComplianceRuleFileError):
        book.replace("rules: [{id: x}]")
    assert (tmp_path / "compliance_rules.yaml").read_text(encoding="utf-8") == GOOD
