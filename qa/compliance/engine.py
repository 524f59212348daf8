"""The compliance engine: rules with their example vectors, checked against what is said or written.

:class:`ComplianceEngine` is immutable and shared (a text reply check, the CLI, every live call);
:class:`ComplianceMonitor` holds one call's or conversation's state: when the agent first spoke and
which required disclosures were said or already reported missing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from qa.compliance.matching import (
    DEFAULT_THRESHOLD,
    EncodedText,
    ExampleIndex,
    SentenceEncoder,
    encode_text,
)
from qa.compliance.model import ComplianceRule, Finding, FindingKind, RuleKind, RuleSet, Utterance
from qa.encoder import shared_encoder


class ComplianceEngine:
    """The rules of one rule set, ready to match (example vectors computed here, once)."""

    def __init__(self, rules: RuleSet, encoder: SentenceEncoder | None = None) -> None:
        self.rules = rules
        self._encoder: SentenceEncoder = encoder or shared_encoder()
        examples = [e for rule in rules.rules for e in rule.examples]
        vectors = self._encoder.encode(examples) if examples else None
        self._indexes: dict[str, ExampleIndex] = {}
        offset = 0
        for rule in rules.rules:
            count = len(rule.examples)
            assert vectors is not None
            self._indexes[rule.id] = ExampleIndex(rule.examples, vectors[offset : offset + count])
            offset += count

    def check(
        self, utterance: Utterance, *, channel: str = "voice", queue: str | None = None
    ) -> list[Finding]:
        """Forbidden statements in ``utterance`` (the text pre-send check and ``voxdesk qa check``)."""
        rules = [r for r in self.rules_for(channel, queue) if r.kind is RuleKind.FORBIDDEN]
        return [f for f, _ in self.matches(utterance, rules, "forbidden")]

    def monitor(self, *, channel: str = "voice", queue: str | None = None) -> ComplianceMonitor:
        """A monitor for one call or conversation on ``channel`` (and ``queue``, when known)."""
        return ComplianceMonitor(self, self.rules_for(channel, queue))

    def rules_for(self, channel: str, queue: str | None) -> list[ComplianceRule]:
        return [r for r in self.rules.rules if r.applies_to(channel, queue)]

    def matches(
        self,
        utterance: Utterance,
        rules: Iterable[ComplianceRule],
        kind: FindingKind,
        encoded: EncodedText | None = None,
    ) -> list[tuple[Finding, ComplianceRule]]:
        """A finding of ``kind`` for each of ``rules`` the utterance matches (speaker and score).

        ``encoded`` saves encoding the same utterance again when it is checked against two rule lists.
        """
        candidates = [r for r in rules if r.heard_from(utterance.speaker)]
        if not candidates or not utterance.text.strip():
            return []
        encoded = encoded or self.encode(utterance.text)
        return [(f, r) for r in candidates if (f := self._match(r, utterance, encoded, kind))]

    def encode(self, text: str) -> EncodedText:
        return encode_text(text, self._encoder)

    def _match(
        self, rule: ComplianceRule, utterance: Utterance, encoded: EncodedText, kind: FindingKind
    ) -> Finding | None:
        best = self._indexes[rule.id].best(encoded)
        threshold = rule.threshold if rule.threshold is not None else DEFAULT_THRESHOLD
        if best.score < threshold:
            return None
        return Finding(
            rule_id=rule.id,
            kind=kind,
            severity=rule.severity.value,
            speaker=utterance.speaker,
            text=utterance.text,
            start=utterance.start,
            end=utterance.end,
            score=round(best.score, 3),
            action=rule.action,
        )


class ComplianceMonitor:
    """One call's (or conversation's) compliance state; thread-safe.

    A required disclosure counts when its speaker says it no later than ``within_s`` after the
    agent's first words. Until the agent has spoken no deadline runs, so a call that never reached an
    agent reports no missing disclosure.
    """

    def __init__(self, engine: ComplianceEngine, rules: list[ComplianceRule]) -> None:
        self._engine = engine
        self._forbidden = [r for r in rules if r.kind is RuleKind.FORBIDDEN]
        self._required = [r for r in rules if r.kind is RuleKind.REQUIRED]
        self._lock = threading.Lock()
        self._first_agent_words: float | None = None
        self._settled: set[str] = set()  # required rules met or already reported missing

    def _deadline(self, rule: ComplianceRule) -> float | None:
        if self._first_agent_words is None or rule.within_s is None:
            return None
        return self._first_agent_words + rule.within_s

    def hear(self, utterance: Utterance) -> list[Finding]:
        """Forbidden statements in ``utterance`` and the required disclosures it makes in time."""
        with self._lock:
            if utterance.speaker == "agent" and self._first_agent_words is None:
                self._first_agent_words = utterance.start
            open_rules = [r for r in self._required if r.id not in self._settled]
        encoded = self._engine.encode(utterance.text) if utterance.text.strip() else None
        findings = [f for f, _ in self._engine.matches(utterance, self._forbidden, "forbidden", encoded)]
        met = self._engine.matches(utterance, open_rules, "requirement_met", encoded)
        with self._lock:
            for finding, rule in met:
                deadline = self._deadline(rule)
                if rule.id in self._settled or (deadline is not None and utterance.start > deadline):
                    continue
                self._settled.add(rule.id)
                findings.append(finding)
        return findings

    def due(self, now: float) -> list[Finding]:
        """A missing disclosure for each required rule whose deadline has passed (each reported once)."""
        with self._lock:
            return self._report_missing(lambda deadline: now >= deadline, None)

    def finish(self, end: float) -> list[Finding]:
        """At the end of the call: every required rule still unmet (once the agent has spoken)."""
        with self._lock:
            return self._report_missing(lambda _deadline: True, end)

    def _report_missing(self, passed: Callable[[float], bool], end: float | None) -> list[Finding]:
        out: list[Finding] = []
        for rule in self._required:
            deadline = self._deadline(rule)
            if rule.id in self._settled or deadline is None or not passed(deadline):
                continue
            self._settled.add(rule.id)
            at = deadline if end is None else min(deadline, end)  # a call may end before the deadline
            out.append(
                Finding(
                    rule_id=rule.id,
                    kind="missing_disclosure",
                    severity=rule.severity.value,
                    speaker=rule.speaker.value,
                    text="",
                    start=at,
                    end=at,
                    score=0.0,
                    action=rule.action,
                )
            )
        return out
