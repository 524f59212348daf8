"""The automatic scorecard: a pure function of (utterances on the call clock, call facts, findings).

Items and weights (they sum to 100; the total is the weight of the passed items over the weight of
the applicable ones, times 100, so an item that does not apply neither helps nor hurts):

=================  ======  =====================================================================
item               weight  passes when
=================  ======  =====================================================================
greeting             15    the agent's first utterance starts within 10 s of joining and greets
disclosure           20    no required disclosure was missed (n/a when no required rule applies)
resolution           20    in the last 60 s of speech someone confirms the problem is solved
compliance           20    no forbidden statement was found (n/a without a compliance engine)
hold                  5    on hold for at most 60 s in all
silence              10    pauses of 3 s or more where nobody speaks (hold excluded) total at most
                           10 s or 20 % of the conversation, whichever is more
talk_over             5    both sides talk at once for at most 3 s or 5 % of the conversation
talk_ratio            5    the agent speaks 25-70 % of the speaking time
=================  ======  =====================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qa.scorecards.phrases import PhraseBook
from qa.scorecards.replay import FindingLike
from qa.scorecards.schemas import CallFacts, Evidence, ItemStatus, ScoreItem, ScoreSheet
from qa.scorecards.timeline import AGENT, CALLER, Spoken, gaps, overlap, speech_of, total

WEIGHTS = {
    "greeting": 15.0,
    "disclosure": 20.0,
    "resolution": 20.0,
    "compliance": 20.0,
    "hold": 5.0,
    "silence": 10.0,
    "talk_over": 5.0,
    "talk_ratio": 5.0,
}
LABELS = {
    "greeting": "Greeting",
    "disclosure": "Required disclosures",
    "resolution": "Resolution confirmed",
    "compliance": "Compliance hits",
    "hold": "Hold time",
    "silence": "Silence time",
    "talk_over": "Talk-over",
    "talk_ratio": "Agent talk ratio",
}
GREETING_WITHIN_S = 10.0
RESOLUTION_WINDOW_S = 60.0
MAX_HOLD_S = 60.0
SILENCE_GAP_S = 3.0  # shorter pauses are turn-taking, not dead air
MAX_SILENCE = (10.0, 0.20)  # seconds, share of the conversation: whichever is more
MAX_TALK_OVER = (3.0, 0.05)
TALK_RATIO_RANGE = (0.25, 0.70)
EVIDENCE_CHARS = 300

Redactor = Callable[[str], str]


def _status(passed: bool) -> ItemStatus:
    return ItemStatus.PASSED if passed else ItemStatus.FAILED


def _item(
    key: str,
    status: ItemStatus,
    value: float | None = None,
    unit: str = "",
    evidence: list[Evidence] | None = None,
) -> ScoreItem:
    rounded = None if value is None else round(value, 3)
    return ScoreItem(
        key=key,
        label=LABELS[key],
        weight=WEIGHTS[key],
        status=status,
        value=rounded,
        unit=unit,
        evidence=evidence or [],
    )


def _not_applicable(key: str, why: str) -> ScoreItem:
    return _item(key, ItemStatus.NOT_APPLICABLE, evidence=[Evidence(note=why)])


def _said(s: Spoken, redact: Redactor, note: str = "") -> Evidence:
    text = redact(s.text)[:EVIDENCE_CHARS]
    return Evidence(leg=s.leg, start=round(s.start, 3), end=round(s.end, 3), text=text, note=note)


def greeting(spoken: Sequence[Spoken], phrases: PhraseBook, redact: Redactor) -> ScoreItem:
    first = next((s for s in spoken if s.side == AGENT and s.text.strip()), None)
    if first is None:
        return _item("greeting", ItemStatus.FAILED, evidence=[Evidence(note="the agent never spoke")])
    match = phrases.greeting.match(first.text)
    in_time = first.leg_start <= GREETING_WITHIN_S
    note = f"first words {first.leg_start:.1f} s after joining"
    if match is not None:
        note += f"; greeting ({match.by}, {match.score:.2f})"
    return _item(
        "greeting", _status(in_time and match is not None), first.leg_start, "s", [_said(first, redact, note)]
    )


def resolution(spoken: Sequence[Spoken], phrases: PhraseBook, redact: Redactor) -> ScoreItem:
    talk = [s for s in spoken if s.text.strip()]
    if not talk:
        return _item("resolution", ItemStatus.FAILED, evidence=[Evidence(note="nothing was said")])
    last = max(s.end for s in talk)
    for s in reversed([s for s in talk if s.end >= last - RESOLUTION_WINDOW_S]):
        match = phrases.resolution.match(s.text)
        if match is not None:
            note = f"{s.side} confirms ({match.by}, {match.score:.2f})"
            return _item("resolution", ItemStatus.PASSED, 1.0, "", [_said(s, redact, note)])
    return _item(
        "resolution",
        ItemStatus.FAILED,
        0.0,
        "",
        [Evidence(note=f"no confirmation in the last {RESOLUTION_WINDOW_S:.0f} s")],
    )


def _finding(f: FindingLike, redact: Redactor) -> Evidence:
    return Evidence(
        leg=f.speaker,
        start=round(f.start, 3),
        end=round(f.end, 3),
        text=redact(f.text)[:EVIDENCE_CHARS],
        rule_id=f.rule_id,
        severity=str(f.severity),
        note=str(f.kind),
    )


def disclosure(findings: Sequence[FindingLike] | None, redact: Redactor) -> ScoreItem:
    if findings is None:
        return _not_applicable("disclosure", "no compliance engine")
    missed = [f for f in findings if f.kind == "missing_disclosure"]
    met = [f for f in findings if f.kind == "requirement_met"]
    if not missed and not met:
        return _not_applicable("disclosure", "no required rule applies")
    return _item(
        "disclosure",
        _status(not missed),
        float(len(missed)),
        "missed",
        [_finding(f, redact) for f in missed + met],
    )


def compliance(findings: Sequence[FindingLike] | None, redact: Redactor) -> ScoreItem:
    if findings is None:
        return _not_applicable("compliance", "no compliance engine")
    hits = [f for f in findings if f.kind == "forbidden"]
    return _item(
        "compliance", _status(not hits), float(len(hits)), "hits", [_finding(f, redact) for f in hits]
    )


def timing_items(spoken: Sequence[Spoken], hold_s: float) -> list[ScoreItem]:
    """Hold, silence, talk-over and talk ratio from the speech intervals of both sides."""
    hold = _item("hold", _status(hold_s <= MAX_HOLD_S), hold_s, "s")
    agent, caller, both = speech_of(spoken, AGENT), speech_of(spoken, CALLER), speech_of(spoken)
    if not both:
        na = ItemStatus.NOT_APPLICABLE
        return [hold, _item("silence", na), _item("talk_over", na), _item("talk_ratio", na)]
    span = both[-1][1] - both[0][0]
    pauses = gaps(both, SILENCE_GAP_S)
    silence_s = max(0.0, total(pauses) - hold_s)  # on hold nobody speaks: that is the hold item's
    longest = max(pauses, key=lambda p: p[1] - p[0], default=None)
    silence_evidence = []
    if longest is not None:
        silence_evidence.append(
            Evidence(start=round(longest[0], 3), end=round(longest[1], 3), note="longest pause")
        )
    talk_over_s = overlap(agent, caller)
    agent_s, caller_s = total(agent), total(caller)
    ratio = agent_s / (agent_s + caller_s)
    low, high = TALK_RATIO_RANGE
    return [
        hold,
        _item(
            "silence",
            _status(silence_s <= max(MAX_SILENCE[0], MAX_SILENCE[1] * span)),
            silence_s,
            "s",
            silence_evidence,
        ),
        _item(
            "talk_over",
            _status(talk_over_s <= max(MAX_TALK_OVER[0], MAX_TALK_OVER[1] * span)),
            talk_over_s,
            "s",
        ),
        _item(
            "talk_ratio",
            _status(low <= ratio <= high),
            ratio,
            "share",
            [Evidence(note=f"agent {agent_s:.1f} s, caller {caller_s:.1f} s")],
        ),
    ]


def weighted_total(items: Sequence[ScoreItem], status_of: Callable[[ScoreItem], ItemStatus]) -> float:
    """0-100: passed weight over applicable weight (0 when nothing applies)."""
    applicable = [i for i in items if status_of(i) is not ItemStatus.NOT_APPLICABLE]
    weight = sum(i.weight for i in applicable)
    passed = sum(i.weight for i in applicable if status_of(i) is ItemStatus.PASSED)
    return round(100 * passed / weight, 1) if weight else 0.0


def score_call(
    spoken: Sequence[Spoken],
    facts: CallFacts,
    findings: Sequence[FindingLike] | None,
    phrases: PhraseBook,
    redact: Redactor = str,
) -> ScoreSheet:
    """The scorecard of one call. ``findings`` is None when no compliance engine could run."""
    items = [
        greeting(spoken, phrases, redact),
        disclosure(findings, redact),
        resolution(spoken, phrases, redact),
        compliance(findings, redact),
        *timing_items(spoken, facts.hold_s),
    ]
    return ScoreSheet(items=items, total=weighted_total(items, lambda i: i.status))
