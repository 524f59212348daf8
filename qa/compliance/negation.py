"""Is a statement negated where it matters? "There is no guarantee you will make money" is close to
"this is guaranteed to make money" for a sentence encoder (cosine 0.72, above a true paraphrase), so
a match also has to agree with its example on negation.

A negation cue negates the first content word after it ("no" -> "guarantee", "不" -> "保"); the
engine compares clauses as well as whole utterances, so "no, this is guaranteed to make money" still
has an affirmative clause. A text and an example agree when they negate the same words (up to
inflection or a recognition slip) as many times, so an example that is itself negated ("you will
never lose money") still matches its own kind ("you won't lose a penny") and not a negation of
something else ("I'm not saying you will make money"). Where money is concerned a loss word is a
negation of the gain: "you could lose money" and "投资有风险" agree with no promise of profit.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from qa.compliance.text import normalise, tokens

EN_CUES = frozenset(
    "no not never nothing none nobody neither nor without cannot unable impossible "
    "can't won't don't doesn't didn't isn't aren't wasn't weren't couldn't wouldn't shouldn't "
    "mustn't haven't hasn't hadn't ain't".split()
)
ZH_CUES = frozenset("不没无未非别勿莫")
# Phrases that hold a negation without negating anything ("no doubt", "非常" is "very").
_EN_NOT_NEGATIONS = re.compile(r"\b(?:no doubt|no problem|not only|no matter|no wonder)\b")
_ZH_NOT_NEGATIONS = re.compile(
    "非常|无论|毫无疑问|无疑|不错|不少|不断|不久|不管|不仅|不但|无数|没错|别人|别的|无限"
)
# Negations spelled without a cue word: "risk free" and "zero risk" are "no risk".
_REWRITES = (
    (re.compile(r"\b([a-z]+)[ -]free\b"), r"no \1"),
    (re.compile(r"\bzero\b"), "no"),
    (re.compile("零风险"), "无风险"),
)
# Words that deny a gain the way a negation does: "you could lose money" and "投资有风险" deny "you
# will make money"; negated ("you will never lose money", "no risk") they promise it again.
# They count when either text is about money or gain. "loose" is how recognisers often spell "lose".
LOSS_WORDS = frozenset("lose loses losing loose loosing loss losses lost risk risks risky fail fails".split())
ZH_LOSS_CHARS = frozenset("亏赔损险跌")
GAIN_WORDS = frozenset(
    "money profit profits return returns earn earns earnings gain gains rich income".split()
)
ZH_GAIN_CHARS = frozenset("钱赚益利")
LIGHT_HEADS = frozenset({"way", "chance", "possibility"})  # "no way you lose" negates "lose"
STOPWORDS = frozenset(
    "a an the this that these those it its is are was were be been being am do does did to of in on "
    "at for with by from as i you he she we they me him her us them my your our their will would "
    "shall should can could may might must have has had just really very so any some all if then "
    "there here what which who get got let please i'm you'll you're it's there's we'll i'll "
    "definitely absolutely ever going gonna want".split()
) | frozenset("的了是我你他她们这那个会能就都也很有吗呢吧啊呀在和与要给被把请任何一定绝对")


def is_cue(token: str) -> bool:
    return token in EN_CUES or token in ZH_CUES or token.endswith("n't")


def is_content(token: str) -> bool:
    return token not in STOPWORDS and not is_cue(token)


@lru_cache(maxsize=8192)
def similar_words(a: str, b: str) -> bool:
    """Same word up to inflection or a recognition slip ("guarantied" ~ "guaranteed", "loose" ~ "lose")."""
    if a == b:
        return True
    if len(a) < 3 or len(b) < 3:
        return False
    prefix = len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5]
    return prefix or SequenceMatcher(None, a, b).ratio() >= 0.75


@lru_cache(maxsize=8192)
def prepared_words(text: str) -> tuple[str, ...]:
    """Tokens of ``text`` with negation-looking words that negate nothing removed and rewrites made."""
    prepared = _ZH_NOT_NEGATIONS.sub(" ", _EN_NOT_NEGATIONS.sub(" ", normalise(text)))
    for pattern, replacement in _REWRITES:
        prepared = pattern.sub(replacement, prepared)
    return tuple(tokens(prepared))


@lru_cache(maxsize=8192)
def content_words(text: str) -> tuple[str, ...]:
    """The words of ``text`` that carry meaning (no stopwords, no negation cues)."""
    return tuple(w for w in prepared_words(text) if is_content(w))


def negated_words(text: str) -> tuple[str, ...]:
    """The word each negation cue of ``text`` negates: the first content word after it.

    "no way you lose" negates "lose" (a light noun after the cue is skipped). A cue in a "with no" /
    "without" phrase describes something and negates nothing of the statement: "high returns with
    no risk" is still a promise of returns.
    """
    words = prepared_words(text)
    heads: list[str] = []
    for index, word in enumerate(words):
        if not is_cue(word) or word == "without" or (index and words[index - 1] == "with"):
            continue
        scope = [w for w in words[index + 1 :] if is_content(w) and w not in LIGHT_HEADS]
        if scope:
            heads.append(scope[0])
    return tuple(heads)


def _is_loss(word: str) -> bool:
    return word in LOSS_WORDS or word in ZH_LOSS_CHARS


def claims_loss(text: str) -> bool:
    """True when ``text`` names a loss or risk it does not negate ("you could lose money", "有风险")."""
    words = prepared_words(text)
    return any(_is_loss(w) and sum(map(is_cue, words[:i])) % 2 == 0 for i, w in enumerate(words))


def _about_gain(text: str) -> bool:
    return any(w in GAIN_WORDS or w in ZH_GAIN_CHARS for w in prepared_words(text))


def _covered(mine: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    return all(any(similar_words(word, other) for other in theirs) for word in mine)


@lru_cache(maxsize=65536)
def same_polarity(text: str, example: str) -> bool:
    """True when ``text`` and ``example`` negate the same words as often (see the module doc).

    When either is about money or gain, a loss word counts as a negation of the gain: both must
    claim a loss or neither ("you will never lose money" promises, "you could lose money" warns).
    """
    ours, theirs = negated_words(text), negated_words(example)
    if _about_gain(text) or _about_gain(example):
        if claims_loss(text) != claims_loss(example):
            return False
        ours = tuple(w for w in ours if not _is_loss(w))
        theirs = tuple(w for w in theirs if not _is_loss(w))
    if len(ours) % 2 != len(theirs) % 2:
        return False
    return _covered(ours, theirs) and _covered(theirs, ours)
