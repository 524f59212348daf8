"""Where card data sits in a piece of text: card numbers, security codes and expiry dates.

The rules (digits counted after number words, homophones and Chinese digits become digits):

- A *digit run* is a stretch of digit tokens, possibly separated by spaces, commas, dashes, fillers
  ("uh") or "hundred". A homophone ("for", "to", "oh", "won", "ate") is a digit only inside or at the
  edge of such a run, so "for 1-1-1-1-..." is 16 digits while "waiting for you" is none.
- **Card number**: a run of 15 or more digits, always (a recogniser that merges a card number with its
  expiry or code makes 19+); a run of 13-14 digits that passes the Luhn check; after a card cue ("card",
  "card number", "credit card", "卡号", "银行卡", "信用卡") a run of 12 or more digits even when Luhn
  fails (the recogniser dropped or changed a digit). After a cue, a shorter run of 6 or more digits
  is a fragment of a number split across segments and is masked too. In a partial transcript (a
  number still being read) any run of 7 or more digits is masked; the final applies the rules above.
- **Security code**: after a cue (security code, CVV, CVC, CID, "digits on the back", 安全码, 校验码,
  背面三位), the first run of 2-5 digits within a few words (or one just before the cue).
- **Expiry date**: after a cue (expiry, expires, expiration, valid thru/through, 有效期), the first
  date: digits with or without a month name ("09/27", "oh nine twenty seven", "September 2027").

Card numbers keep their last four digits in the mask (PCI DSS allows it); the rest keep nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from qa.pci.tokens import MONTHS, Kind, Token, tokenize

CARD_CUES = [("card",), ("卡", "号"), ("银", "行", "卡"), ("信", "用", "卡"), ("借", "记", "卡")]
SECURITY_CUES = [
    ("security", "code"), ("security", "number"), ("cvv",), ("cvc",), ("cid",), ("csc",), ("c", "v", "v"),
    ("verification", "code"), ("verification", "value"), ("digits", "on", "the", "back"),
    ("numbers", "on", "the", "back"), ("安", "全", "码"), ("校", "验", "码"), ("背", "面", "三", "位"),
    ("背", "面", "的"),
]  # fmt: skip
EXPIRY_CUES = [
    ("expiry",), ("expires",), ("expire",), ("expiration",), ("expiring",), ("exp",), ("valid", "thru"),
    ("valid", "through"), ("valid", "until"), ("good", "thru"), ("good", "through"), ("有", "效", "期"),
    ("到", "期"),
]  # fmt: skip

CARD_WINDOW = 12  # tokens between a card cue and the start of its number
SECURITY_WINDOW = 8
EXPIRY_WINDOW = 6
MIN_CUED_CARD = 12
MIN_FRAGMENT = 6
MIN_PARTIAL_RUN = 7
DATE_WORDS = {"of", "in", "the"}


_Masker = Callable[[int, int, "DataKind", str], None]


class DataKind(StrEnum):
    CARD = "card"
    SECURITY_CODE = "security_code"
    EXPIRY = "expiry"


@dataclass(frozen=True, slots=True)
class Finding:
    """``text[start:end]`` is card data and is replaced by ``mask``."""

    start: int
    end: int
    kind: DataKind
    mask: str


@dataclass(frozen=True, slots=True)
class OpenCues:
    """Cues whose number has not come yet (it may come in the speaker's next segment)."""

    card: bool = False
    security: bool = False
    expiry: bool = False

    def __bool__(self) -> bool:
        return self.card or self.security or self.expiry

    def __or__(self, other: OpenCues) -> OpenCues:
        return OpenCues(self.card or other.card, self.security or other.security, self.expiry or other.expiry)


@dataclass
class Scan:
    findings: list[Finding] = field(default_factory=list)
    open_cues: OpenCues = field(default_factory=OpenCues)
    cued: bool = False  # a cue was said in this text


@dataclass(frozen=True, slots=True)
class Run:
    first: int  # token indices, inclusive
    last: int
    digits: str


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def card_mask(digits: str) -> str:
    return f"[card ••••{digits[-4:]}]"


_IN_RUN = (Kind.DIGITS, Kind.WEAK, Kind.FILLER, Kind.SOFT)


def digit_runs(tokens: list[Token]) -> list[Run]:
    """Every digit run: digits with separators between, homophones only touching real digits."""
    runs: list[Run] = []
    index = 0
    while index < len(tokens):
        if tokens[index].kind not in (Kind.DIGITS, Kind.WEAK):
            index += 1
            continue
        end = index
        while end + 1 < len(tokens) and tokens[end + 1].kind in _IN_RUN:
            end += 1
        while tokens[end].kind in (Kind.FILLER, Kind.SOFT):  # a run ends on a digit
            end -= 1
        span = tokens[index : end + 1]
        if any(t.kind is Kind.DIGITS for t in span):
            runs.append(Run(index, end, "".join(t.digits for t in span)))
        index = end + 1
    return runs


def cue_ends(tokens: list[Token], cues: list[tuple[str, ...]]) -> list[int]:
    """Index of the last token of every cue found."""
    norms = [t.norm for t in tokens]
    ends = []
    for index in range(len(norms)):
        for cue in cues:
            if tuple(norms[index : index + len(cue)]) == cue:
                ends.append(index + len(cue) - 1)
    return sorted(set(ends))


def _after(cues: list[int], first: int, window: int) -> bool:
    return any(cue < first and first - cue <= window for cue in cues)


def scan(text: str, carried: OpenCues | None = None, *, in_progress: bool = False) -> Scan:
    """Card data in ``text``; ``carried`` cues were said just before it (the previous segment).

    ``in_progress`` (a partial transcript): a number is still being read, so any run of
    :data:`MIN_PARTIAL_RUN` digits is masked; the final decides with the full rules.
    """
    carried = carried or OpenCues()
    tokens = tokenize(text)
    # A carried cue acts as if said just before the first token.
    card_cues = ([-1] if carried.card else []) + cue_ends(tokens, CARD_CUES)
    security_cues = ([-1] if carried.security else []) + cue_ends(tokens, SECURITY_CUES)
    expiry_cues = ([-1] if carried.expiry else []) + cue_ends(tokens, EXPIRY_CUES)
    runs = digit_runs(tokens)
    result = Scan(cued=bool(cue_ends(tokens, CARD_CUES + SECURITY_CUES + EXPIRY_CUES)))
    taken: set[int] = set()  # tokens already masked

    def mask(first: int, last: int, kind: DataKind, shown: str) -> None:
        result.findings.append(Finding(tokens[first].start, tokens[last].end, kind, shown))
        taken.update(range(first, last + 1))

    card_closed = False
    for run in runs:
        n = len(run.digits)
        cued = _after(card_cues, run.first, CARD_WINDOW)
        if n >= 15 or (n >= 13 and luhn_ok(run.digits)) or (cued and n >= MIN_CUED_CARD):
            mask(run.first, run.last, DataKind.CARD, card_mask(run.digits))
            card_closed = card_closed or cued
    security_done = _mask_security(runs, security_cues, taken, mask)
    expiry_done = _mask_expiry(tokens, expiry_cues, taken, mask)
    for run in runs:
        if run.first in taken:
            continue
        fragment = len(run.digits) >= MIN_FRAGMENT and _after(card_cues, run.first, CARD_WINDOW)
        if fragment or (in_progress and len(run.digits) >= MIN_PARTIAL_RUN):
            mask(run.first, run.last, DataKind.CARD, "[card digits]")
    result.findings.sort(key=lambda f: f.start)
    result.open_cues = OpenCues(
        card=bool(card_cues) and not card_closed and _cue_near_end(card_cues, runs, len(tokens), CARD_WINDOW),
        security=bool(security_cues) and not security_done,
        expiry=bool(expiry_cues) and not expiry_done,
    )
    return result


def _cue_near_end(cues: list[int], runs: list[Run], count: int, window: int) -> bool:
    """The last cue could still be followed by its number in the next segment."""
    last = max(cues)
    return count - last <= window or any(r.first > last for r in runs)


def _mask_security(runs: list[Run], cues: list[int], taken: set[int], mask: _Masker) -> bool:
    done = False
    for cue in cues:
        nearby = [r for r in runs if r.first not in taken and 2 <= len(r.digits) <= 5]
        after = [r for r in nearby if cue < r.first and r.first - cue <= SECURITY_WINDOW]
        before = [r for r in nearby if r.last < cue and cue - r.last <= 3 and cue >= 0]
        for run in after[:1] + before[-1:]:
            mask(run.first, run.last, DataKind.SECURITY_CODE, "[security code]")
            done = True
    return done


def _mask_expiry(tokens: list[Token], cues: list[int], taken: set[int], mask: _Masker) -> bool:
    done = False
    for cue in cues:
        start = next(
            (
                i
                for i in range(cue + 1, min(len(tokens), cue + 1 + EXPIRY_WINDOW))
                if i not in taken and (_is_date(tokens[i]) and tokens[i].norm not in DATE_WORDS)
            ),
            None,
        )
        if start is None:
            continue
        end = start
        while end + 1 < len(tokens) and end + 1 not in taken and _is_date(tokens[end + 1]):
            end += 1
        while tokens[end].kind in (Kind.SOFT, Kind.FILLER) or tokens[end].norm in DATE_WORDS:
            end -= 1
        if any(t.kind is Kind.DIGITS for t in tokens[start : end + 1]):
            mask(start, end, DataKind.EXPIRY, "[expiry]")
            done = True
    return done


def _is_date(token: Token) -> bool:
    return (
        token.kind in (Kind.DIGITS, Kind.WEAK, Kind.SOFT, Kind.FILLER)
        or token.norm in MONTHS
        or token.norm in DATE_WORDS
        or token.norm in ("日", "号")
    )
