"""Measuring the engine on a labelled test set: recall and precision per language, group and rule.

A case is one utterance with the rules it must fire (an empty list: none may fire). Forbidden rules
fire through :meth:`ComplianceMonitor.hear`; a required disclosure "fires" when the monitor reports
it met. Used by the unit test that guards the figures and by ``bench/qa_compliance.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from qa.compliance.engine import ComplianceEngine
from qa.compliance.model import Utterance
from qa.language import detect_language


@dataclass(frozen=True)
class Case:
    text: str
    expect: frozenset[str]
    speaker: str = "agent"
    group: str = ""
    held_out: bool = False

    @property
    def language(self) -> str:
        return detect_language(self.text)


@dataclass
class Tally:
    """Counts of (case, rule) decisions."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    cases: int = 0

    def add(self, expected: frozenset[str], fired: frozenset[str]) -> None:
        self.cases += 1
        self.true_positives += len(expected & fired)
        self.false_positives += len(fired - expected)
        self.false_negatives += len(expected - fired)

    @property
    def recall(self) -> float:
        found = self.true_positives + self.false_negatives
        return self.true_positives / found if found else 1.0

    @property
    def precision(self) -> float:
        fired = self.true_positives + self.false_positives
        return self.true_positives / fired if fired else 1.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "cases": self.cases,
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
        }


@dataclass
class Evaluation:
    overall: Tally = field(default_factory=Tally)
    by_language: dict[str, Tally] = field(default_factory=dict)
    by_group: dict[str, Tally] = field(default_factory=dict)
    by_rule: dict[str, Tally] = field(default_factory=dict)
    mistakes: list[dict[str, object]] = field(default_factory=list)
    seconds_per_utterance: list[float] = field(default_factory=list)


def load_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Case(
            text=str(c["text"]),
            expect=frozenset(c.get("expect") or []),
            speaker=str(c.get("speaker", "agent")),
            group=str(c.get("group", "")),
            held_out=bool(c.get("held_out", False)),
        )
        for c in data["cases"]
    ]


def fired_rules(engine: ComplianceEngine, case: Case, channel: str = "voice") -> frozenset[str]:
    """The rules one utterance fires, said as the first words of a fresh call."""
    monitor = engine.monitor(channel=channel)
    findings = monitor.hear(Utterance(case.speaker, case.text, 0.0, 1.0))
    return frozenset(f.rule_id for f in findings if f.kind in ("forbidden", "requirement_met"))


def evaluate(engine: ComplianceEngine, cases: list[Case]) -> Evaluation:
    out = Evaluation()
    rule_ids = [r.id for r in engine.rules.rules]
    for case in cases:
        started = time.perf_counter()
        fired = fired_rules(engine, case)
        out.seconds_per_utterance.append(time.perf_counter() - started)
        out.overall.add(case.expect, fired)
        out.by_language.setdefault(case.language, Tally()).add(case.expect, fired)
        out.by_group.setdefault(case.group, Tally()).add(case.expect, fired)
        for rule_id in rule_ids:
            only = frozenset({rule_id})
            out.by_rule.setdefault(rule_id, Tally()).add(case.expect & only, fired & only)
        if fired != case.expect:
            out.mistakes.append({"text": case.text, "expected": sorted(case.expect), "fired": sorted(fired)})
    return out
