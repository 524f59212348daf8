"""Recall and precision of the packaged rules on our English and Chinese test set (real encoder).

The set (tests/data/qa/compliance_cases.yaml) has paraphrases, recognition-error variants, negated
near-misses and unrelated speech per rule. Thresholds and rule examples were calibrated on its
calibration part; the held-out part was written afterwards and never used to tune
(bench/qa_compliance.py prints all figures).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.compliance.engine import ComplianceEngine
from qa.compliance.evaluation import Case, evaluate, load_cases
from qa.compliance.store import DEFAULT_RULES_FILE, read_rules_file

CASES = Path(__file__).resolve().parents[2] / "data" / "qa" / "compliance_cases.yaml"


@pytest.fixture(scope="module")
def engine() -> ComplianceEngine:
    return ComplianceEngine(read_rules_file(DEFAULT_RULES_FILE))


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_cases(CASES)


def test_the_set_covers_every_rule_both_languages_and_negations(cases: list[Case]) -> None:
    assert len(cases) >= 120
    assert {c.language for c in cases} == {"en", "zh"}
    assert sum(c.group == "negated" for c in cases) >= 30
    rule_ids = {r.id for r in read_rules_file(DEFAULT_RULES_FILE).rules}
    assert rule_ids == {rule for c in cases for rule in c.expect}


def test_recall_and_precision_are_at_least_95_percent(engine: ComplianceEngine, cases: list[Case]) -> None:
    result = evaluate(engine, [c for c in cases if not c.held_out])
    assert result.overall.recall >= 0.95, result.mistakes
    assert result.overall.precision >= 0.95, result.mistakes


def test_each_language_stays_near_the_goal_on_the_calibration_part(
    engine: ComplianceEngine, cases: list[Case]
) -> None:
    # Measured: English recall 0.97, precision 0.97; Chinese recall 0.94 (two pressure-selling
    # paraphrases missed), precision 1.0.
    result = evaluate(engine, [c for c in cases if not c.held_out])
    for language, tally in result.by_language.items():
        assert tally.recall >= 0.93 and tally.precision >= 0.95, (language, result.mistakes)


def test_no_negated_near_miss_fires(engine: ComplianceEngine, cases: list[Case]) -> None:
    result = evaluate(engine, [c for c in cases if c.group == "negated"])
    assert result.overall.false_positives == 0, result.mistakes


def test_the_held_out_part_stays_precise(engine: ComplianceEngine, cases: list[Case]) -> None:
    # Paraphrases never used to tune: precision measured 1.0, recall 0.70 (below the 0.95 goal and
    # reported as such: a paraphrase far from every example scores under the threshold). Guarded
    # here against regressions.
    result = evaluate(engine, [c for c in cases if c.held_out])
    assert result.overall.precision >= 0.95, result.mistakes
    assert result.overall.recall >= 0.7, result.mistakes
