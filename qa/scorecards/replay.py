"""The compliance engine, as the scorecard uses it: its monitor replayed over a stored transcript.

Typed by structure (``qa.compliance`` is built alongside this part): any engine whose ``monitor()``
hears utterances and reports findings fits. The replay asks for overdue disclosures before each
utterance, so a disclosure said after its deadline counts as missed, as it would have live.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from qa.scorecards.timeline import Spoken


class FindingLike(Protocol):
    """The fields of ``qa.compliance.model.Finding`` a scorecard reads."""

    @property
    def rule_id(self) -> str: ...
    @property
    def kind(self) -> str: ...  # "forbidden" | "missing_disclosure" | "requirement_met"
    @property
    def severity(self) -> str: ...
    @property
    def speaker(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...


class MonitorLike(Protocol):
    def hear(self, utterance: Any) -> Sequence[FindingLike]: ...
    def due(self, now: float) -> Sequence[FindingLike]: ...
    def finish(self, end: float) -> Sequence[FindingLike]: ...


class EngineLike(Protocol):
    def monitor(self, *, channel: str = ..., queue: str | None = ...) -> MonitorLike: ...


# (speaker, text, start, end, segment_id) -> the engine's Utterance
UtteranceFactory = Callable[[str, str, float, float, str | None], Any]


@dataclass(frozen=True)
class ComplianceCheck:
    engine: EngineLike
    utterance: UtteranceFactory


def replay(
    check: ComplianceCheck, spoken: Sequence[Spoken], *, channel: str, queue: str | None, end: float
) -> list[FindingLike]:
    """Every finding the engine reports over the call, in the order the call went."""
    monitor = check.engine.monitor(channel=channel, queue=queue)
    findings: list[FindingLike] = []
    for s in spoken:
        if not s.text.strip():
            continue
        findings.extend(monitor.due(s.start))
        findings.extend(monitor.hear(check.utterance(s.side, s.text, s.start, s.end, s.segment_id)))
    last = max([end, *(s.end for s in spoken)])
    findings.extend(monitor.finish(last))
    return findings
