"""Fuzz every parser that reads untrusted or admin-edited input, N inputs each; prints JSON.

Run on purpose, from the repository root: ``.venv/bin/python -m bench.fuzz [--inputs 20000]
[--target rtp ...] [--seed 0]``. Prints ``{target: {inputs, parsed, documented_errors, crashes,
seconds, first_crashes}}``; a crash is any exception other than the one the parser documents
(``bench/fuzz_targets.py`` pairs them). Exit status 1 when any target crashed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, seed, settings

from bench.fuzz_targets import TARGETS, FuzzTarget, outcome


def run(target: FuzzTarget, inputs: int, random_seed: int) -> dict[str, Any]:
    """Feed ``inputs`` generated inputs to one target; crashes are counted, not raised."""
    counts: Counter[str] = Counter()
    first_crashes: list[str] = []

    @seed(random_seed)
    @settings(max_examples=inputs, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(value=target.inputs)
    def feed(value: Any) -> None:
        kind, exc = outcome(target, value)
        counts[kind] += 1
        if exc is not None and len(first_crashes) < 5:
            first_crashes.append(f"{type(exc).__name__}: {str(exc)[:120]} <- {value!r:.160}")

    started = time.perf_counter()
    feed()
    return {
        "inputs": sum(counts.values()),
        "parsed": counts["parsed"],
        "documented_errors": counts["documented"],
        "crashes": counts["crash"],
        "seconds": round(time.perf_counter() - started, 1),
        "first_crashes": first_crashes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=20_000, help="inputs per target")
    parser.add_argument("--target", action="append", choices=[t.name for t in TARGETS])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    chosen = [t for t in TARGETS if not args.target or t.name in args.target]
    report = {t.name: run(t, args.inputs, args.seed) for t in chosen}
    print(json.dumps(report, indent=2))
    sys.exit(1 if any(r["crashes"] for r in report.values()) else 0)


if __name__ == "__main__":
    main()
