"""Text cut into tokens that know which digits they stand for, in English and Chinese.

Recognisers and people write one number many ways: "4111 1111", "4111-1111", "4,111", "1-1-1-1",
"four one one one", "double one", "oh nine", "twenty seven", "四一一一", "幺两三", or in
full-width digits. Each token keeps its place in the source string so a mask can replace exactly it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

# Sure digits: a word that is (almost) never anything else in a conversation.
STRONG_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17",
    "eighteen": "18", "nineteen": "19",
}  # fmt: skip
TENS = {"twenty": "2", "thirty": "3", "forty": "4", "fifty": "5", "sixty": "6", "seventy": "7", "eighty": "8",
        "ninety": "9"}  # fmt: skip
# Homophones a recogniser writes for a digit ("for 1-1-1-1"): digits only next to a digit run.
WEAK_WORDS = {"oh": "0", "o": "0", "won": "1", "to": "2", "too": "2", "for": "4", "fore": "4", "ate": "8"}
REPEATS = {"double": 2, "triple": 3}
# Words that may sit inside a number read aloud without ending it.
FILLERS = {"uh", "um", "er", "erm", "ah", "hmm", "hundred", "thousand"}
CJK_DIGITS = {
    "零": "0", "\u3007": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5",
    "六": "6", "七": "7", "八": "8", "九": "9",
}  # fmt: skip
# Marks that may separate the groups of one number ("4111, 1111", "四一一一、一一一一"): ASCII,
# and the full-width comma, ideographic comma, en and em dashes, ideographic full stop, full-width colon.
SOFT_MARKS = {",", "-", ".", "/", ":", "\uff0c", "、", "\u2013", "\u2014", "。", "\uff1a"}
MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "月", "年",
}  # fmt: skip

FULL_WIDTH_DIGITS = "".join(chr(0xFF10 + n) for n in range(10))
_FULL_WIDTH = str.maketrans(FULL_WIDTH_DIGITS, "0123456789")
_TOKEN = re.compile(
    r"\[(?:card[^\]]{0,12}|security code|expiry)\]"  # a mask already put in: opaque
    r"|[0-9\uff10-\uff19]+(?:[-,./][0-9\uff10-\uff19]+)*"  # digits, separators inside ("4,111")
    r"|[A-Za-z]+(?:['-][A-Za-z0-9]+)*"  # a word, hyphenated forms included ("twenty-seven", "1-1")
    r"|[\u3400-\u9fff\u3007]"  # one CJK character
    r"|\S"  # any other mark on its own
)

# "0.0040128490000824" (a duration in a log line) is a decimal number, not 17 digits of a card: a
# card's groups are never 1-3 digits then a point, and no date or code has 7 decimals.
_DECIMAL_FRACTION = re.compile(r"^[0-9]{1,3}\.[0-9]{7,}$")


class Kind(Enum):
    DIGITS = "digits"  # stands for digits for sure
    WEAK = "weak"  # a digit only inside or at the edge of a digit run
    FILLER = "filler"  # may sit inside a run
    SOFT = "soft"  # a separator mark inside a run
    WORD = "word"  # anything else: ends a run
    MASK = "mask"  # a mask already in the text (redacting twice changes nothing)


@dataclass(frozen=True, slots=True)
class Token:
    """One token of a source string: ``text[start:end]``, its lower-case form and its digits."""

    start: int
    end: int
    norm: str
    kind: Kind
    digits: str = ""


def _word_digits(word: str) -> str | None:
    """Digits of a number word or a hyphenated run of them ("twenty-seven", "1-1-1-1"), else None."""
    parts = word.split("-")
    out = ""
    for index, part in enumerate(parts):
        if part.isdigit():
            out += part
        elif part in STRONG_WORDS:
            out += STRONG_WORDS[part]
        elif part in TENS:
            follows = parts[index + 1] if index + 1 < len(parts) else ""
            unit = STRONG_WORDS.get(follows, "")
            out += TENS[part] + ("" if len(unit) == 1 and unit != "0" else "0")
        elif part in WEAK_WORDS and len(parts) > 1:
            out += WEAK_WORDS[part]
        else:
            return None
    return out


def tokenize(text: str) -> list[Token]:
    """Every token of ``text`` with its kind; "double five" becomes one token standing for "55"."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text):
        raw = match.group()
        norm = raw.lower().translate(_FULL_WIDTH)
        start, end = match.span()
        if len(raw) > 2 and raw[0] == "[":
            tokens.append(Token(start, end, norm, Kind.MASK))
        elif _DECIMAL_FRACTION.match(norm):
            tokens.append(Token(start, end, norm, Kind.WORD))  # a measurement: never card digits
        elif norm[0].isdigit():
            tokens.append(Token(start, end, norm, Kind.DIGITS, re.sub(r"\D", "", norm)))
        elif norm in CJK_DIGITS:
            tokens.append(Token(start, end, norm, Kind.DIGITS, CJK_DIGITS[norm]))
        elif norm in WEAK_WORDS:
            tokens.append(Token(start, end, norm, Kind.WEAK, WEAK_WORDS[norm]))
        elif norm in FILLERS:
            tokens.append(Token(start, end, norm, Kind.FILLER))
        elif norm in SOFT_MARKS:
            tokens.append(Token(start, end, norm, Kind.SOFT))
        elif (digits := _word_digits(norm)) is not None:
            tokens.append(Token(start, end, norm, Kind.DIGITS, digits))
        else:
            tokens.append(Token(start, end, norm, Kind.WORD))
    return _join_tens_and_repeats(tokens)


def _join_tens_and_repeats(tokens: list[Token]) -> list[Token]:
    """ "twenty seven" -> 27 and "double five" -> 55 (the second word gives its digit to the first)."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if following is not None and following.kind is not Kind.WORD and following.digits:
            if token.norm in TENS and len(following.digits) == 1 and following.digits != "0":
                digits = TENS[token.norm] + following.digits
                out.append(Token(token.start, following.end, token.norm, Kind.DIGITS, digits))
                index += 2
                continue
            if token.norm in REPEATS and len(following.digits) == 1:
                digits = following.digits * REPEATS[token.norm]
                out.append(Token(token.start, following.end, token.norm, Kind.DIGITS, digits))
                index += 2
                continue
        out.append(token)
        index += 1
    return out
