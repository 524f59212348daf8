"""Compliance matching on the labelled test set: recall and precision per language, group and rule,
and the time to check one utterance.

Run on purpose from the repository root: ``.venv/bin/python -m bench.qa_compliance`` (``--cases FILE``
for another set, ``--rules FILE`` for other rules). Prints one JSON object: the calibration part, the
held-out part (cases written after calibration and never used to tune) and all cases together.
Goal: recall and precision >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from qa.compliance.engine import ComplianceEngine
from qa.compliance.evaluation import Evaluation, evaluate, load_cases
from qa.compliance.matching import DEFAULT_THRESHOLD
from qa.compliance.store import DEFAULT_RULES_FILE, read_rules_file
from qa.encoder import warm_up

CASES = Path(__file__).resolve().parents[1] / "tests" / "data" / "qa" / "compliance_cases.yaml"


def summary(result: Evaluation) -> dict[str, object]:
    timings = sorted(result.seconds_per_utterance)
    return {
        **result.overall.as_dict(),
        "by_language": {k: v.as_dict() for k, v in sorted(result.by_language.items())},
        "by_group": {k: v.as_dict() for k, v in sorted(result.by_group.items())},
        "by_rule": {k: v.as_dict() for k, v in sorted(result.by_rule.items())},
        "ms_per_utterance_p50": round(1000 * statistics.median(timings), 2) if timings else None,
        "ms_per_utterance_p95": round(1000 * timings[int(0.95 * (len(timings) - 1))], 2) if timings else None,
        "mistakes": result.mistakes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES_FILE)
    args = parser.parse_args()
    started = time.perf_counter()
    warm_up()
    load_seconds = time.perf_counter() - started
    rules = read_rules_file(args.rules)
    started = time.perf_counter()
    engine = ComplianceEngine(rules)
    build_seconds = time.perf_counter() - started
    cases = load_cases(args.cases)
    # The calibration and held-out passes see each sentence for the first time (no cached vectors),
    # so their timings are what a live utterance costs; the "all" pass reuses the cache.
    report = {
        "default_threshold": DEFAULT_THRESHOLD,
        "thresholds": {r.id: r.threshold or DEFAULT_THRESHOLD for r in rules.rules},
        "encoder_load_s": round(load_seconds, 2),
        "engine_build_s": round(build_seconds, 2),
        "calibration": summary(evaluate(engine, [c for c in cases if not c.held_out])),
        "held_out": summary(evaluate(engine, [c for c in cases if c.held_out])),
        "all": summary(evaluate(engine, cases)),
    }
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
